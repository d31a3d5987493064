// SPDX-License-Identifier: GPL-3.0-or-later
// The `punchdrop` executable: a thin shell. It parses the arguments before any application object
// exists, then creates QCoreApplication for the headless modes (no display needed) or
// QApplication for the desktop app.

#include "cli/consoletext.h"
#include "cli/headless.h"
#include "cli/invocation.h"
#include "core/logging.h"
#include "core/version.h"
#include "gui/guiapplication.h"
#include "net/security/tlsbackend.h"

#include <QApplication>
#include <QCoreApplication>
#include <QMessageBox>

#ifdef Q_OS_WIN
#include <cstdio>
#include <windows.h>

#include <shellapi.h> // after windows.h: CommandLineToArgvW
#endif

using namespace PunchDrop;

namespace {
void setApplicationMetadata()
{
    QCoreApplication::setOrganizationName(QStringLiteral("PunchDrop"));
    QCoreApplication::setApplicationName(QStringLiteral("punchdrop"));
    QCoreApplication::setApplicationVersion(PunchDrop::version());
}

#if defined(Q_OS_WIN) && !defined(PUNCHDROP_CONSOLE_PROGRAM) // punchdrop-cli.exe has a console
bool inherited(DWORD which)
{
    const HANDLE handle = GetStdHandle(which);
    return handle != nullptr && handle != INVALID_HANDLE_VALUE
        && GetFileType(handle) != FILE_TYPE_UNKNOWN;
}

// punchdrop.exe is a GUI-subsystem program (no console window for the desktop app). Started from
// a shell with no redirection it has no standard handles at all: the server and the CLI then
// attach to the shell's console so their output is visible. A handle the parent did pass (a pipe
// or a file: `punchdrop send ... > log`, `| findstr`, QProcess) is kept as it is. cmd.exe does not
// wait for a GUI program, so scripts that need the exit code use punchdrop-cli.exe (a console
// program built from this file, PUNCHDROP_CONSOLE_PROGRAM), which needs none of this.
void attachParentConsole()
{
    const bool in = inherited(STD_INPUT_HANDLE);
    const bool out = inherited(STD_OUTPUT_HANDLE);
    const bool err = inherited(STD_ERROR_HANDLE);
    if ((out && err) || !AttachConsole(ATTACH_PARENT_PROCESS))
        return;
    if (!out)
        std::freopen("CONOUT$", "w", stdout);
    if (!err)
        std::freopen("CONOUT$", "w", stderr);
    if (!in)
        std::freopen("CONIN$", "r", stdin);
}
#endif

//! The arguments as Unicode. On Windows argv is in the ANSI code page, which cannot hold every
//! file or device name: the wide command line is split the way the C runtime splits it.
QStringList commandLineArguments(int argc, char *argv[])
{
    QStringList arguments;
#ifdef Q_OS_WIN
    int count = 0;
    if (wchar_t **wide = CommandLineToArgvW(GetCommandLineW(), &count)) {
        for (int i = 0; i < count; ++i)
            arguments << QString::fromWCharArray(wide[i]);
        LocalFree(wide);
        return arguments;
    }
#endif
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    return arguments;
}

//! After the application object exists (TLS backends are plugins). False: reported, exit.
bool checkTls(bool gui)
{
    QString error;
    if (TlsBackend::ensureTls13(&error))
        return true;
    Cli::writeText(stderr, QStringLiteral("punchdrop: %1\n").arg(error));
    if (gui)
        QMessageBox::critical(nullptr, QStringLiteral("PunchDrop"), error);
    return false;
}
} // namespace

int main(int argc, char *argv[])
{
#if defined(Q_OS_WIN) && !defined(PUNCHDROP_CONSOLE_PROGRAM)
    if (argc > 1)
        attachParentConsole();
#endif
    const Cli::ParseResult parsed = Cli::parseCommandLine(commandLineArguments(argc, argv));
    switch (parsed.kind) {
    case Cli::ParseResult::Kind::Help:
        Cli::writeText(stdout, parsed.text);
        return Cli::ExitOk;
    case Cli::ParseResult::Kind::Version:
        Cli::writeText(stdout, parsed.text + QLatin1Char('\n'));
        return Cli::ExitOk;
    case Cli::ParseResult::Kind::Error:
        Cli::writeText(
            stderr, QStringLiteral("punchdrop: %1 (try 'punchdrop --help')\n").arg(parsed.text));
        return Cli::ExitUsage;
    case Cli::ParseResult::Kind::Run:
        break;
    }

    const Cli::Invocation &invocation = parsed.invocation;
    setApplicationMetadata();
    if (invocation.mode == Cli::Mode::Gui) {
        QApplication app(argc, argv);
        QGuiApplication::setDesktopFileName(QStringLiteral("org.punchdrop.PunchDrop"));
        Logging::install(Logging::Mode::Gui, invocation.verbose);
        if (!checkTls(true))
            return Cli::ExitFailure;
        return Gui::runGui(
            {invocation.configDir, invocation.minimized, invocation.paths, invocation.noPortMap});
    }
    QCoreApplication app(argc, argv);
    Logging::install(Logging::Mode::Headless, invocation.verbose);
    // The server checks after it listens (servercommand.cpp): a port in use is reported first.
    if (invocation.mode != Cli::Mode::Server && !checkTls(false))
        return Cli::ExitFailure;
    return Cli::runHeadless(invocation);
}
