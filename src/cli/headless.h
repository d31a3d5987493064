// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "invocation.h"

namespace PunchDrop::Cli {

/*!
 * Runs a headless mode (--server, send, receive, peers) inside the already created
 * QCoreApplication and returns the process exit code.
 */
int runHeadless(const Invocation &invocation);

} // namespace PunchDrop::Cli
