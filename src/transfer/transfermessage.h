// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/offerdecider.h"
#include "transfer/transferresult.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <variant>

/*!
 * The control messages of the file-transfer protocol (wire format v2) as plain structs.
 * TransferProtocol (transferprotocol.h) turns them into frames and back; the layout of every
 * field is written down there and in docs/protocol/transfer.md.
 */
namespace PunchDrop::Transfer {

//! Both directions, first frame of a session.
struct Hello
{
    int version = 0;
    QStringList capabilities;
    QString deviceName;
    //! The receiver's SHA-256 commitment to its session-code nonce (SessionCode), 32 bytes;
    //! empty in the sender's HELLO.
    QByteArray codeCommitment;
    friend bool operator==(const Hello &, const Hello &) = default;
};

//! Sender → receiver: everything that will be sent. Directories included, also empty ones.
struct Offer
{
    QList<OfferItem> items;
    qint64 totalBytes = 0; //!< sum of the file sizes
    int fileCount = 0; //!< number of non-directory items
    //! The sender's session-code nonce (32 bytes), sent only after the receiver committed.
    QByteArray codeNonce;
    friend bool operator==(const Offer &, const Offer &) = default;
};

//! Receiver → sender: yes.
struct Accept
{
    friend bool operator==(const Accept &, const Accept &) = default;
};

//! Receiver → sender: no (nothing is written).
struct Decline
{
    QString reason;
    friend bool operator==(const Decline &, const Decline &) = default;
};

//! Sender → receiver: file `index` (an index into Offer::items) comes next.
struct FileHeader
{
    qint64 index = 0;
    qint64 size = 0;
    friend bool operator==(const FileHeader &, const FileHeader &) = default;
};

//! Receiver → sender, answer to a header: nothing held, send from the beginning.
struct Start
{
    qint64 index = 0;
    friend bool operator==(const Start &, const Start &) = default;
};

//! Receiver → sender, answer to a header: `offset` bytes already held, their digest attached.
struct Resume
{
    qint64 index = 0;
    qint64 offset = 0;
    QByteArray prefixDigest; //!< the session's file digest (16 or 32 bytes)
    friend bool operator==(const Resume &, const Resume &) = default;
};

/*!
 * Sender → receiver, after the answer: the DATA frames that follow start at `offset` (the resume
 * offset when the prefix hash matched, 0 otherwise: the receiver then truncates its part file).
 */
struct SendFrom
{
    qint64 index = 0;
    qint64 offset = 0;
    friend bool operator==(const SendFrom &, const SendFrom &) = default;
};

//! Sender → receiver: all DATA of file `index` was sent; the digest of the whole file.
struct FileEnd
{
    qint64 index = 0;
    QByteArray digest; //!< the session's file digest (16 or 32 bytes)
    friend bool operator==(const FileEnd &, const FileEnd &) = default;
};

//! Receiver → sender: file `index` verified and stored (ok) or not (error + message).
struct Verdict
{
    qint64 index = 0;
    TransferError error = TransferError::None;
    QString message;
    bool ok() const { return error == TransferError::None; }
    friend bool operator==(const Verdict &, const Verdict &) = default;
};

//! Sender → receiver: all files done; the receiver answers with its own SessionEnd.
struct SessionEnd
{
    friend bool operator==(const SessionEnd &, const SessionEnd &) = default;
};

//! Either side, at any time: stop now.
struct Cancel
{
    QString reason;
    friend bool operator==(const Cancel &, const Cancel &) = default;
};

//! Either side: a fatal error; the session ends.
struct Error
{
    TransferError code = TransferError::Internal;
    QString message;
    friend bool operator==(const Error &, const Error &) = default;
};

/*!
 * Either side, only to a peer whose HELLO announced the "keepalive" capability: "still here,
 * busy with something you cannot see" (a person deciding, a resume prefix being hashed). Carries
 * nothing; its only effect is that the peer's idle timer starts again and a relay sees traffic.
 */
struct KeepAlive
{
    friend bool operator==(const KeepAlive &, const KeepAlive &) = default;
};

/*!
 * Receiver → sender, right after the OFFER and before anyone decides: the receiver's
 * session-code nonce, opening the commitment of its HELLO. Both sides now know the code.
 */
struct Reveal
{
    QByteArray nonce; //!< 32 bytes
    friend bool operator==(const Reveal &, const Reveal &) = default;
};

/*!
 * Either side, only to a peer whose HELLO announced the "move" capability: the last frame this
 * side sends on this connection; its next frames travel on the other connection both peers
 * hold for this session (a direct path found while the session was relayed). FrameChannel
 * consumes it and never returns it. Carries nothing: the connection is ordered, so every frame
 * before it has arrived when it does.
 */
struct Move
{
    friend bool operator==(const Move &, const Move &) = default;
};

/*!
 * Either side, only to a peer whose HELLO announced the "rejoin" capability: the first frame
 * on a new connection that replaces a lost one (the session falls back to the relay when its
 * direct path dies). Each side says what it holds; both carry on from the receiver's word.
 *  - receiver: \a files = the VERDICTs it sent (those files are complete), \a offset = the
 *    bytes it holds of the next file when that file's DATA had begun (SENDFROM seen), else -1;
 *  - sender: \a files = the VERDICTs it received, \a offset = -1.
 */
struct Rejoin
{
    qint64 files = 0;
    qint64 offset = -1;
    friend bool operator==(const Rejoin &, const Rejoin &) = default;
};

//! A chunk of the current file's content (raw bytes, not CBOR).
struct Data
{
    QByteArray bytes;
    friend bool operator==(const Data &, const Data &) = default;
};

//! One whole small file inside a FileBatch.
struct InlineFile
{
    qint64 index = 0; //!< into Offer::items
    QByteArray digest; //!< the session's file digest of \a bytes (16 or 32 bytes)
    QByteArray bytes; //!< the whole content (at most kMaxChunkSize)
    friend bool operator==(const InlineFile &, const InlineFile &) = default;
};

/*!
 * Sender → receiver, only to a peer whose HELLO announced the "batch" capability: the next
 * files of the offer (in offer order), each whole and with its digest, in place of HEADER,
 * START, SENDFROM, DATA and END for each. The receiver answers with one VERDICT per file.
 * Only files of at most kMaxChunkSize bytes travel this way (they are never resumed).
 */
struct FileBatch
{
    QList<InlineFile> files;
    friend bool operator==(const FileBatch &, const FileBatch &) = default;
};

using Message = std::variant<Hello, Offer, Accept, Decline, FileHeader, Start, Resume, SendFrom,
    Data, FileEnd, Verdict, SessionEnd, Cancel, Error, KeepAlive, Reveal, Move, Rejoin, FileBatch>;

} // namespace PunchDrop::Transfer
