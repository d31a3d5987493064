// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferformat.h"

#include "failuretext.h"

#include <QLocale>

#include <cmath>

namespace PunchDrop::Gui {

QString TransferFormat::size(qint64 bytes)
{
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString TransferFormat::speed(double bytesPerSecond)
{
    return tr("%1/s").arg(size(qint64(bytesPerSecond)));
}

QString TransferFormat::timeLeft(qint64 bytesLeft, double bytesPerSecond)
{
    if (bytesPerSecond < 1 || bytesLeft < 0)
        return {};
    const qint64 seconds = qint64(std::ceil(double(bytesLeft) / bytesPerSecond));
    if (seconds < 60)
        return tr("%1 s left").arg(seconds);
    if (seconds < 3600)
        return tr("%1 min left").arg((seconds + 30) / 60);
    if (seconds < 48 * 3600)
        return tr("%1 h %2 min left").arg(seconds / 3600).arg((seconds % 3600) / 60);
    return tr("%1 days left").arg(seconds / 86400);
}

QString TransferFormat::pathBadge(PathKind path, const QString &reason, PathKind before)
{
    if (before == PathKind::Relayed && path != PathKind::Relayed && path != PathKind::Unknown)
        return tr("Relayed → %1").arg(pathBadge(path, {}));
    if (path == PathKind::Relayed && before != PathKind::Relayed && before != PathKind::Unknown)
        return tr("%1 → Relayed").arg(pathBadge(before, {}));
    switch (path) {
    case PathKind::Unknown:
        return {};
    case PathKind::DirectPunch:
        return tr("Direct · TCP punch");
    case PathKind::DirectLan:
        return tr("Direct · LAN");
    case PathKind::DirectPortMap:
        return tr("Direct · port mapping");
    case PathKind::DirectGuess:
        return tr("Direct · port guessing");
    case PathKind::Relayed:
        return reason.isEmpty() ? tr("Relayed") : tr("Relayed (%1)").arg(reason);
    }
    return {};
}

QString TransferFormat::state(TransferSnapshot::State state)
{
    using State = TransferSnapshot::State;
    switch (state) {
    case State::Connecting:
        return tr("Connecting");
    case State::Waiting:
        return tr("Waiting for an answer");
    case State::Transferring:
        return tr("Transferring");
    case State::Done:
        return tr("Done");
    case State::Failed:
        return tr("Failed");
    case State::Cancelled:
        return tr("Cancelled");
    case State::Declined:
        return tr("Declined");
    }
    return {};
}

QString TransferFormat::peerLabel(const TransferSnapshot &s)
{
    return s.peerName.isEmpty() ? s.peer.shortString() : s.peerName;
}

QString TransferFormat::title(const TransferSnapshot &s)
{
    const QString peer = peerLabel(s);
    QString what;
    const int count = qMax(s.itemCount, int(s.items.size()));
    if (count == 1 && !s.items.isEmpty())
        what = s.items.first();
    else
        what = tr("%1 items").arg(count);
    return s.direction == TransferSnapshot::Direction::Outgoing ? tr("%1 to %2").arg(what, peer)
                                                                : tr("%1 from %2").arg(what, peer);
}

QString TransferFormat::progressLine(const TransferSnapshot &s)
{
    using State = TransferSnapshot::State;
    switch (s.state) {
    case State::Failed:
        return FailureText::explain(s);
    case State::Declined:
        return FailureText::explain(s);
    case State::Cancelled:
        return tr("Cancelled after %1 of %2").arg(size(s.bytesDone), size(s.bytesTotal));
    case State::Done: {
        QString line = s.direction == TransferSnapshot::Direction::Outgoing
            ? tr("%1 sent").arg(size(s.bytesTotal))
            : tr("%1 received").arg(size(s.bytesTotal));
        if (s.resumedBytes > 0 && s.bytesTotal > 0)
            line = tr("%1 · resumed at %2 %").arg(line).arg(s.resumedBytes * 100 / s.bytesTotal);
        // A finished row's speed is its average (TransferListModel measures it).
        if (s.bytesPerSecond >= 1)
            line = tr("%1 · %2 on average").arg(line, speed(s.bytesPerSecond));
        return line;
    }
    case State::Connecting:
        return tr("Connecting to %1…").arg(peerLabel(s));
    case State::Waiting:
        // Visible in the row, not only in a tooltip: the person compares it with the peer's.
        return s.verificationCode.isEmpty()
            ? state(s.state)
            : tr("%1 · Verification code %2").arg(state(s.state), s.verificationCode);
    case State::Transferring:
        break;
    }
    QString line = tr("%1 of %2").arg(size(s.bytesDone), size(s.bytesTotal));
    // A retry that continues where the last attempt stopped says so (not "starting over").
    if (s.resumedBytes > 0 && s.bytesTotal > 0)
        line = tr("Resumed at %1 %").arg(s.resumedBytes * 100 / s.bytesTotal)
            + QStringLiteral(" · ") + line;
    if (s.bytesPerSecond >= 1) {
        line += QStringLiteral(" · ") + speed(s.bytesPerSecond);
        const QString left = timeLeft(s.bytesTotal - s.bytesDone, s.bytesPerSecond);
        if (!left.isEmpty())
            line += QStringLiteral(" · ") + left;
    }
    return line;
}

QString TransferFormat::stalledLine(const TransferSnapshot &s, qint64 seconds)
{
    return tr("Stalled — no data for %1 s · %2 of %3")
        .arg(seconds)
        .arg(size(s.bytesDone), size(s.bytesTotal));
}

int TransferFormat::percent(const TransferSnapshot &s)
{
    if (s.state == TransferSnapshot::State::Done)
        return 100;
    if (s.bytesTotal <= 0)
        return -1;
    return int(qBound(qint64(0), s.bytesDone * 100 / s.bytesTotal, qint64(100)));
}

} // namespace PunchDrop::Gui
