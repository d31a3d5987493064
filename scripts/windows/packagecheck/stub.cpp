// SPDX-License-Identifier: GPL-3.0-or-later
// Stands in for punchdrop.exe / punchdrop-cli.exe in the package check: answers --version as the
// real program does, through the C++ runtime (so the package must carry mingw's DLLs).
#include <iostream>
#include <string>

int main(int argc, char *argv[])
{
    if (argc > 1 && std::string(argv[1]) == "--version") {
        std::cout << "punchdrop " << PUNCHDROP_VERSION << std::endl;
        return 0;
    }
    std::cerr << "package-check stub: only --version" << std::endl;
    return 2;
}
