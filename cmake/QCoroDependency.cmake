# QCoro, header-only: the project uses QCoro::Task, QCoro::waitFor, QCoro::connect and
# qCoro(object, &signal[, timeout]), which are templates in qcorotask.h and qcorosignal.h. The
# compiled parts of QCoro (timers, socket and device wrappers) are replaced by the project's own
# awaitables in src/core/coro (Wakeup, sleepFor, waitConnected, waitReadable), so no QCoro library
# is linked. That lets a Windows cross build use Debian's qcoro-qt6-dev headers as they are
# (scripts/build-windows.sh passes PUNCHDROP_QCORO_INCLUDE_DIR), and every platform compiles the
# same QCoro API. Sources use lowercase headers (<qcorotask.h>).
#
# Target: punchdrop_qcoro (INTERFACE, include directory only).
find_path(PUNCHDROP_QCORO_INCLUDE_DIR qcorotask.h
    PATH_SUFFIXES qcoro6/qcoro
    DOC "directory with QCoro >= 0.8's qcorotask.h and qcorosignal.h (Debian: qcoro-qt6-dev)")
add_library(punchdrop_qcoro INTERFACE)
if(PUNCHDROP_QCORO_INCLUDE_DIR)
    message(STATUS "QCoro headers (header-only use): ${PUNCHDROP_QCORO_INCLUDE_DIR}")
    # The same three directories, in the same order, as Debian's QCoro6::Core target gives: the
    # compile lines stay identical to linking QCoro6::Core, so ccache keeps its hits.
    get_filename_component(qcoro_root "${PUNCHDROP_QCORO_INCLUDE_DIR}" DIRECTORY)
    target_include_directories(punchdrop_qcoro SYSTEM INTERFACE
        ${qcoro_root} ${PUNCHDROP_QCORO_INCLUDE_DIR} ${qcoro_root}/QCoro)
else()
    # No package (the Windows and macOS release runners): fetch the release Debian ships, so every
    # platform compiles against the same QCoro API, and build its Core library only for the
    # include directories its target carries (nothing of it is called).
    message(STATUS "QCoro headers not installed: fetching QCoro v0.8.0")
    include(FetchContent)
    set(QCORO_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
    set(BUILD_TESTING OFF CACHE BOOL "" FORCE)
    set(QCORO_BUILD_TESTING OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTDBUS OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTNETWORK OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTWEBSOCKETS OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTQUICK OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QML OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTTEST OFF CACHE BOOL "" FORCE)
    set(USE_QT_VERSION 6 CACHE STRING "" FORCE)
    FetchContent_Declare(qcoro
        GIT_REPOSITORY https://github.com/qcoro/qcoro.git
        GIT_TAG v0.8.0
        GIT_SHALLOW TRUE)
    FetchContent_MakeAvailable(qcoro)
    target_link_libraries(punchdrop_qcoro INTERFACE QCoro6::Core)
endif()
