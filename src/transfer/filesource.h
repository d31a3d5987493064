// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/filedigest.h"

#include <QByteArray>
#include <QFile>
#include <QString>

#include <atomic>

namespace PunchDrop {

/*!
 * One file being sent: reads chunks and hashes them. Blocking; the transfer runs it on a worker
 * thread, one operation at a time.
 */
class FileSource
{
public:
    //! \a digest: the session's file digest (FileDigest).
    explicit FileSource(QString path, FileDigest::Algorithm digest = FileDigest::Algorithm::Sha256)
        : m_file(std::move(path))
        , m_hash(digest)
    { }

    //! Opens the file and checks it still has \a expectedSize bytes. False with error().
    bool open(qint64 expectedSize);
    //! Hashes the first \a length bytes (resume check) and leaves the position there.
    //! Returns that prefix's digest, empty on a read error or when \a cancel (checked per
    //! 1 MiB block) is set.
    QByteArray hashPrefix(qint64 length, const std::atomic_bool *cancel = nullptr);
    //! Forgets the prefix: the next read starts at 0 with a fresh hash.
    bool rewind();
    //! Reads up to \a maxSize bytes and adds them to the hash. Empty at the end; check error().
    QByteArray readChunk(qint64 maxSize);
    /*!
     * A small file at once, instead of open() and readChunk(): the whole file (which must
     * still have \a expectedSize bytes) into \a data and the hash. On POSIX a plain open,
     * fstat, read and close: QFile's set-up cost as much as the rest for a 4 KiB file. False
     * with error().
     */
    bool readWhole(qint64 expectedSize, QByteArray *data);
    //! The digest of everything read so far (call once, at the end).
    QByteArray finalHash() { return m_hash.result(); }
    qint64 position() const { return m_position; }
    QString error() const { return m_error; }

private:
    QFile m_file;
    FileDigest m_hash;
    qint64 m_position = 0;
    qint64 m_size = 0;
    QString m_error;
};

} // namespace PunchDrop
