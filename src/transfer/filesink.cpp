// SPDX-License-Identifier: GPL-3.0-or-later
#include "filesink.h"

#include "transfer/safepath.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStorageInfo>

namespace PunchDrop {

namespace {

constexpr qint64 kHashBlock = 1024 * 1024;
constexpr qint64 kMinResumableSize = 256 * 1024; //!< smaller files are simply sent again

QByteArray metaJson(const PartMeta &meta)
{
    return QJsonDocument(QJsonObject {
                             {QStringLiteral("sender"), meta.sender.toString()},
                             {QStringLiteral("path"), meta.path},
                             {QStringLiteral("size"), QString::number(meta.size)},
                             {QStringLiteral("mtime"), QString::number(meta.mtimeMs)},
                         })
        .toJson(QJsonDocument::Compact);
}

std::optional<PartMeta> readMeta(const QString &path)
{
    if (QFileInfo(path).isSymLink())
        return std::nullopt;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > 64 * 1024)
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(file.readAll()).object();
    PartMeta meta;
    meta.sender = DeviceId::fromString(o.value(u"sender").toString());
    meta.path = o.value(u"path").toString();
    bool okSize = false;
    bool okTime = false;
    meta.size = o.value(u"size").toString().toLongLong(&okSize);
    meta.mtimeMs = o.value(u"mtime").toString().toLongLong(&okTime);
    if (meta.sender.isNull() || !okSize || !okTime)
        return std::nullopt;
    return meta;
}

} // namespace

FileSink::FileSink(QString targetPath, PartDeviceFactory factory)
    : m_targetPath(std::move(targetPath))
    , m_partPath(m_targetPath + SafePath::partSuffix())
    , m_metaPath(m_targetPath + SafePath::metaSuffix())
    , m_factory(factory ? std::move(factory) : defaultFactory())
{ }

FileSink::~FileSink() = default;

PartDeviceFactory FileSink::defaultFactory()
{
    return
        [](const QString &partPath, qint64 offset, QString *error) -> std::unique_ptr<QIODevice> {
            auto file = std::make_unique<QFile>(partPath);
            const QIODevice::OpenMode mode
                = offset == 0 ? QIODevice::WriteOnly | QIODevice::Truncate : QIODevice::ReadWrite;
            if (!file->open(mode)) {
                *error = QCoreApplication::translate("FileSink", "cannot write %1: %2")
                             .arg(partPath, file->errorString());
                return nullptr;
            }
            // Never grow the part file up to the resume point: the prefix was hashed when the
            // header arrived; if the file is shorter now (deleted or truncated meanwhile, e.g. by
            // an earlier item of the same name in this offer) the gap would be zeros that the
            // stream hash cannot see. Shorter → error (sending again resumes from what is there).
            if (offset > 0 && file->size() < offset) {
                *error = QCoreApplication::translate("FileSink",
                    "cannot resume %1: it holds %2 bytes, not the %3 checked "
                    "before; send again")
                             .arg(partPath)
                             .arg(file->size())
                             .arg(offset);
                return nullptr;
            }
            if (offset > 0 && (!file->resize(offset) || !file->seek(offset))) {
                *error = QCoreApplication::translate("FileSink", "cannot resume %1: %2")
                             .arg(partPath, file->errorString());
                return nullptr;
            }
            return file;
        };
}

FileSink::Held FileSink::inspect(const PartMeta &meta, const InspectProgress &progress)
{
    m_hash.reset();
    if (QFileInfo(m_partPath).isSymLink() || QFileInfo(m_metaPath).isSymLink())
        return {};
    const std::optional<PartMeta> held = readMeta(m_metaPath);
    if (!held || !(*held == meta))
        return {};
    QFile part(m_partPath);
    if (!part.open(QIODevice::ReadOnly))
        return {};
    const qint64 length = qMin(part.size(), meta.size);
    // Resuming at the very end would leave nothing to prove; re-send the last byte at least.
    const qint64 offset = length >= meta.size ? meta.size - 1 : length;
    if (offset <= 0)
        return {};
    qint64 done = 0;
    while (done < offset) {
        const QByteArray chunk = part.read(qMin(kHashBlock, offset - done));
        if (chunk.isEmpty()) {
            m_hash.reset();
            return {};
        }
        m_hash.addData(chunk);
        done += chunk.size();
        if (progress)
            progress(done);
    }
    return {offset, m_hash.result()};
}

