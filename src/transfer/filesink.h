// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"
#include "transfer/transferresult.h"

#include "transfer/sha256.h"
#include <QByteArray>
#include <QDateTime>
#include <QIODevice>
#include <QString>

#include <functional>
#include <memory>

namespace PunchDrop {

/*!
 * Opens the part file a download is written to. \a offset 0: create or truncate; otherwise keep
 * the first \a offset bytes and position after them. Returns an open device or nullptr with
 * \a error. The default writes a QFile; tests inject devices that fail after N bytes.
 */
using PartDeviceFactory = std::function<std::unique_ptr<QIODevice>(
    const QString &partPath, qint64 offset, QString *error)>;

//! What identifies "the same item" for resuming (stored beside the part file).
struct PartMeta
{
    DeviceId sender;
    QString path; //!< as offered
    qint64 size = 0;
    qint64 mtimeMs = 0;
    friend bool operator==(const PartMeta &, const PartMeta &) = default;
};

/*!
 * One file being received into `<target>.pdpart` (+ `.pdpart.meta`): resume inspection,
 * writing with hashing, and the final verify-then-rename. Blocking; the transfer runs it on a
 * worker thread, one operation at a time.
 */
class FileSink
{
public:
    //! \a targetPath: where the file should land (already sanitised and resolved).
    FileSink(QString targetPath, PartDeviceFactory factory);
    ~FileSink();

    static PartDeviceFactory defaultFactory();

    struct Held
    {
        qint64 offset = 0;
        QByteArray prefixSha256;
    };
    //! Bytes of the prefix hashed so far; called after every block (on the calling thread).
    using InspectProgress = std::function<void(qint64 hashed)>;
    //! What a previous attempt left that matches \a meta (hashes it). {0, {}} when nothing usable.
    //! \a progress, if set, follows the hashing (minutes for a prefix of many GB).
    Held inspect(const PartMeta &meta, const InspectProgress &progress = {});

    //! Starts writing at \a offset (0, or inspect()'s offset), records \a meta. False with error().
    bool begin(qint64 offset, const PartMeta &meta);
    //! Appends \a bytes. False with error()/errorCode(); the part file is kept for resume.
    bool write(const QByteArray &bytes);
    qint64 written() const { return m_position; }

    struct Finished
    {
        TransferError error = TransferError::None;
        QString message;
        QString finalPath;
        QString sha256Hex;
    };
    /*!
     * Closes the part file, compares its SHA-256 with \a expected; on a match applies the
     * executable bit and mtime and renames it to a name that does not exist yet ("x (1).txt").
     * On a mismatch the part file and its metadata are deleted (corrupt data is not resumed).
     */
    Finished finish(const QByteArray &expected, bool executable, const QDateTime &modified);
    //! Closes the part file and keeps it (and its metadata) for a later resume.
    void suspend();

    QString error() const { return m_error; }
    TransferError errorCode() const { return m_errorCode; }
    QString partPath() const { return m_partPath; }

private:
    void setWriteError(const QString &what);

    QString m_targetPath;
    QString m_partPath;
    QString m_metaPath;
    PartDeviceFactory m_factory;
    std::unique_ptr<QIODevice> m_device;
    Sha256 m_hash;
    qint64 m_position = 0;
    QString m_error;
    TransferError m_errorCode = TransferError::None;
};

} // namespace PunchDrop
