// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transfersnapshot.h"

#include <QCoreApplication>
#include <QString>

namespace PunchDrop::Gui {

/*!
 * The words and numbers the transfer list shows, in one place so the delegate, tooltips and
 * notifications agree ("12.3 MiB of 40.0 GiB · 85.0 MiB/s · 3 min left", "Direct · LAN").
 */
class TransferFormat
{
    Q_DECLARE_TR_FUNCTIONS(PunchDrop::Gui::TransferFormat)
public:
    static QString size(qint64 bytes);
    static QString speed(double bytesPerSecond);
    //! Remaining time in words; empty when unknown.
    static QString timeLeft(qint64 bytesLeft, double bytesPerSecond);
    //! \a before: the path the session moved away from ("Relayed → Direct · TCP punch", or
    //! "Direct · TCP punch → Relayed" when a direct path died).
    static QString pathBadge(
        PathKind path, const QString &reason, PathKind before = PathKind::Unknown);
    static QString state(TransferSnapshot::State state);
    //! The other device's name, or its short ID when it has none.
    static QString peerLabel(const TransferSnapshot &snapshot);
    //! One line: "3 files to Alice" / "report.pdf from Bob".
    static QString title(const TransferSnapshot &snapshot);
    //! The progress line under the bar: sizes, speed, time left, or the failure.
    static QString progressLine(const TransferSnapshot &snapshot);
    //! The progress line of a transfer whose bytes stopped moving \a seconds ago.
    static QString stalledLine(const TransferSnapshot &snapshot, qint64 seconds);
    //! 0…100, or -1 when the total is unknown.
    static int percent(const TransferSnapshot &snapshot);
};

} // namespace PunchDrop::Gui
