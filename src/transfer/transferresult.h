// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/filedigest.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace PunchDrop {

/*!
 * Why a transfer (or one file of it) failed. The numeric values travel in ERROR and VERDICT
 * frames (wire format v1), so they never change meaning; new codes are appended.
 */
enum class TransferError : int {
    None = 0,
    Protocol = 1, //!< malformed frame, unexpected message, limit exceeded
    Version = 2, //!< no common protocol version
    Declined = 3, //!< the receiver said no
    Cancelled = 4, //!< either side cancelled
    Integrity = 5, //!< SHA-256 mismatch (whole file or resume prefix)
    DiskFull = 6, //!< not enough free space (before accepting or mid-transfer)
    WriteFailed = 7, //!< the receiver could not write / rename
    ReadFailed = 8, //!< the sender could not read a source file
    UnsafePath = 9, //!< an offered path would land outside the download folder
    Network = 10, //!< connection lost
    Timeout = 11, //!< the peer went silent
    UntrustedPeer = 12, //!< a known contact name with a different key (re-verify first)
    Internal = 13,
    Busy = 14, //!< the receiver runs as many incoming sessions as it allows; try again later
    //! The connection reached another device than the one asked for (a lying server, a replayed
    //! LAN announcement): nothing was sent. Local only, never in a frame.
    UnexpectedPeer = 15,
};

//! A short English name for \a error ("disk full"), for logs and the CLI's --json output.
QString transferErrorName(TransferError error);

//! The outcome of one file.
struct FileResult
{
    QString relativePath; //!< as offered ('/'-separated)
    QString localPath; //!< receiver: where it landed (absolute); sender: the source file
    qint64 size = 0;
    QString digest; //!< lowercase hex of the whole file's digest, when verified
    //! digest's algorithm: the session's (XXH3-128 unless a side asked for SHA-256)
    FileDigest::Algorithm digestAlgorithm = FileDigest::Algorithm::Sha256;
    bool verified = false; //!< the receiver's digest matched the sender's
    qint64 resumedFrom = 0; //!< bytes that were already present from an earlier attempt
    TransferError error = TransferError::None;
    QString errorMessage;
};

//! What a transfer job reports when run() finishes — always exactly once.
struct TransferResult
{
    TransferError error = TransferError::None;
    QString message; //!< human-readable, empty on success
    qint64 bytesTransferred = 0; //!< payload bytes sent / received on this connection
    qint64 bytesTotal = 0; //!< sum of the offered file sizes
    //! Of the file bytes this side sent (or received), those that went through the server's
    //! relay and those that went directly (a session moves from one to the other).
    qint64 relayBytes = 0;
    qint64 directBytes = 0;
    QList<FileResult> files;

    bool ok() const { return error == TransferError::None; }
    //! Every offered file arrived and its digest verified (the CLI exits 0 only then).
    bool allVerified() const
    {
        if (!ok())
            return false;
        for (const FileResult &f : files) {
            if (!f.verified)
                return false;
        }
        return true;
    }
};

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::FileResult)
