// SPDX-License-Identifier: GPL-3.0-or-later
#include "filesink.h"

#include "core/logging.h"
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

FileSink::FileSink(QString targetPath, PartDeviceFactory factory, FileDigest::Algorithm digest)
    : m_targetPath(std::move(targetPath))
    , m_partPath(m_targetPath + SafePath::partSuffix())
    , m_factory(std::move(factory))
    , m_hash(digest)
{ }

FileSink::~FileSink() = default;

QString FileSink::partPathFor(
    const QString &targetPath, const PartMeta &meta, int candidate, PartKind kind)
{
    // The tag keys the part file by sender and file identity: another sender of the same name,
    // or another version of the file, never meets this part file.
    QByteArray tag;
    if (kind == PartKind::Resumable) {
        Sha256 identity;
        identity.addData(metaJson(meta));
        tag = identity.result();
    } else {
        const QByteArray fields = meta.sender.toString().toUtf8() + '\0' + meta.path.toUtf8() + '\0'
            + QByteArray::number(meta.size) + '\0' + QByteArray::number(meta.mtimeMs);
        tag = FileDigest::of(FileDigest::Algorithm::Xxh3_128, fields);
    }
    QString suffix = QLatin1Char('.') + QString::fromLatin1(tag.toHex().left(16));
    if (candidate > 0)
        suffix += QLatin1Char('-') + QString::number(candidate);
    suffix += SafePath::partSuffix();
    const QFileInfo target(targetPath);
    QString name = target.fileName();
    // The metadata file's name (part + ".meta") must fit a file name too.
    const qsizetype room = SafePath::kMaxComponentBytes - suffix.size() - 5;
    while (!name.isEmpty() && name.toUtf8().size() > room) {
        name.chop(1);
        if (!name.isEmpty() && name.back().isHighSurrogate())
            name.chop(1);
    }
    return target.path() + QLatin1Char('/') + name + suffix;
}

qint64 FileSink::heldBytes(const QString &targetPath, const PartMeta &meta)
{
    const QString part = partPathFor(targetPath, meta);
    const QFileInfo info(part);
    if (info.isSymLink() || !info.isFile())
        return 0;
    const std::optional<PartMeta> held = readMeta(metaPathFor(part));
    return held && *held == meta ? qMin(info.size(), meta.size) : 0;
}

void FileSink::release()
{
    m_device = nullptr;
    m_direct = false;
    m_wrapper.reset();
    m_part.reset(); // closes: the lock goes with it
    m_heldOffset = 0;
}

void FileSink::setUnsafe(const QString &partPath)
{
    m_errorCode = TransferError::UnsafePath;
    m_error = QCoreApplication::translate(
        "FileSink", "refusing to write %1: a symlink or something other than a plain file is there")
                  .arg(partPath);
}

FileSink::Held FileSink::inspect(
    const PartMeta &meta, const InspectProgress &progress, const std::atomic_bool *cancel)
{
    m_hash.reset();
    release();
    for (int candidate = 0; candidate < kMaxPartCandidates && !m_part; ++candidate) {
        m_partPath = partPathFor(m_targetPath, meta, candidate);
        OwnedFile::Opened opened = OwnedFile::adopt(m_partPath);
        if (opened.status == OwnedFile::Status::Busy)
            continue; // another transfer is writing it: not ours to resume
        if (opened.status != OwnedFile::Status::Ok)
            return {}; // nothing there (begin() creates it), or begin() refuses what is there
        m_part = std::move(opened.file);
    }
    if (!m_part)
        return {};
    // Ours now, whatever follows: begin(0) empties it if it cannot be resumed.
    const std::optional<PartMeta> held = readMeta(metaPathFor(m_partPath));
    if (!held || !(*held == meta))
        return {};
    const qint64 length = qMin(m_part->size(), meta.size);
    // Resuming at the very end would leave nothing to prove; re-send the last byte at least.
    const qint64 offset = length >= meta.size ? meta.size - 1 : length;
    if (offset <= 0 || !m_part->file().seek(0))
        return {};
    qint64 done = 0;
    while (done < offset) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            m_hash.reset();
            return {};
        }
        const QByteArray chunk = m_part->file().read(qMin(kHashBlock, offset - done));
        if (chunk.isEmpty()) {
            m_hash.reset();
            return {};
        }
        m_hash.addData(chunk);
        done += chunk.size();
        if (progress)
            progress(done);
    }
    m_heldOffset = offset;
    return {offset, m_hash.result()};
}

