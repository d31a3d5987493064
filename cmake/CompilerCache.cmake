# Use ccache when it is installed; a clean rebuild then takes seconds instead of a minute.
find_program(PUNCHDROP_CCACHE ccache)
if(PUNCHDROP_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${PUNCHDROP_CCACHE}")
    message(STATUS "Using ccache: ${PUNCHDROP_CCACHE}")
endif()
