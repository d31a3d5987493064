// SPDX-License-Identifier: GPL-3.0-or-later
#include "transfer/framereader.h"

#include <QtEndian>

#include <cstring>

namespace PunchDrop {

using namespace Transfer;

FrameReader::FrameReader(std::shared_ptr<ChunkPool> chunks)
    : m_chunks(chunks ? std::move(chunks) : std::make_shared<ChunkPool>(kMaxChunkSize))
{ }

qint64 FrameReader::wanted(qint64 available) const
{
    if (!m_inPayload)
        return kHeadSize - m_headFilled; // byte-exact: never past the head into its payload
    const qint64 need = m_payloadSize - m_filled;
    if (m_type == FrameType::Data)
        return need;
    return qMin(need, qMax<qint64>(available, 0) + 4096);
}

char *FrameReader::space(qint64 n)
{
    if (!m_inPayload)
        return m_head + m_headFilled;
    if (m_payload.size() < m_filled + n)
        m_payload.resize(m_filled + n);
    return m_payload.data() + m_filled;
}

FrameReader::Step FrameReader::commit(qint64 n)
{
    if (isMalformed())
        return Step::Malformed;
    if (!m_inPayload) {
        m_headFilled += n;
        return headArrived();
    }
    m_filled += n;
    return m_filled == m_payloadSize ? Step::Frame : Step::NeedMore;
}

FrameReader::Step FrameReader::headArrived()
{
    const FrameParse head = parseFrame(QByteArrayView(m_head, m_headFilled));
    if (head.status == ParseStatus::Malformed) {
        m_error = head.error;
        return Step::Malformed;
    }
    if (m_headFilled < kHeadSize)
        return Step::NeedMore;
    m_type = FrameType(quint8(m_head[kLengthFieldSize]));
    m_payloadSize = qint64(qFromBigEndian<quint32>(m_head)) - 1;
    m_inPayload = true;
    m_filled = 0;
    m_payload.clear();
    // DATA is at most kMaxChunkSize (checked by parseFrame): one piece, from the pool.
    if (m_type == FrameType::Data)
        m_payload = m_chunks->take(m_payloadSize);
    return m_payloadSize == 0 ? Step::Frame : Step::NeedMore;
}

qint64 FrameReader::wholePayload() const
{
    return !isMalformed() && m_inPayload
            && (m_type == FrameType::Data || m_type == FrameType::Files) && m_filled == 0
        ? m_payloadSize
        : 0;
}

FrameReader::Step FrameReader::adopt(QByteArray &&payload)
{
    if (wholePayload() == 0 || payload.size() != m_payloadSize) {
        m_error = QStringLiteral("a payload of the wrong size");
        return Step::Malformed;
    }
    m_chunks->give(std::move(m_payload)); // the buffer headArrived() took is not needed
    m_payload = std::move(payload);
    m_filled = m_payloadSize;
    return Step::Frame;
}

Frame FrameReader::takeFrame()
{
    Frame frame;
    frame.type = m_type;
    m_payload.truncate(m_filled);
    frame.payload = std::move(m_payload);
    m_payload = QByteArray();
    m_headFilled = 0;
    m_inPayload = false;
    m_filled = 0;
    return frame;
}

qsizetype FrameReader::feed(QByteArrayView bytes, Step *step)
{
    qsizetype used = 0;
    *step = isMalformed() ? Step::Malformed : Step::NeedMore;
    while (*step == Step::NeedMore && used < bytes.size()) {
        const qint64 n = qMin<qint64>(wanted(bytes.size() - used), bytes.size() - used);
        std::memcpy(space(n), bytes.data() + used, size_t(n));
        used += n;
        *step = commit(n);
    }
    return used;
}

} // namespace PunchDrop