bool FileSink::acquireFresh(const PartMeta &meta, PartKind kind)
{
    for (int candidate = 0; candidate < kMaxPartCandidates; ++candidate) {
        m_partPath = partPathFor(m_targetPath, meta, candidate, kind);
        OwnedFile::Opened opened = OwnedFile::create(m_partPath);
        m_created = opened.status == OwnedFile::Status::Ok;
        if (opened.status == OwnedFile::Status::Exists) // left by an earlier attempt?
            opened = OwnedFile::adopt(m_partPath);
        switch (opened.status) {
        case OwnedFile::Status::Ok:
            m_part = std::move(opened.file);
            return true;
        case OwnedFile::Status::Busy:
        case OwnedFile::Status::Missing: // gone between the two calls: try the next name
        case OwnedFile::Status::Exists:
            continue;
        case OwnedFile::Status::Symlink:
        case OwnedFile::Status::NotPlain:
            setUnsafe(m_partPath);
            return false;
        case OwnedFile::Status::Unsupported: // create() and adopt() never say it
        case OwnedFile::Status::Failed:
            setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                              .arg(m_partPath, opened.error));
            return false;
        }
    }
    m_errorCode = TransferError::WriteFailed;
    m_error = QCoreApplication::translate(
        "FileSink", "cannot write %1: %2 other transfers of this file are writing it")
                  .arg(QFileInfo(m_targetPath).fileName())
                  .arg(kMaxPartCandidates);
    return false;
}

bool FileSink::writeMeta(const PartMeta &meta)
{
    // Resume metadata only where resuming pays off; a plain write (no fsync per file, which
    // would cost milliseconds each across 10 000 small files). A torn metadata file only means
    // "start this file again". Created anew (never written through a symlink planted there).
    const QString metaPath = metaPathFor(m_partPath);
    QFile::remove(metaPath);
    if (meta.size <= kMinResumableSize)
        return true;
    QFile metaFile(metaPath);
    const QByteArray json = metaJson(meta);
    if (!metaFile.open(QIODevice::WriteOnly | QIODevice::NewOnly)
        || metaFile.write(json) != json.size()) {
        setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                          .arg(metaPath, metaFile.errorString()));
        return false;
    }
    return true;
}

bool FileSink::begin(qint64 offset, const PartMeta &meta)
{
    m_device = nullptr;
    m_direct = false;
    m_wrapper.reset();
    if (offset > 0) {
        // Only the part file inspect() took and hashed, and never grown up to the resume
        // point: a gap would be bytes the stream hash cannot vouch for.
        if (!m_part || offset != m_heldOffset || m_part->size() < offset
            || !m_part->stillAtPath()) {
            m_errorCode = TransferError::WriteFailed;
            m_error = QCoreApplication::translate("FileSink",
                "cannot resume %1: it no longer holds the %2 bytes checked before; send again")
                          .arg(m_partPath)
                          .arg(offset);
            return false;
        }
    } else {
        m_hash.reset();
        if (!m_part && !acquireFresh(meta))
            return false;
        if (!writeMeta(meta))
            return false;
    }
    QFile &file = m_part->file();
    if (!file.resize(offset) || !file.seek(offset)) {
        setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                          .arg(m_partPath, file.errorString()));
        return false;
    }
    if (!attachDevice(file, offset))
        return false;
    m_position = offset;
    return true;
}

bool FileSink::attachDevice(QFile &file, qint64 offset)
{
    m_device = &file;
    if (!m_factory)
        return true;
    QString error;
    m_wrapper = m_factory(&file, offset, &error);
    if (!m_wrapper) {
        m_device = nullptr;
        setWriteError(error);
        return false;
    }
    m_device = m_wrapper.get();
    return true;
}

bool FileSink::write(const QByteArray &bytes)
{
    if (!writing()) {
        setWriteError(QCoreApplication::translate("FileSink", "%1 is not open").arg(m_partPath));
        return false;
    }
    QString why;
    const bool wrote
        = m_device ? m_device->write(bytes) == bytes.size() : m_part->write(bytes, &why);
    if (!wrote) {
        setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                          .arg(m_partPath, m_device ? m_device->errorString() : why));
        release(); // what was written stays for resume
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
    release();
}

bool FileSink::writeWhole(
    const PartMeta &meta, const QByteArray &bytes, const std::shared_ptr<OwnedFolder> &folder)
{
    m_device = nullptr;
    m_direct = false;
    m_wrapper.reset();
    m_hash.reset();
    m_position = 0;
    if (!m_part && folder) {
        // No name until it is placed: no part name to create, lock, check and rename (5 system
        // calls a file instead of 11), and nothing is left behind by a failure or a crash.
        OwnedFile::Opened opened = OwnedFile::createUnnamed(folder, m_targetPath);
        if (opened.status == OwnedFile::Status::Ok) {
            m_part = std::move(opened.file);
            m_partPath = m_targetPath;
            m_created = true;
        } else if (opened.status != OwnedFile::Status::Unsupported) {
            m_partPath = m_targetPath;
            setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                              .arg(m_targetPath, opened.error));
            return false;
        }
    }
    // Else a part file of our own, no metadata beside it: nobody resumes a file this small.
    if (!m_part && !acquireFresh(meta, PartKind::Whole))
        return false;
    if (!m_created && !m_part->file().resize(0)) { // one left by an earlier attempt: emptied
        setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                          .arg(m_partPath, m_part->file().errorString()));
        return false;
    }
    if (m_factory) {
        if (!attachDevice(m_part->file(), 0))
            return false;
    } else {
        m_direct = true;
    }
    // A failed write leaves the part file, and the next attempt at this file takes it over and
    // empties it (above); an unnamed file is simply gone.
    return bytes.isEmpty() || write(bytes);
}

