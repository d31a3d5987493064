# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (posix threads: std::thread and
# std::mutex need them). Used by scripts/build-windows.sh for OpenSSL's consumers, qtbase and
# PunchDrop itself. PUNCHDROP_MINGW_PREFIX (cache or environment) is the cross prefix holding
# Qt and OpenSSL for Windows.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
if(NOT PUNCHDROP_MINGW_PREFIX AND DEFINED ENV{PUNCHDROP_MINGW_PREFIX})
    set(PUNCHDROP_MINGW_PREFIX "$ENV{PUNCHDROP_MINGW_PREFIX}")
endif()
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${PUNCHDROP_MINGW_PREFIX})
# Programs (moc, rcc, lrelease, ...) come from the build machine; libraries and headers only from
# the Windows prefixes. Packages from both: Qt's cross build finds its host tools' packages
# through QT_HOST_PATH.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
