// SPDX-License-Identifier: GPL-3.0-or-later
// The `punchdrop` executable: a thin shell. It parses the arguments before any application object
// exists, then creates QCoreApplication for the headless modes (no display needed) or
// QApplication for the desktop app.

#include "cli/headless.h"
#include "cli/invocation.h"
#include "core/logging.h"
#include "core/version.h"
#include "gui/guiapplication.h"

#include <QApplication>
#include <QCoreApplication>
#include <QTextStream>

#ifdef Q_OS_WIN
#include <cstdio>
#include <windows.h>
#endif

using namespace PunchDrop;

namespace {
void setApplicationMetadata()
{
    QCoreApplication::setOrganizationName(QStringLiteral("PunchDrop"));
    QCoreApplication::setApplicationName(QStringLiteral("punchdrop"));
    QCoreApplication::setApplicationVersion(PunchDrop::version());
}

#ifdef Q_OS_WIN
// punchdrop.exe is a GUI-subsystem program (no console window for the desktop app); the server
// and the CLI attach to the console of the shell that started them so their output is visible.
void attachParentConsole()
{
    if (AttachConsole(ATTACH_PARENT_PROCESS)) {
        std::freopen("CONOUT$", "w", stdout);
        std::freopen("CONOUT$", "w", stderr);
    }
}
#endif
} // namespace

int main(int argc, char *argv[])
{
#ifdef Q_OS_WIN
    if (argc > 1)
        attachParentConsole();
#endif
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);

    const Cli::ParseResult parsed = Cli::parseCommandLine(arguments);
    switch (parsed.kind) {
    case Cli::ParseResult::Kind::Help:
        QTextStream(stdout) << parsed.text;
        return Cli::ExitOk;
    case Cli::ParseResult::Kind::Version:
        QTextStream(stdout) << parsed.text << '\n';
        return Cli::ExitOk;
    case Cli::ParseResult::Kind::Error:
        QTextStream(stderr) << "punchdrop: " << parsed.text << " (try 'punchdrop --help')\n";
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
        return Gui::runGui({invocation.configDir, invocation.minimized});
    }
    QCoreApplication app(argc, argv);
    Logging::install(Logging::Mode::Headless, invocation.verbose);
    return Cli::runHeadless(invocation);
}
