// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

namespace PunchDrop {

/*!
 * Why a connection to a peer could not be made. The first group travels as the `code` of a
 * connect-error frame (server → client), with the wire text in brackets; the others are found by
 * the client itself and never leave the process. New codes are appended.
 */
enum class ConnectFailure {
    None,
    // From the server (connect-error):
    UnknownPeer, //!< "unknown-peer"
    Offline, //!< "offline": the device is not online (or not connected to the server ourselves)
    Self, //!< "self": a device cannot connect to itself
    RelayDisabled, //!< "relay-disabled": relay-only asked of a server that does not relay
    Busy, //!< "busy": too many requests in flight, or no relay capacity for relay-only
    BadMode, //!< "bad-mode": a connect mode the server does not know
    // Found by this client:
    Timeout, //!< "timeout": the server did not answer in time
    NotRegistered, //!< "not-registered": asked before the registration
    ConnectionLost, //!< "connection-lost": the control connection went away meanwhile
    NoPath, //!< "no-path": no direct path, and the relay not allowed or not available
    RelayFailed, //!< "relay-failed": the relay did not pair us
    AuthFailed, //!< "auth-failed": the end-to-end TLS handshake failed
    Unreachable, //!< "unreachable": the LAN endpoint did not accept the connection
    //! "unexpected-peer": the path led to another device than the one asked for (a lying
    //! server, a replayed LAN announcement): nothing may be sent on it.
    UnexpectedPeer,
    //! A code this build does not know (a newer server), or a refusal without one; "unknown".
    Unknown,
};

//! The stable text of \a failure (wire and logs): "offline", "no-path", …; "" for None.
QString connectFailureName(ConnectFailure failure);
//! The inverse of connectFailureName(); a text this build does not know gives Unknown.
ConnectFailure connectFailureFromName(QStringView text);

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::ConnectFailure)
