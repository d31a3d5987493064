# xxHash, header-only: src/transfer/filedigest.cpp includes xxhash.h with XXH_INLINE_ALL (XXH3-128
# file digests), so no library is linked or shipped. Debian: libxxhash-dev. A Windows cross build
# passes PUNCHDROP_XXHASH_INCLUDE_DIR (a folder holding only xxhash.h: scripts/windows/
# cross-build.sh); the Windows and macOS release runners fetch the release Debian 12 ships.
#
# Target: punchdrop_xxhash (INTERFACE, include directory only).
find_path(PUNCHDROP_XXHASH_INCLUDE_DIR xxhash.h DOC "directory with xxHash >= 0.8's xxhash.h")
add_library(punchdrop_xxhash INTERFACE)
if(PUNCHDROP_XXHASH_INCLUDE_DIR)
    message(STATUS "xxHash header (header-only use): ${PUNCHDROP_XXHASH_INCLUDE_DIR}")
else()
    message(STATUS "xxhash.h not installed: fetching xxHash v0.8.1")
    include(FetchContent)
    FetchContent_Declare(xxhash
        GIT_REPOSITORY https://github.com/Cyan4973/xxHash.git
        GIT_TAG v0.8.1
        GIT_SHALLOW TRUE)
    FetchContent_GetProperties(xxhash)
    if(NOT xxhash_POPULATED)
        FetchContent_Populate(xxhash) # the header only: its own CMake project is not added
    endif()
    set(PUNCHDROP_XXHASH_INCLUDE_DIR "${xxhash_SOURCE_DIR}")
endif()
target_include_directories(punchdrop_xxhash SYSTEM INTERFACE ${PUNCHDROP_XXHASH_INCLUDE_DIR})
