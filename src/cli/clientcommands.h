// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "invocation.h"

namespace PunchDrop::Cli {

int runSend(const Invocation &invocation);
int runReceive(const Invocation &invocation);
int runPeers(const Invocation &invocation);

} // namespace PunchDrop::Cli
