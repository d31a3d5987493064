// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFile>
#include <QString>

#include <memory>

namespace PunchDrop {

/*!
 * A file this process alone writes while the object lives: created exclusively (or taken over
 * when nobody holds it), never through a symlink, locked for as long as it is open, synced to
 * disk and renamed into place by its descriptor's identity without replacing anything.
 *
 * Ownership is what makes "the bytes hashed while writing are the bytes on disk" hold for a
 * download (see docs/security.md, "One writer per file"): two owners of one path cannot exist.
 * - POSIX: open(O_NOFOLLOW) + flock(LOCK_EX | LOCK_NB) on the descriptor; the path is checked to
 *   still name the locked inode after taking a file over (adopt()) and before the rename (a file
 *   replaced or unlinked meanwhile is not ours). The lock binds every PunchDrop process on the
 *   machine.
 * - Windows: the handle is opened without FILE_SHARE_WRITE / FILE_SHARE_DELETE, so nobody else
 *   can write, rename or delete the file while it is open; the rename goes through the handle.
 *
 * Blocking; use from one thread at a time.
 */
class OwnedFile
{
public:
    enum class Status {
        Ok,
        Exists, //!< create(): something (file, folder, symlink) is already at the path
        Missing, //!< adopt(): nothing at the path
        Symlink, //!< adopt(): the path is a symlink (never followed)
        NotPlain, //!< adopt(): not a regular file, or a file with several hard links
        Busy, //!< adopt(): another owner holds it (or it was replaced while we looked)
        Failed, //!< any other error (see error)
    };
    struct Opened
    {
        std::unique_ptr<OwnedFile> file;
        Status status = Status::Failed;
        QString error; //!< system error text for Failed
    };

    ~OwnedFile();
    OwnedFile(const OwnedFile &) = delete;
    OwnedFile &operator=(const OwnedFile &) = delete;

    //! Creates \a path, which must not exist (O_CREAT | O_EXCL), and takes ownership.
    static Opened create(const QString &path);
    //! Takes ownership of the existing plain file at \a path if nobody else holds it.
    static Opened adopt(const QString &path);

    QString path() const { return m_path; }
    //! Read/write access through the owned descriptor (unbuffered; closed with this object).
    QFile &file() { return m_file; }
    qint64 size() const;

    //! Whether the path still names the file this object holds (not unlinked or replaced).
    bool stillAtPath() const;
    //! Writes what the OS holds for the file to the disk (fsync / FlushFileBuffers).
    bool sync(QString *error);
    //! Adds the execute bits where the matching read bits are set (owner/group/other).
    bool addExecutable(QString *error);
    /*!
     * Renames the file to \a target unless something is there already (Status::Exists), in
     * one atomic step where the filesystem allows (renameat2 RENAME_NOREPLACE, else link() +
     * unlink(); Windows: rename of the open handle). Status::Missing if the file is no longer
     * at path(). On success path() is \a target.
     */
    Status renameNoReplace(const QString &target, QString *error);
    //! Deletes the file if it is still at path() (the object stays open until destroyed).
    bool remove();

private:
    OwnedFile(QString path, qintptr handle);

    QString m_path;
    qintptr m_handle = -1; //!< fd (POSIX) or HANDLE (Windows)
    int m_crtFd = -1; //!< Windows: the C runtime descriptor QFile reads and writes through
    QFile m_file;
};

} // namespace PunchDrop
