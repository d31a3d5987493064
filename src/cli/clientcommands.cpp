// SPDX-License-Identifier: GPL-3.0-or-later
#include "clientcommands.h"

#include <QTextStream>

namespace PunchDrop::Cli {

// Placeholders until the client engine lands (issue 3).
int runSend(const Invocation &)
{
    QTextStream(stderr) << "punchdrop: send is not part of this build yet\n";
    return ExitFailure;
}

int runReceive(const Invocation &)
{
    QTextStream(stderr) << "punchdrop: receive is not part of this build yet\n";
    return ExitFailure;
}

int runPeers(const Invocation &)
{
    QTextStream(stderr) << "punchdrop: peers is not part of this build yet\n";
    return ExitFailure;
}

} // namespace PunchDrop::Cli
