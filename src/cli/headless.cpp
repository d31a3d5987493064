// SPDX-License-Identifier: GPL-3.0-or-later
#include "headless.h"

#include "core/logging.h"

#include <QTextStream>

namespace PunchDrop::Cli {

int runHeadless(const Invocation &invocation)
{
    switch (invocation.mode) {
    case Mode::Gui:
        break;
    case Mode::Server:
    case Mode::Send:
    case Mode::Receive:
    case Mode::Peers:
        QTextStream(stderr) << "punchdrop: this command is not available in this build\n";
        return ExitFailure;
    }
    return ExitUsage;
}

} // namespace PunchDrop::Cli
