# QCoro >= 0.8 from the system (Debian: qcoro-qt6-dev); where no package exists (Windows, macOS)
# fetch a tagged release at configure time. Sources use lowercase headers (<qcorotask.h>) so both
# layouts compile.
find_package(QCoro6 0.8 QUIET COMPONENTS Core Network)
if(NOT QCoro6_FOUND)
    message(STATUS "QCoro6 not installed: fetching it (v0.11.0)")
    include(FetchContent)
    set(QCORO_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
    set(QCORO_BUILD_TESTING OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTDBUS OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTWEBSOCKETS OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTQUICK OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QML OFF CACHE BOOL "" FORCE)
    set(QCORO_WITH_QTTEST OFF CACHE BOOL "" FORCE)
    set(USE_QT_VERSION 6 CACHE STRING "" FORCE)
    FetchContent_Declare(qcoro
        GIT_REPOSITORY https://github.com/qcoro/qcoro.git
        GIT_TAG v0.11.0
        GIT_SHALLOW TRUE)
    FetchContent_MakeAvailable(qcoro)
else()
    message(STATUS "Using system QCoro6 ${QCoro6_VERSION}")
endif()
