// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transferresult.h"

#include "net/wire/connectfailure.h"
#include "net/wire/deviceid.h"
#include "net/wire/pathkind.h"

#include <QString>
#include <QStringList>

namespace PunchDrop {

/*!
 * One transfer as the UI and the CLI see it: a value, emitted whenever something changes
 * (progress is throttled by the producer).
 */
struct TransferSnapshot
{
    enum class Direction { Outgoing, Incoming };
    enum class State {
        Connecting, //!< looking up the peer, punching or joining the relay
        Waiting, //!< offer sent / received, waiting for accept
        Transferring,
        Done,
        Failed,
        Cancelled,
        Declined,
    };

    quint64 id = 0;
    Direction direction = Direction::Outgoing;
    DeviceId peer;
    QString peerName;
    //! Top-level names of what is sent: a summary of at most kSummaryNames (an offer of
    //! 100 000 items must not stay in every snapshot, declined or not); itemCount has them all.
    QStringList items;
    int itemCount = 0; //!< top-level items in all
    int fileCount = 0; //!< files in all (incoming: from the offer)
    int folderCount = 0; //!< folders in all, nested ones included (incoming: from the offer)
    //! This session's code ("482 193") once both sides' nonces are known; both people compare.
    QString verificationCode;
    static constexpr int kSummaryNames = 10;
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
    double bytesPerSecond = 0;
    State state = State::Connecting;
    PathKind path = PathKind::Unknown;
    //! The path the session left for its current one (Relayed for "Relayed → Direct", a direct
    //! kind when the direct path died and the relay took over), Unknown if it never moved.
    PathKind pathBefore = PathKind::Unknown;
    QString pathReason; //!< why relayed ("peer behind symmetric NAT", "punch timed out", …)
    QString error; //!< human-readable, when Failed (the engine's words; may name local paths)
    //! Why it ended, when Failed, Cancelled or Declined: the UI words it with a remedy.
    TransferError errorCode = TransferError::None;
    //! Why no path to the peer formed, when that is how it failed (errorCode Network).
    ConnectFailure connectFailure = ConnectFailure::None;
    //! Bytes the receiver already held when this attempt started (a retry that resumes).
    qint64 resumedBytes = 0;
    QString localFolder; //!< where received files landed / where sent files came from
    //! Received and Done with exactly one file: where it landed (its name may differ from the
    //! offered one when that was taken). Empty otherwise.
    QString localFile {};

    bool isFinished() const
    {
        return state == State::Done || state == State::Failed || state == State::Cancelled
            || state == State::Declined;
    }
};

} // namespace PunchDrop
