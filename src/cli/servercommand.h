// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "invocation.h"

namespace PunchDrop::Cli {

//! `punchdrop --server`: runs until SIGINT/SIGTERM, then shuts down cleanly.
int runServer(const Invocation &invocation);

} // namespace PunchDrop::Cli