bool FileSink::begin(qint64 offset, const PartMeta &meta)
{
    if (offset == 0)
        m_hash.reset();
    if (QFileInfo(m_partPath).isSymLink() || QFileInfo(m_metaPath).isSymLink()) {
        m_errorCode = TransferError::UnsafePath;
        m_error
            = QCoreApplication::translate("FileSink", "refusing to write through the symlink %1")
                  .arg(m_partPath);
        return false;
    }
    // Resume metadata only where resuming pays off; a plain write (no fsync per file, which
    // would cost milliseconds each across 10 000 small files). A torn metadata file only means
    // "start this file again".
    if (meta.size > kMinResumableSize) {
        QFile metaFile(m_metaPath);
        const QByteArray json = metaJson(meta);
        if (!metaFile.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || metaFile.write(json) != json.size()) {
            setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                              .arg(m_metaPath, metaFile.errorString()));
            return false;
        }
    }
    QString error;
    m_device = m_factory(m_partPath, offset, &error);
    if (!m_device) {
        setWriteError(error);
        return false;
    }
    m_position = offset;
    return true;
}

bool FileSink::write(const QByteArray &bytes)
{
    if (!m_device) {
        setWriteError(QCoreApplication::translate("FileSink", "%1 is not open").arg(m_partPath));
        return false;
    }
    if (m_device->write(bytes) != bytes.size()) {
        setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                          .arg(m_partPath, m_device->errorString()));
        m_device.reset(); // closes; what was written stays for resume
        return false;
    }
    m_hash.addData(bytes);
    m_position += bytes.size();
    return true;
}

void FileSink::setWriteError(const QString &what)
{
    m_error = what;
    const QStorageInfo storage(QFileInfo(m_partPath).absolutePath());
    m_errorCode = storage.isValid() && storage.bytesAvailable() < 64 * 1024
        ? TransferError::DiskFull
        : TransferError::WriteFailed;
    if (m_errorCode == TransferError::DiskFull)
        m_error = QCoreApplication::translate("FileSink", "disk full: %1").arg(what);
}

void FileSink::suspend()
{
    m_device.reset();
}

FileSink::Finished FileSink::finish(
    const QByteArray &expected, bool executable, const QDateTime &modified)
{
    Finished out;
    if (!m_device && m_position > 0) {
        out.error = m_errorCode != TransferError::None ? m_errorCode : TransferError::WriteFailed;
        out.message = m_error.isEmpty()
            ? QCoreApplication::translate("FileSink", "%1 is not open").arg(m_partPath)
            : m_error;
        return out;
    }
    if (!m_device) {
        // A zero-byte file that was never opened (begin() failed) — nothing to finish.
        out.error = TransferError::WriteFailed;
        out.message = QCoreApplication::translate("FileSink", "%1 is not open").arg(m_partPath);
        return out;
    }
    if (auto *file = qobject_cast<QFileDevice *>(m_device.get()); file && !file->flush()) {
        setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                          .arg(m_partPath, file->errorString()));
        m_device.reset();
        return {m_errorCode, m_error, {}, {}};
    }
    m_device->close();
    m_device.reset();
    const QByteArray actual = m_hash.result();
    out.sha256Hex = QString::fromLatin1(actual.toHex());
    if (actual != expected) {
        QFile::remove(m_partPath);
        QFile::remove(m_metaPath);
        out.error = TransferError::Integrity;
        out.message = QCoreApplication::translate("FileSink",
            "SHA-256 mismatch for %1 (got %2, sender says %3); the data was "
            "discarded")
                          .arg(QFileInfo(m_targetPath).fileName(), out.sha256Hex,
                              QString::fromLatin1(expected.toHex()));
        return out;
    }
    QFile part(m_partPath);
    // Only the executable bits travel; never setuid/setgid/sticky. Read/write follow the
    // receiver's defaults (as created under its umask).
    QFileDevice::Permissions perms = part.permissions();
    if (executable) {
        if (perms & QFileDevice::ReadOwner)
            perms |= QFileDevice::ExeOwner | QFileDevice::ExeUser;
        if (perms & QFileDevice::ReadGroup)
            perms |= QFileDevice::ExeGroup;
        if (perms & QFileDevice::ReadOther)
            perms |= QFileDevice::ExeOther;
        part.setPermissions(perms);
    }
    if (modified.isValid() && part.open(QIODevice::ReadWrite)) {
        part.setFileTime(modified, QFileDevice::FileModificationTime);
        part.close();
    }
    const QString finalPath = SafePath::uniqueTarget(m_targetPath);
    if (finalPath.isEmpty() || !QFile::rename(m_partPath, finalPath)) {
        out.error = TransferError::WriteFailed;
        out.message
            = QCoreApplication::translate("FileSink", "cannot move %1 into place").arg(m_partPath);
        return out;
    }
    QFile::remove(m_metaPath);
    out.finalPath = finalPath;
    return out;
}

} // namespace PunchDrop
