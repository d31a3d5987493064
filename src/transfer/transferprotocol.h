// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transfermessage.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

/*!
 * \file
 * File-transfer protocol, wire format v2. (Also in docs/protocol/transfer.md; keep both in sync.)
 *
 * Runs inside a mutually authenticated TLS 1.3 stream (SecureChannel), direct or relayed.
 *
 * Frame:   u32 big-endian LENGTH | u8 TYPE | PAYLOAD (LENGTH - 1 bytes)
 *          LENGTH counts the type byte and the payload, so LENGTH >= 1.
 *          LENGTH > kMaxFrameLength (4 MiB) is malformed as soon as the 4 length bytes are
 *          seen, so a peer can never make the reader buffer more than kMaxFrameLength + 4 bytes.
 *          DATA payloads are raw file bytes, 1..kMaxChunkSize. Every other frame's payload is one
 *          CBOR map with short text keys (unknown keys are ignored; missing required keys or a
 *          wrong type are malformed). Unknown frame types are malformed.
 *
 * Types:   0x01 HELLO       {v: uint version, caps: [text], name: text,
 *                            c: bytes(32) code commitment (receiver only)}
 *          0x02 OFFER       {items: [{p: path, s: size, m: mode, t: mtime ms, d: bool dir}],
 *                            bytes: total file bytes, files: file count,
 *                            n: bytes(32) the sender's code nonce}
 *          0x03 ACCEPT      {}
 *          0x04 DECLINE     {reason: text}
 *          0x05 HEADER      {i: item index, s: size}
 *          0x06 START       {i}
 *          0x07 RESUME      {i, o: offset, h: digest of the first o bytes}
 *          0x08 SENDFROM    {i, o: offset the DATA starts at (resume offset or 0)}
 *          0x09 DATA        raw bytes of the current file
 *          0x0A END         {i, h: digest of the whole file}
 *          digest: bytes(16) XXH3-128 when both HELLOs list "xxh3", else bytes(32) SHA-256;
 *          a digest of the other size is a protocol error.
 *          0x0B VERDICT     {i, c: error code (0 = ok), msg: text}
 *          0x0C SESSIONEND  {}
 *          0x0D CANCEL      {reason: text}
 *          0x0E ERROR       {c: error code, msg: text}
 *          0x0F KEEPALIVE   {} (only to a peer that announced the "keepalive" capability)
 *          0x10 REVEAL      {n: bytes(32) the receiver's code nonce}
 *          0x11 MOVE        {} (only to a peer that announced the "move" capability)
 *          0x12 REJOIN      {f: files complete, o: offset held of the next file or -1} (only
 *                           to a peer that announced "rejoin"; the first frame on a new
 *                           connection that replaces a lost one)
 *          0x13 FILES       {f: [{i, h: digest, d: bytes, the whole file}]} (only to a peer
 *                           that announced "batch"; 1..kMaxBatchFiles files of at most
 *                           kMaxChunkSize bytes each, the next ones in offer order)
 *
 *          At most kMaxOfferItems items; the OFFER is decoded as a stream (offerdecoder.h).
 *          path: relative, '/'-separated, UTF-8, at most kMaxPathBytes; the receiver sanitises
 *          it (SafePath). size: 0..kMaxFileSize. mode: POSIX permission bits, of which only the
 *          executable bits are honoured. mtime: milliseconds since the Unix epoch (0 = unknown).
 *          Error codes: PunchDrop::TransferError.
 *
 * Flow:    both   HELLO (version must match kProtocolVersion; capabilities: see below)
 *          S→R    OFFER (with n)              R→S  REVEAL, then ACCEPT | DECLINE
 *          Session code (SessionCode): the receiver commits to its nonce in its HELLO; the
 *          sender sends its own nonce only after reading that HELLO; the receiver reveals its
 *          nonce only after the OFFER. Both show the same 6 digits derived from both device IDs
 *          and both nonces; a party in the middle must fix its nonce before it can know the
 *          other's, so it matches the two sides' codes with probability 10^-6 per attempt.
 *          per file, in offer order (directories are created on ACCEPT and get no HEADER):
 *          S→R    HEADER(i)                   R→S  START(i) | RESUME(i, o, h)
 *          S→R    SENDFROM(i, o) DATA* END(i, h)
 *                                             R→S  VERDICT(i)
 *          or, for a run of small files when both sides announced "batch":
 *          S→R    FILES(i…j)                  R→S  VERDICT(i) … VERDICT(j)
 *          S→R    SESSIONEND (after every VERDICT)   R→S  SESSIONEND
 *          CANCEL and ERROR may come from either side at any time and end the session.
 *
 * Pipelining: the sender keeps up to kHeaderWindow HEADERs outstanding ahead of the file it is
 *          sending, and the receiver answers every HEADER as soon as it reads it. VERDICTs are
 *          collected asynchronously. So 10 000 small files cost no round trip each.
 * Resume:  the receiver keeps `<name>.part` plus `<name>.part.meta` (sender id, path, size,
 *          mtime). On a HEADER for the same item it answers RESUME with the part's length and
 *          the digest of that prefix; the sender hashes its own prefix and answers SENDFROM(o)
 *          when equal, SENDFROM(0) otherwise. The END hash always covers the whole file.
 *
 * Capabilities (HELLO caps; unknown ones are ignored):
 *          "resume", "pipeline"  informational, always announced.
 *          "xxh3"       this side verifies files with XXH3-128 (FileDigest). When both HELLOs
 *                       list it, RESUME and END carry 16-byte XXH3-128 digests; otherwise
 *                       32-byte SHA-256 (older peers, or a side asked for SHA-256: --sha256).
 *                       TLS authenticates the stream; the digest guards the disk and the
 *                       resume prefix against accidents, so it need not be cryptographic.
 *          "keepalive"  this side accepts KEEPALIVE frames. A side sends KEEPALIVE only when
 *                       the peer announced it (an older peer would call 0x0F malformed), every
 *                       kKeepaliveIntervalMs while it waits on something local that the peer
 *                       cannot see: the receiver while its person decides about the OFFER and
 *                       while it hashes a resume prefix, the sender while it hashes its own
 *                       prefix. Every frame received (KEEPALIVE included) restarts the
 *                       receiving side's idle timer; KEEPALIVE is otherwise ignored, at any
 *                       point of the flow after HELLO. It is a whole frame like any other, never
 *                       inside another frame. It keeps a relay (which closes a session after
 *                       silence in both directions) and NAT mappings open too.
 *          "move"       this side can move the session to another connection: when both HELLOs
 *                       list it and both peers hold a second authenticated connection for the
 *                       session (a direct path punched while it was relayed), each side sends
 *                       MOVE as its last frame on the old connection and every later frame on
 *                       the new one, and reads the old connection until the peer's MOVE, then
 *                       the new one. The two directions switch independently, at a frame
 *                       boundary; the connections are ordered, so no frame is lost or sent
 *                       twice, and the transfer's state (offsets, pipelined HEADERs, the digest)
 *                       carries on untouched. A MOVE to a side that did not announce "move"
 *                       is a protocol error; after the peer's MOVE, a side that has no second
 *                       connection yet reads nothing until it has one (bounded by the idle
 *                       timeout).
 *          "batch"      this side takes FILES. When both HELLOs list it, the sender sends
 *                       every file of at most kMaxChunkSize bytes inside a FILES frame (with
 *                       the files that follow it, up to kBatchBytes of content) instead of
 *                       HEADER … END, and sends no HEADER for a later file before the FILES
 *                       frame of the files ahead of it. The receiver checks each file against
 *                       the offer (the next file in order, the offered size), stores them as one
 *                       unit of disk work (part files, one sync, then the renames), and answers
 *                       one VERDICT per file, all in one record. FILES while a HEADER is
 *                       answered but not yet sent (or a file's DATA is under way) is a
 *                       protocol error. A file in FILES is never resumed; after a rejoin the
 *                       files without a VERDICT are sent again.
 *          "rejoin"     this side can carry the session on over a new connection when its
 *                       connection is lost after ACCEPT (a direct path that died falls back to
 *                       the relay). Frames in flight on the lost connection are gone, so the
 *                       new one starts with REJOIN from each side. The receiver's word wins:
 *                       files before its f are complete (it sends the sender the VERDICTs
 *                       from the sender's f on again); if its o >= 0 the sender continues
 *                       file f with DATA from offset o (no HEADER, no SENDFROM), else it
 *                       starts again with HEADER(f). Pipelined HEADERs and their answers are
 *                       forgotten by both sides and sent again. The END digest still covers
 *                       the whole file (the sender re-hashes its first o bytes).
 *
 * History: v1 (PunchDrop 0.1) — first version. KEEPALIVE (0x0F) added later within v1, behind
 *          the "keepalive" capability, so v1 peers without it are unaffected.
 *          v2 — the session code (HELLO c, OFFER n, REVEAL) replaces the pair code; OFFER limits
 *          lowered to 4 MiB and 100 000 items. v1 peers are refused with a version error.
 *          The "xxh3" capability (XXH3-128 file digests) added later within v2: peers without
 *          it get SHA-256 as before. The "move" capability and MOVE (0x11) added later
 *          within v2: a session with a peer without it stays on its first connection. The
 *          "rejoin" capability and REJOIN (0x12) likewise: without it a lost connection ends
 *          the session. The "batch" capability and FILES (0x13) likewise: without it every
 *          file gets HEADER … END.
 */