FileSink::Finished FileSink::failed(Finished out, TransferError code, const QString &message)
{
    release();
    out.error = code;
    out.message = message;
    return out;
}

bool FileSink::seal(
    const QByteArray &expected, bool executable, const QDateTime &modified, Finished *out)
{
    if (!writing()) {
        // begin() failed, or a write did (what was written stays for a resume).
        *out = failed(*out,
            m_errorCode != TransferError::None ? m_errorCode : TransferError::WriteFailed,
            m_error.isEmpty()
                ? QCoreApplication::translate("FileSink", "%1 is not open").arg(m_partPath)
                : m_error);
        return false;
    }
    const QByteArray actual = m_hash.result();
    out->digestHex = QString::fromLatin1(actual.toHex());
    if (actual != expected) {
        m_part->remove();
        removeMeta();
        *out = failed(*out, TransferError::Integrity,
            QCoreApplication::translate(
                "FileSink", "%4 mismatch for %1 (got %2, sender says %3); the data was discarded")
                .arg(QFileInfo(m_targetPath).fileName(), out->digestHex,
                    QString::fromLatin1(expected.toHex()), FileDigest::name(m_hash.algorithm())));
        return false;
    }
    QString error;
    // Only the executable bits travel; read/write follow the receiver's umask.
    if (executable && !m_part->addExecutable(&error))
        qCWarning(lcTransfer) << "cannot mark" << m_partPath << "executable:" << error;
    if (modified.isValid() && !m_part->setModified(modified, &error))
        qCWarning(lcTransfer) << "cannot set the time of" << m_partPath << error;
    return true;
}

void FileSink::removeMeta()
{
    if (m_part && !m_part->unnamed()) // an unnamed file's m_partPath is the target's
        QFile::remove(metaPathFor(m_partPath));
}

void FileSink::syncAll(const std::vector<FileSink *> &sinks)
{
    // On disk before any of them has its final name: a crash must never leave a short or empty
    // file under a name that says "done".
    std::vector<OwnedFile *> files;
    files.reserve(sinks.size());
    for (FileSink *sink : sinks)
        files.push_back(sink->m_part.get());
    std::vector<QString> errors;
    OwnedFile::syncAll(files, &errors);
    for (std::size_t i = 0; i < sinks.size(); ++i)
        sinks[i]->m_syncError = errors[i];
}

FileSink::Finished FileSink::place(Finished sealed)
{
    if (!m_syncError.isEmpty()) {
        setWriteError(QCoreApplication::translate("FileSink", "cannot write %1: %2")
                          .arg(m_partPath, m_syncError));
        return failed(sealed, m_errorCode, m_error);
    }
    QString error;
    const QString partPath = m_partPath;
    for (int attempt = 0; attempt < 1000; ++attempt) {
        // The name itself first, without looking: the rename refuses to replace anything, and
        // says so (Exists) when the name is taken.
        const QString candidate
            = attempt == 0 ? m_targetPath : SafePath::uniqueTarget(m_targetPath);
        if (candidate.isEmpty())
            break;
        switch (m_part->renameNoReplace(candidate, &error)) {
        case OwnedFile::Status::Ok:
            if (!m_created || m_position > kMinResumableSize)
                QFile::remove(metaPathFor(partPath));
            sealed.finalPath = candidate;
            release();
            return sealed;
        case OwnedFile::Status::Exists:
            continue; // taken since we looked: the next free name
        case OwnedFile::Status::Missing:
            return failed(sealed, TransferError::WriteFailed,
                QCoreApplication::translate(
                    "FileSink", "the part file %1 vanished; the data was lost")
                    .arg(partPath));
        default:
            break;
        }
        break;
    }
    return failed(sealed, TransferError::WriteFailed,
        QCoreApplication::translate("FileSink", "cannot move %1 into place: %2")
            .arg(partPath, error));
}

FileSink::Finished FileSink::finish(
    const QByteArray &expected, bool executable, const QDateTime &modified)
{
    Finished out;
    if (writing() && !m_part->stillAtPath()) {
        // Deleted or replaced under us: whatever is there now is not what we wrote and hashed.
        removeMeta();
        return failed(out, TransferError::WriteFailed,
            QCoreApplication::translate("FileSink", "the part file %1 vanished; the data was lost")
                .arg(m_partPath));
    }
    if (!seal(expected, executable, modified, &out))
        return out;
    QString error;
    if (!m_part->sync(&error)) {
        setWriteError(
            QCoreApplication::translate("FileSink", "cannot write %1: %2").arg(m_partPath, error));
        return failed(out, m_errorCode, m_error);
    }
    return place(out);
}

} // namespace PunchDrop
