#!/bin/sh
# makensis for a 64-bit installer (CPACK_NSIS_EXECUTABLE in a cross build, installer/CMakeLists.txt).
# CPack splits CPACK_NSIS_EXECUTABLE_PRE_ARGUMENTS at spaces, so "-XTarget amd64-unicode" cannot
# be passed through it.
exec makensis "-XTarget amd64-unicode" "$@"
