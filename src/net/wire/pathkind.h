// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

namespace PunchDrop {

//! How the bytes travel between the two peers.
enum class PathKind {
    Unknown, //!< not connected yet (an outcome's method "none")
    DirectPunch, //!< "Direct · TCP punch"
    DirectLan, //!< "Direct · LAN"
    Relayed, //!< "Relayed (reason)"
    //! "Direct · port mapping": a connection to (or, on the mapped side, in through) a port
    //! the gateway forwards on request (UPnP-IGD / NAT-PMP / PCP)
    DirectPortMap,
    //! "Direct · port guessing": a symmetric NAT met by guessing its ports ("birthday"
    //! punching, portguess.h)
    DirectGuess,
};

/*!
 * The path's kind as the outcome report and the CLI's `path` event write it: "relay" for
 * Relayed, "direct" otherwise. Stable wire and JSON text: never translate or change it.
 */
QString pathKindName(PathKind path);

/*!
 * The method of \a path as the outcome report and the CLI's `path` event write it: "tcp-punch",
 * "lan", "relay", "port-map", "birthday", or "none" for Unknown. Stable wire and JSON text.
 */
QString pathMethodName(PathKind path);
//! The inverse of pathMethodName(); "none" and any text this build does not know give Unknown.
PathKind pathFromMethodName(QStringView method);

//! How a session ended up, in an outcome report (its `kind`).
enum class OutcomeKind {
    Unknown, //!< a text this build does not know (a newer client); encoded as "unknown"
    Direct, //!< "direct"
    Relayed, //!< "relay"
    Failed, //!< "failed"
};

//! The stable wire text of \a kind ("direct", "relay", "failed", "unknown").
QString outcomeKindName(OutcomeKind kind);
//! The inverse of outcomeKindName(); a text this build does not know gives Unknown.
OutcomeKind outcomeKindFromName(QStringView text);
//! The outcome of a session that took \a path: Relayed for the relay, Direct for the others.
OutcomeKind outcomeOf(PathKind path);

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::PathKind)
Q_DECLARE_METATYPE(PunchDrop::OutcomeKind)