namespace PunchDrop::Transfer {

constexpr int kProtocolVersion = 2;
constexpr qsizetype kLengthFieldSize = 4;
constexpr qint64 kMaxChunkSize = 256 * 1024; //!< DATA payload limit
//! LENGTH limit (big OFFERs; all others are far smaller). Bounds what a stranger's OFFER costs
//! before anyone said yes: the payload plus at most kMaxOfferItems decoded items.
constexpr qint64 kMaxFrameLength = 4 * 1024 * 1024;
constexpr qint64 kMaxPathBytes = 4096; //!< UTF-8 bytes of one offered path
constexpr qint64 kMaxFileSize = qint64(1) << 52; //!< 4 PiB: sane, and exact in a double
constexpr qint64 kMaxOfferItems = 100000;
constexpr qsizetype kCodeNonceSize = 32; //!< session-code nonce and commitment
constexpr int kMaxTextBytes = 4096; //!< reasons, names, messages
constexpr int kHeaderWindow = 64; //!< outstanding HEADERs ahead of DATA
//! FILES: at most this many files in one frame (the receiver's limit).
constexpr qsizetype kMaxBatchFiles = 1024;
//! FILES: the sender adds files while their content stays within this (at least one file); so
//! a FILES frame fits one record of the data link with room to spare.
constexpr qint64 kBatchBytes = 256 * 1024;
//! FILES: the sender puts at most this many files in one frame.
constexpr qsizetype kBatchFiles = 128;
//! How often a waiting side sends KEEPALIVE (well under the 60 s idle timeout and the relay's
//! 120 s). TransferTimeouts::keepalive carries it, so tests shorten it.
constexpr int kKeepaliveIntervalMs = 15000;

//! HELLO capability names.
inline QString capabilityResume()
{
    return QStringLiteral("resume");
}
inline QString capabilityPipeline()
{
    return QStringLiteral("pipeline");
}
inline QString capabilityKeepalive()
{
    return QStringLiteral("keepalive");
}
inline QString capabilityXxh3()
{
    return QStringLiteral("xxh3");
}
inline QString capabilityMove()
{
    return QStringLiteral("move");
}
inline QString capabilityRejoin()
{
    return QStringLiteral("rejoin");
}
inline QString capabilityBatch()
{
    return QStringLiteral("batch");
}

enum class FrameType : quint8 {
    Hello = 0x01,
    Offer = 0x02,
    Accept = 0x03,
    Decline = 0x04,
    Header = 0x05,
    Start = 0x06,
    Resume = 0x07,
    SendFrom = 0x08,
    Data = 0x09,
    End = 0x0A,
    Verdict = 0x0B,
    SessionEnd = 0x0C,
    Cancel = 0x0D,
    Error = 0x0E,
    KeepAlive = 0x0F,
    Reveal = 0x10,
    Move = 0x11,
    Rejoin = 0x12,
    Files = 0x13,
};

//! One frame as cut from the byte stream, not yet decoded.
struct Frame
{
    FrameType type = FrameType::Hello;
    QByteArray payload;
};

enum class ParseStatus { Ok, Incomplete, Malformed };

struct FrameParse
{
    ParseStatus status = ParseStatus::Incomplete;
    Frame frame; //!< valid when Ok
    qsizetype consumed = 0; //!< bytes to drop from the input when Ok
    QString error; //!< when Malformed
};

struct MessageDecode
{
    bool ok = false;
    Message message;
    QString error; //!< when !ok
};

//! Cuts one frame from the front of \a bytes. Pure; never reads past \a bytes.
FrameParse parseFrame(QByteArrayView bytes);

//! Decodes the payload of \a frame into a typed message (checks limits and required fields).
MessageDecode decodeMessage(const Frame &frame);

//! Parses and decodes in one go (what the fuzzer drives).
struct StreamParse
{
    ParseStatus status = ParseStatus::Incomplete;
    Message message;
    qsizetype consumed = 0;
    QString error;
};
StreamParse parseMessage(QByteArrayView bytes);

//! The complete frame (length, type, payload) for \a message.
QByteArray encodeMessage(const Message &message);
/*!
 * An upper bound of the LENGTH of \a offer's frame (type byte and CBOR, with a 32-byte code
 * nonce), from the item count and path lengths alone: sizing an offer without encoding it.
 */
qint64 offerFrameLengthAtMost(const Offer &offer);
/*!
 * A frame as consecutive pieces that together are its bytes: some views of \a glue, the others
 * of bytes the message holds (which must outlive the pieces). Sealed into a record as they are,
 * a FILES frame's file contents are never copied into a frame buffer.
 */
struct FramePieces
{
    QByteArray glue;
    QList<QByteArrayView> pieces;
    qsizetype size = 0; //!< of the whole frame
};
//! A FILES frame in pieces: its CBOR (and files under 16 KiB) in the glue, each larger file's
//! bytes a view of \a batch's.
FramePieces batchFramePieces(const FileBatch &batch);
//! A DATA frame around \a bytes without copying them into a Message first.
QByteArray encodeData(QByteArrayView bytes);
//! The frame header (length + type) of a DATA frame carrying \a size bytes.
QByteArray dataFrameHeader(qsizetype size);

//! The frame type that carries \a message.
FrameType frameTypeOf(const Message &message);
//! "OFFER", "DATA", … for logs and errors.
QString frameTypeName(FrameType type);

} // namespace PunchDrop::Transfer
