# `cmake --build <dir> --target format` rewrites sources; `--target format-check` fails on a diff.
find_program(PUNCHDROP_CLANG_FORMAT NAMES clang-format clang-format-14)
if(PUNCHDROP_CLANG_FORMAT)
    file(GLOB_RECURSE _punchdrop_format_sources CONFIGURE_DEPENDS
        "${PROJECT_SOURCE_DIR}/src/*.cpp" "${PROJECT_SOURCE_DIR}/src/*.h"
        "${PROJECT_SOURCE_DIR}/tests/*.cpp" "${PROJECT_SOURCE_DIR}/tests/*.h"
        "${PROJECT_SOURCE_DIR}/bench/*.cpp")
    add_custom_target(format
        COMMAND ${PUNCHDROP_CLANG_FORMAT} -i ${_punchdrop_format_sources}
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" COMMENT "clang-format (rewrite)" VERBATIM)
    add_custom_target(format-check
        COMMAND ${PUNCHDROP_CLANG_FORMAT} --dry-run --Werror ${_punchdrop_format_sources}
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}" COMMENT "clang-format (check)" VERBATIM)
endif()
# ./test.sh runs the check as a test of its own (label "format"), so CI fails on a diff. The
# product's sources only: a file that is not formatted is a failure, not a warning.
if(PUNCHDROP_CLANG_FORMAT AND PUNCHDROP_BUILD_TESTS)
    add_test(NAME format_check
        COMMAND ${PUNCHDROP_CLANG_FORMAT} --dry-run --Werror ${_punchdrop_format_sources}
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    set_tests_properties(format_check PROPERTIES LABELS "format;unit" TIMEOUT 120)
elseif(PUNCHDROP_BUILD_TESTS AND DEFINED ENV{CI})
    message(FATAL_ERROR "clang-format is needed for the format_check test (scripts/install-deps.sh installs it)")
endif()
