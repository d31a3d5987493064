// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QFile>
#include <QString>

#include <memory>
#include <vector>

namespace PunchDrop {

namespace Detail {
#ifdef Q_OS_LINUX
constexpr bool kOneSyncCoversAll = true; // syncfs()
#else
constexpr bool kOneSyncCoversAll = false;
#endif
} // namespace Detail

/*!
 * A folder held open while many files are created in it (OwnedFile::createUnnamed()): on Linux
 * they are created without a name (O_TMPFILE) and get their final name only when they are
 * linked into place, by the folder's descriptor. Elsewhere open() gives nullptr and files are
 * created under a part name (OwnedFile::create()).
 */
class OwnedFolder
{
public:
    /*!
     * Holds \a path open; nullptr where that is not possible. A symlink at \a path is followed
     * only with \a followSymlink (the download folder the user chose may be one; a folder below
     * it that has become one since it was checked is not opened).
     */
    static std::shared_ptr<OwnedFolder> open(const QString &path, bool followSymlink = false);
    ~OwnedFolder();
    OwnedFolder(const OwnedFolder &) = delete;
    OwnedFolder &operator=(const OwnedFolder &) = delete;

    QString path() const { return m_path; }

private:
    friend class OwnedFile;
    OwnedFolder(QString path, int fd, quint64 device);

    QString m_path;
    int m_fd = -1;
    quint64 m_device = 0; //!< the filesystem the folder (and every file made in it) is on
    bool m_unnamedRefused = false; //!< the filesystem has no unnamed files: not asked again
};

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
        Unsupported, //!< createUnnamed(): the filesystem (or the OS) has no unnamed files
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
    /*!
     * A new file in \a folder that has no name until renameNoReplace() links it into the
     * folder (Linux O_TMPFILE): nobody else can open, lock, replace or see it, and a crash
     * leaves nothing behind. \a path is where it is meant to go (path() until then).
     * Status::Unsupported where the filesystem cannot (then create() a part file).
     */
    static Opened createUnnamed(const std::shared_ptr<OwnedFolder> &folder, const QString &path);

    QString path() const { return m_path; }
    //! Whether the file has no name yet (createUnnamed(), not yet renamed).
    bool unnamed() const { return m_folder != nullptr; }
    //! Read/write access through the owned descriptor (unbuffered; closed with this object).
    QFile &file();
    qint64 size() const;
    //! Appends \a bytes at the current position, straight to the descriptor.
    bool write(const QByteArray &bytes, QString *error);
    //! Sets the modification time (the access time is left alone).
    bool setModified(const QDateTime &when, QString *error);

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

    /*!
     * Syncs every file of \a files to disk, as few calls as the OS allows (Linux: one
     * syncfs() per filesystem; elsewhere one sync() each). \a errors (same length) gets the
     * error for each file that is not known to be on disk.
     */
    static void syncAll(const std::vector<OwnedFile *> &files, std::vector<QString> *errors);
    //! Whether syncAll() makes one call for any number of files on one filesystem (Linux).
    static constexpr bool kSyncAllIsOneCall = Detail::kOneSyncCoversAll;
    //! The sync calls syncAll() made in this process so far (tests count them).
    static quint64 syncCalls();

    //! Tests: link unnamed files through /proc/self/fd, as kernels before 6.10 need without
    //! CAP_DAC_READ_SEARCH (a process-wide choice otherwise made by the first link).
    static void linkThroughProcForTesting(bool viaProc);

private:
    OwnedFile(QString path, qintptr handle);

    QString m_path;
    qintptr m_handle = -1; //!< fd (POSIX) or HANDLE (Windows)
    int m_crtFd = -1; //!< Windows: the C runtime descriptor QFile reads and writes through
    QFile m_file; //!< opened on first use of file()
    std::shared_ptr<OwnedFolder> m_folder; //!< while unnamed: the folder it is linked into
};

} // namespace PunchDrop
