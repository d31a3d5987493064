# Use ccache when it is installed; a clean rebuild then takes seconds instead of a minute.
# base_dir is this source tree, so paths inside it are hashed relative to the build directory and
# another clone of the same sources (CI's fresh clone, a git worktree) hits the same entries.
find_program(PUNCHDROP_CCACHE ccache)
if(PUNCHDROP_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER
        "${CMAKE_COMMAND};-E;env;CCACHE_BASEDIR=${CMAKE_SOURCE_DIR};CCACHE_NOHASHDIR=1;${PUNCHDROP_CCACHE}")
    message(STATUS "Using ccache: ${PUNCHDROP_CCACHE}")
endif()
