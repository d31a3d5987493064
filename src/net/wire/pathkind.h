// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace PunchDrop {

//! How the bytes travel between the two peers.
enum class PathKind {
    Unknown, //!< not connected yet
    DirectPunch, //!< "Direct · TCP punch"
    DirectLan, //!< "Direct · LAN"
    Relayed, //!< "Relayed (reason)"
};

} // namespace PunchDrop
