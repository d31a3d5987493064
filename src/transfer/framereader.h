// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/chunkpool.h"
#include "transfer/transferprotocol.h"

#include <QByteArray>
#include <QString>

#include <memory>

namespace PunchDrop {

/*!
 * The transfer protocol's incremental frame reader: bytes arrive in pieces of any size, whole
 * frames come out. Pure (no I/O): FrameChannel reads its socket straight into space() and calls
 * commit(); tests and the fuzzer (tests/fuzz/fuzz_framereader.cpp) feed it from memory.
 *
 * The 5-byte head (LENGTH + TYPE) is taken byte-exact and checked with parseFrame as soon as the
 * length is in (limit, known type, DATA size), before any payload byte is accepted. A DATA
 * payload (≤ kMaxChunkSize) is taken in one buffer from the chunk pool, so a chunk is copied once
 * on its way from the socket to the file writer. FrameChannel hands a DATA or FILES payload that
 * came in a record of its own over whole (adopt()), as it was decrypted. Every other payload grows
 * with the bytes that actually arrived (wanted() asks for at most what is buffered + 4 KiB), so a
 * LENGTH alone never reserves 16 MiB. After Malformed the reader stays malformed.
 */
class FrameReader
{
public:
    enum class Step { NeedMore, Frame, Malformed };

    //! DATA payloads are taken from \a chunks (a private pool when null).
    explicit FrameReader(std::shared_ptr<ChunkPool> chunks = {});

    //! The most bytes to put into space() now, given \a available bytes waiting (≥ 1).
    qint64 wanted(qint64 available) const;
    //! Where the next \a n (≤ wanted()) bytes go; valid until commit().
    char *space(qint64 n);
    //! \a n bytes were written to space(). Frame: takeFrame() has the next frame.
    Step commit(qint64 n);
    //! The bytes a DATA or FILES payload still needs when none of it arrived yet (0 otherwise):
    //! the size a whole payload handed to adopt() must have. (The two frames of file content:
    //! one that came in a record of its own is taken as it was decrypted.)
    qint64 wholePayload() const;
    //! Takes \a payload (wholePayload() bytes) as the frame's payload, without a copy.
    Step adopt(QByteArray &&payload);
    //! The frame completed by the last commit() (its payload moves out).
    Transfer::Frame takeFrame();
    //! Copies up to one frame's remaining bytes of \a bytes through space()/commit(). Returns the
    //! bytes consumed; \a step is the last commit()'s answer (NeedMore when \a bytes is empty).
    qsizetype feed(QByteArrayView bytes, Step *step);

    bool isMalformed() const { return !m_error.isEmpty(); }
    QString error() const { return m_error; }
    const std::shared_ptr<ChunkPool> &chunks() const { return m_chunks; }

private:
    static constexpr qsizetype kHeadSize = Transfer::kLengthFieldSize + 1;

    Step headArrived();

    std::shared_ptr<ChunkPool> m_chunks;
    char m_head[kHeadSize] = {};
    qsizetype m_headFilled = 0;
    bool m_inPayload = false; //!< the head is complete and checked; reading the payload
    Transfer::FrameType m_type = Transfer::FrameType::Hello;
    qint64 m_payloadSize = 0; //!< LENGTH - 1 of the frame being read
    qint64 m_filled = 0; //!< payload bytes read so far
    QByteArray m_payload; //!< grows to m_payloadSize (allocated up front for DATA only)
    QString m_error;
};

} // namespace PunchDrop
