// SPDX-License-Identifier: GPL-3.0-or-later
#include "headless.h"

#include "clientcommands.h"
#include "servercommand.h"

namespace PunchDrop::Cli {

int runHeadless(const Invocation &invocation)
{
    switch (invocation.mode) {
    case Mode::Server:
        return runServer(invocation);
    case Mode::Send:
        return runSend(invocation);
    case Mode::Receive:
        return runReceive(invocation);
    case Mode::Peers:
        return runPeers(invocation);
    case Mode::Gui:
        break;
    }
    return ExitUsage;
}

} // namespace PunchDrop::Cli
