// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

namespace PunchDrop {

/*!
 * How a lookup ended. The first group travels as the `code` of a lookup-result frame (server →
 * client), with the wire text in brackets; the others are found by the client itself and never
 * leave the process.
 */
enum class LookupStatus {
    // From the server (lookup-result):
    Ok, //!< "ok": the one match is in the answer's peers
    Ambiguous, //!< "ambiguous": the candidates are in the answer's peers
    NotFound, //!< "not-found"
    Busy, //!< "busy": the server's lookup rate limit
    BadQuery, //!< "bad-query": an empty query
    // Found by this client:
    Timeout, //!< "timeout": the server did not answer in time
    NotRegistered, //!< "not-registered": asked before the registration
    ConnectionLost, //!< "connection-lost": the control connection went away meanwhile
    //! A code this build does not know (a newer server); "unknown".
    Unknown,
};

//! The stable text of \a status: "ok", "not-found", …
QString lookupStatusName(LookupStatus status);
//! The inverse of lookupStatusName(); a text this build does not know gives Unknown.
LookupStatus lookupStatusFromName(QStringView text);

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::LookupStatus)
