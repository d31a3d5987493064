// SPDX-License-Identifier: GPL-3.0-or-later
#include "filesource.h"

namespace PunchDrop {

bool FileSource::open(qint64 expectedSize)
{
    // Unbuffered: each chunk is one read() straight into it, not copied through Qt's buffer.
    if (!m_file.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        m_error = QStringLiteral("cannot read %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    m_size = m_file.size();
    if (m_size != expectedSize) {
        m_error = QStringLiteral("%1 changed size while being sent (%2 → %3 bytes)")
                      .arg(m_file.fileName())
                      .arg(expectedSize)
                      .arg(m_size);
        return false;
    }
    return true;
}

QByteArray FileSource::hashPrefix(qint64 length, const std::atomic_bool *cancel)
{
    while (m_position < length) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            m_error = QStringLiteral("cancelled");
            return {};
        }
        const QByteArray chunk = m_file.read(qMin<qint64>(length - m_position, 1024 * 1024));
        if (chunk.isEmpty()) {
            m_error
                = QStringLiteral("cannot read %1: %2").arg(m_file.fileName(), m_file.errorString());
            return {};
        }
        m_hash.addData(chunk);
        m_position += chunk.size();
    }
    // QCryptographicHash::result() finalises a copy of the state (Qt 6), so the running hash
    // continues over the rest of the file.
    return m_hash.result();
}

bool FileSource::rewind()
{
    m_hash.reset();
    m_position = 0;
    if (!m_file.seek(0)) {
        m_error = QStringLiteral("cannot read %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    return true;
}

QByteArray FileSource::readChunk(qint64 maxSize)
{
    const qint64 want = qMin(maxSize, m_size - m_position);
    if (want <= 0)
        return {};
    QByteArray chunk = m_file.read(want);
    if (chunk.size() != want) {
        m_error = QStringLiteral("cannot read %1: %2")
                      .arg(m_file.fileName(),
                          chunk.isEmpty() && m_file.error() == QFileDevice::NoError
                              ? QStringLiteral("the file got shorter")
                              : m_file.errorString());
        return {};
    }
    m_hash.addData(chunk);
    m_position += chunk.size();
    return chunk;
}

} // namespace PunchDrop
