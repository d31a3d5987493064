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
