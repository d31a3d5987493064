// SPDX-License-Identifier: GPL-3.0-or-later
#include "filesource.h"

#ifdef Q_OS_UNIX
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace PunchDrop {

namespace {

QString changedSize(const QString &path, qint64 expected, qint64 now)
{
    return QStringLiteral("%1 changed size while being sent (%2 → %3 bytes)")
        .arg(path)
        .arg(expected)
        .arg(now);
}

} // namespace

bool FileSource::open(qint64 expectedSize)
{
    // Unbuffered: each chunk is one read() straight into it, not copied through Qt's buffer.
    if (!m_file.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        m_error = QStringLiteral("cannot read %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    m_size = m_file.size();
    if (m_size != expectedSize) {
        m_error = changedSize(m_file.fileName(), expectedSize, m_size);
        return false;
    }
    return true;
}

bool FileSource::readWhole(qint64 expectedSize, QByteArray *data)
{
#ifdef Q_OS_UNIX
    const QString path = m_file.fileName();
    // O_NONBLOCK: a FIFO put in the file's place since the offer must not hang the sender.
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        m_error = QStringLiteral("cannot read %1: %2").arg(path, qt_error_string(errno));
        return false;
    }
    struct stat st
    {
    };
    bool ok = false;
    if (::fstat(fd, &st) != 0) {
        m_error = QStringLiteral("cannot read %1: %2").arg(path, qt_error_string(errno));
    } else if (!S_ISREG(st.st_mode)) {
        m_error = QStringLiteral("cannot read %1: no longer a file").arg(path);
    } else if (qint64(st.st_size) != expectedSize) {
        m_error = changedSize(path, expectedSize, qint64(st.st_size));
    } else {
        data->resize(expectedSize);
        qint64 done = 0;
        while (done < expectedSize) {
            const ssize_t n = ::read(fd, data->data() + done, size_t(expectedSize - done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                m_error = QStringLiteral("cannot read %1: %2")
                              .arg(path,
                                  n < 0 ? qt_error_string(errno)
                                        : QStringLiteral("the file got shorter"));
                break;
            }
            done += n;
        }
        ok = done == expectedSize;
    }
    ::close(fd);
    if (!ok) {
        data->clear();
        return false;
    }
    m_size = expectedSize;
    m_position = expectedSize;
    m_hash.addData(*data);
    return true;
#else
    if (!open(expectedSize))
        return false;
    *data = expectedSize > 0 ? readChunk(expectedSize) : QByteArray();
    return data->size() == expectedSize;
#endif
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
