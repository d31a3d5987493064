// SPDX-License-Identifier: GPL-3.0-or-later
#include "chunkpool.h"

namespace PunchDrop {

QByteArray ChunkPool::take(qsizetype size)
{
    QByteArray buffer;
    if (size <= m_bufferSize) {
        QMutexLocker lock(&m_mutex);
        if (!m_free.isEmpty())
            buffer = m_free.takeLast();
    }
    if (buffer.isNull())
        buffer = QByteArray(qMax(size, m_bufferSize), Qt::Uninitialized);
    buffer.resize(size); // within the capacity: no reallocation
    return buffer;
}

void ChunkPool::give(QByteArray &&buffer)
{
    if (!buffer.isDetached() || buffer.capacity() < m_bufferSize)
        return;
    QByteArray recycled = std::move(buffer);
    QMutexLocker lock(&m_mutex);
    if (m_free.size() < m_maxBuffers)
        m_free.append(std::move(recycled));
}

int ChunkPool::freeBuffers() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_free.size());
}

} // namespace PunchDrop
