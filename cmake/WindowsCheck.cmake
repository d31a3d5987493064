# The Windows compile, Winsock and packaging check (scripts/windows-check.sh) as a test of its
# own, label "windows", in every ./test.sh on a Linux host. It reads this tree's
# compile_commands.json and generated moc files, so it runs after the build. Exit 77 (tools
# missing outside CI) is a skip; under CI=true the script fails instead.
if(PUNCHDROP_BUILD_TESTS AND CMAKE_HOST_SYSTEM_NAME STREQUAL "Linux" AND NOT CMAKE_CROSSCOMPILING)
    add_test(NAME windows_check
        COMMAND ${PROJECT_SOURCE_DIR}/scripts/windows-check.sh ${PROJECT_BINARY_DIR})
    set_tests_properties(windows_check PROPERTIES
        LABELS windows TIMEOUT 1800 SKIP_RETURN_CODE 77 PROCESSORS 2)
endif()
