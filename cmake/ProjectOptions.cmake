# One INTERFACE target carries the project's strictness; every target links it.
add_library(punchdrop_options INTERFACE)
target_compile_features(punchdrop_options INTERFACE cxx_std_20)
target_compile_definitions(punchdrop_options INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_KEYWORDS
    QT_NO_CONTEXTLESS_CONNECT
    QT_USE_QSTRINGBUILDER
    QT_NO_FOREACH
    QT_STRICT_ITERATORS
    QT_DISABLE_DEPRECATED_UP_TO=0x060400
    PUNCHDROP_VERSION="${PROJECT_VERSION}")
if(WIN32)
    # MSVC's <windows.h> defines min and max as macros, which breaks std::max(...) and
    # std::numeric_limits<T>::max() in every file that includes <winsock2.h> (mingw's libstdc++
    # defines NOMINMAX itself, so only MSVC would fail). Lean headers: no winsock 1, no OLE.
    target_compile_definitions(punchdrop_options INTERFACE NOMINMAX WIN32_LEAN_AND_MEAN)
endif()
if(MSVC)
    target_compile_options(punchdrop_options INTERFACE /W4 /permissive- /utf-8)
    if(PUNCHDROP_WERROR)
        target_compile_options(punchdrop_options INTERFACE /WX)
    endif()
else()
    target_compile_options(punchdrop_options INTERFACE -Wall -Wextra -pedantic -Wshadow=local)
    if(PUNCHDROP_WERROR)
        target_compile_options(punchdrop_options INTERFACE -Werror)
    endif()
endif()
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    # Hardening that lintian expects of a packaged binary.
    target_compile_definitions(punchdrop_options INTERFACE $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
    target_link_options(punchdrop_options INTERFACE LINKER:-z,relro LINKER:-z,now)
endif()
