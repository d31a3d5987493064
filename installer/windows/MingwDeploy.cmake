# SPDX-License-Identifier: GPL-3.0-or-later
# Deployment for a Linux -> Windows cross build with mingw-w64 (scripts/build-windows.sh), where
# windeployqt does not exist (Qt6CoreDeploySupport stops with "No Qt deploy tool available").
#
# punchdrop_mingw_deploy(<targets>...) adds install steps that put beside the executables:
#   - Qt's plugins PunchDrop loads at run time (platforms, tls, styles, imageformats,
#     networkinformation) in their category folders, as windeployqt would;
#   - every DLL the executables and those plugins import, found by reading their PE import tables
#     with objdump and searching Qt's bin folder, the OpenSSL prefix and the mingw runtime folders
#     (libstdc++-6, libgcc_s_seh-1, libwinpthread-1: CMake's InstallRequiredSystemLibraries
#     knows only MSVC). DLLs found in none of them must be Windows' own; an unresolved Qt or
#     lib* DLL stops the install.
# With PUNCHDROP_PACKAGE_CHECK (no Qt) only the mingw runtime is deployed.

function(punchdrop_mingw_deploy)
    find_program(PUNCHDROP_OBJDUMP NAMES x86_64-w64-mingw32-objdump objdump REQUIRED)
    set(search_dirs)
    foreach(runtime libstdc++-6.dll libwinpthread-1.dll)
        execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${runtime}
            OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE)
        get_filename_component(dir "${path}" DIRECTORY)
        if(IS_DIRECTORY "${dir}")
            list(APPEND search_dirs "${dir}")
        endif()
    endforeach()
    set(plugin_dirs)
    if(NOT PUNCHDROP_PACKAGE_CHECK)
        list(APPEND search_dirs "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}")
        get_filename_component(openssl_root "${OPENSSL_INCLUDE_DIR}" DIRECTORY)
        list(APPEND search_dirs "${openssl_root}/bin")
        foreach(category platforms tls styles imageformats networkinformation)
            list(APPEND plugin_dirs "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_PLUGINS}/${category}")
        endforeach()
    endif()
    set(executables)
    foreach(target IN LISTS ARGN)
        list(APPEND executables "$<TARGET_FILE_NAME:${target}>")
    endforeach()
    install(CODE "
        set(PD_OBJDUMP \"${PUNCHDROP_OBJDUMP}\")
        set(PD_SEARCH_DIRS \"${search_dirs}\")
        set(PD_PLUGIN_DIRS \"${plugin_dirs}\")
        set(PD_EXECUTABLES \"${executables}\")
        set(PD_BINDIR \"${CMAKE_INSTALL_BINDIR}\")"
        COMPONENT ${PUNCHDROP_COMPONENT})
    install(SCRIPT ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/deploy-mingw.cmake
        COMPONENT ${PUNCHDROP_COMPONENT})
endfunction()
