# cmake -DCASE=<case> -DEXPECT=<regex or "pass"> -DSOURCE_DIR=<repo> -DWORK_DIR=<dir>
#       -DGENERATOR=<cmake generator> -P run.cmake
# Configures tests/layering for CASE and checks the outcome: EXPECT "pass" wants a successful
# configure; anything else wants a failed one whose output matches EXPECT.
foreach(var CASE EXPECT SOURCE_DIR WORK_DIR GENERATOR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "${var} is not set")
    endif()
endforeach()
set(build ${WORK_DIR}/${CASE})
file(REMOVE_RECURSE ${build})
execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/layering -B ${build} -G ${GENERATOR}
            -DCASE=${CASE} -DLAYERING_CHECK=${SOURCE_DIR}/cmake/LayeringCheck.cmake
    RESULT_VARIABLE result
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out)
file(REMOVE_RECURSE ${build})
# CMake wraps long messages: compare with every run of white space as one space.
string(REGEX REPLACE "[ \t\r\n]+" " " out "${out}")
if(EXPECT STREQUAL "pass")
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "${CASE}: the clean stand-in tree was rejected:\n${out}")
    endif()
    if(NOT out MATCHES "Layering check passed: net wire/security/client/server rules hold")
        message(FATAL_ERROR "${CASE}: the net layering check did not run:\n${out}")
    endif()
    message(STATUS "${CASE}: configured, as expected")
    return()
endif()
if(result EQUAL 0)
    message(FATAL_ERROR "${CASE}: a forbidden dependency was accepted:\n${out}")
endif()
if(NOT out MATCHES "${EXPECT}")
    message(FATAL_ERROR "${CASE}: configure failed, but not with \"${EXPECT}\":\n${out}")
endif()
message(STATUS "${CASE}: rejected with \"${EXPECT}\", as expected")
