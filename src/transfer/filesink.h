// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/ownedfile.h"
#include "net/wire/deviceid.h"
#include "transfer/transferresult.h"

#include "transfer/filedigest.h"

#include <QByteArray>
#include <QDateTime>
#include <QFile>
#include <QIODevice>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace PunchDrop {

/*!
 * What the part file's bytes are written through. \a part is the open, owned part file,
 * positioned at \a offset; the default (an empty function) writes to it directly. Tests wrap it
 * in devices that fail after N bytes. Returns the device or nullptr with \a error.
 */
using PartDeviceFactory
    = std::function<std::unique_ptr<QIODevice>(QIODevice *part, qint64 offset, QString *error)>;

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
 * One file being received into its own part file, `<target>.<tag>.pdpart` (+ `.meta`), where
 * the tag is derived from PartMeta (sender and file identity): resume inspection, writing with
 * hashing, and the final verify-sync-rename. Blocking; the transfer runs it on a worker thread,
 * one operation at a time.
 *
 * One writer per file: the part file is an OwnedFile (created exclusively or taken over only
 * when no other transfer holds it, never through a symlink, locked until the sink lets go), so
 * the digest of the bytes written here is the digest of the bytes in the file that is renamed.
 * A second transfer of the same file from the same sender gets a second part file
 * (`<tag>-1`, ...); a transfer from another sender has another tag.
 */
class FileSink
{
public:
    //! \a targetPath: where the file should land (already sanitised and resolved); \a digest:
    //! the session's file digest (FileDigest), for the resume prefix and the whole file.
    explicit FileSink(QString targetPath, PartDeviceFactory factory = {},
        FileDigest::Algorithm digest = FileDigest::Algorithm::Sha256);
    ~FileSink();

    //! Part files tried for one (target, meta) before giving up (same file, same sender, at once).
    static constexpr int kMaxPartCandidates = 8;
    /*!
     * How a part file's tag is derived from its PartMeta. Resumable: SHA-256 of the metadata's
     * JSON (the same in every version, so a resume finds the part file an earlier run left).
     * Whole: XXH3-128 of the fields (writeWhole(): nothing resumes such a file, and 10 000
     * small files must not cost a JSON document each).
     */
    enum class PartKind { Resumable, Whole };
    //! The part file of \a targetPath for \a meta; \a candidate > 0: the n-th alternative.
    static QString partPathFor(const QString &targetPath, const PartMeta &meta, int candidate = 0,
        PartKind kind = PartKind::Resumable);
    static QString metaPathFor(const QString &partPath)
    {
        return partPath + QStringLiteral(".meta");
    }
    /*!
     * Bytes a resume of \a meta would find already on disk (the first part file, if its
     * metadata matches; not hashed, not locked): for the free-space check before accepting.
     */
    static qint64 heldBytes(const QString &targetPath, const PartMeta &meta);

    struct Held
    {
        qint64 offset = 0;
        QByteArray prefixDigest;
    };
    //! Bytes of the prefix hashed so far; called after every block (on the calling thread).
    using InspectProgress = std::function<void(qint64 hashed)>;
    /*!
     * What a previous attempt left that matches \a meta (hashes it); the part file found is
     * owned from here on. {0, {}} when nothing usable. \a progress, if set, follows the hashing
     * (minutes for a prefix of many GB); \a cancel, if set, stops it between two blocks.
     */
    Held inspect(const PartMeta &meta, const InspectProgress &progress = {},
        const std::atomic_bool *cancel = nullptr);

    /*!
     * Starts writing at \a offset: 0 (a fresh or emptied part file of our own, \a meta
     * recorded beside it), or inspect()'s offset (continues the part file inspect() took).
     * False with error(): UnsafePath for a symlink or non-plain file at the part path.
     */
    bool begin(qint64 offset, const PartMeta &meta);
    //! Appends \a bytes. False with error()/errorCode(); the part file is kept for resume.
    bool write(const QByteArray &bytes);
    qint64 written() const { return m_position; }

    struct Finished
    {
        TransferError error = TransferError::None;
        QString message;
        QString finalPath;
        QString digestHex; //!< of the bytes written, lowercase hex
    };
    /*!
     * Compares the digest of the part file's bytes (hashed as they were written to the owned
     * file) with \a expected; on a match applies the executable bit and mtime, syncs the file
     * to disk and renames it to a name that does not exist yet ("x (1).txt") without replacing
     * anything. On a mismatch the part file and its metadata are deleted (corrupt data is not
     * resumed). A part file that vanished or was replaced meanwhile is an error; nothing is
     * created again.
     */
    Finished finish(const QByteArray &expected, bool executable, const QDateTime &modified);

    /*!
     * A whole small file at once (FILES): begin(0) and write() without the resume metadata (a
     * file this small is never resumed). With \a folder (the target's, held open) the file is
     * made without a name there (OwnedFile::createUnnamed()) where the filesystem can, else
     * under a part name. False with error()/errorCode(); nothing is kept.
     */
    bool writeWhole(const PartMeta &meta, const QByteArray &bytes,
        const std::shared_ptr<OwnedFolder> &folder = {});
    /*!
     * finish() in three steps, so that many small files cost one sync: seal() each (compare
     * the digest, apply the executable bit and mtime), syncAll() the sealed ones once, then
     * place() each. seal() false: \a out says why and the part file is gone (a mismatch) or
     * kept (an error). place() renames into place like finish(), or fails when the sync did.
     */
    bool seal(
        const QByteArray &expected, bool executable, const QDateTime &modified, Finished *out);
    //! Syncs the part files of \a sinks (all sealed) in as few calls as the OS allows.
    static void syncAll(const std::vector<FileSink *> &sinks);
    Finished place(Finished sealed);
    //! Closes the part file and keeps it (and its metadata) for a later resume; lets go of it.
    void suspend();

    QString error() const { return m_error; }
    TransferError errorCode() const { return m_errorCode; }
    QString partPath() const { return m_partPath; }

private:
    void setWriteError(const QString &what);
    void setUnsafe(const QString &partPath);
    //! Takes a part file of our own for \a meta (fresh or emptied). False with error().
    bool acquireFresh(const PartMeta &meta, PartKind kind = PartKind::Resumable);
    //! Writes go to \a file (positioned at \a offset), through the factory's device if set.
    bool attachDevice(QFile &file, qint64 offset);
    //! finish()'s failure path: lets go of the part file, \a out carries the error.
    Finished failed(Finished out, TransferError code, const QString &message);
    bool writeMeta(const PartMeta &meta);
    //! Deletes the part file's resume metadata (a named part file's only).
    void removeMeta();
    bool writing() const { return m_device || m_direct; }
    void release();

    QString m_targetPath;
    QString m_partPath; //!< of the part file owned now (or last tried)
    PartDeviceFactory m_factory;
    std::unique_ptr<OwnedFile> m_part;
    std::unique_ptr<QIODevice> m_wrapper; //!< from m_factory, in front of m_part
    QIODevice *m_device = nullptr; //!< where write() goes; null when not writing (or m_direct)
    bool m_direct = false; //!< write() goes straight to m_part (writeWhole() without a factory)
    qint64 m_heldOffset = 0; //!< inspect()'s answer: the prefix hashed from m_part
    FileDigest m_hash;
    qint64 m_position = 0;
    bool m_created = false; //!< the part file was created by acquireFresh(), not taken over
    QString m_syncError; //!< syncAll() failed for this sink
    QString m_error;
    TransferError m_errorCode = TransferError::None;
};

} // namespace PunchDrop
