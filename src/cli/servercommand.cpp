// SPDX-License-Identifier: GPL-3.0-or-later
#include "servercommand.h"

#include <QTextStream>

namespace PunchDrop::Cli {

// Placeholder until the rendezvous server lands (issue 3).
int runServer(const Invocation &)
{
    QTextStream(stderr) << "punchdrop: --server is not part of this build yet\n";
    return ExitFailure;
}

} // namespace PunchDrop::Cli
