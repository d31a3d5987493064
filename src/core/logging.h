// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QLoggingCategory>

// One logging category per module. Enable debug output for one of them with
// QT_LOGGING_RULES="punchdrop.punch.debug=true", or for all with --verbose.
Q_DECLARE_LOGGING_CATEGORY(lcCore) // punchdrop.core
Q_DECLARE_LOGGING_CATEGORY(lcNet) // punchdrop.net       control connection, STUN
Q_DECLARE_LOGGING_CATEGORY(lcPunch) // punchdrop.punch     hole punching
Q_DECLARE_LOGGING_CATEGORY(lcServer) // punchdrop.server    rendezvous server
Q_DECLARE_LOGGING_CATEGORY(lcRelay) // punchdrop.relay     relay sessions
Q_DECLARE_LOGGING_CATEGORY(lcCluster) // punchdrop.cluster   servers sharing Redis
Q_DECLARE_LOGGING_CATEGORY(lcLan) // punchdrop.lan       LAN discovery
Q_DECLARE_LOGGING_CATEGORY(lcTransfer) // punchdrop.transfer  file transfer protocol
Q_DECLARE_LOGGING_CATEGORY(lcCli) // punchdrop.cli
Q_DECLARE_LOGGING_CATEGORY(lcGui) // punchdrop.gui

namespace PunchDrop::Logging {

enum class Mode {
    Gui, //!< plain messages
    Headless, //!< server and CLI: ISO timestamps on stderr
};

//! Installs the message pattern and filter rules. Call once, before the first log line.
void install(Mode mode, bool verbose);

} // namespace PunchDrop::Logging
