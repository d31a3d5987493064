// SPDX-License-Identifier: GPL-3.0-or-later
#include "ownedfile.h"

#include <QDir>

#include <atomic>

#ifdef Q_OS_WIN
#include <fcntl.h>
#include <io.h>
#include <vector>
#include <windows.h>
#else
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace PunchDrop {

#ifdef Q_OS_WIN

namespace {

std::wstring nativePath(const QString &path)
{
    return QDir::toNativeSeparators(QDir::cleanPath(path)).toStdWString();
}

// The handle is opened without FILE_SHARE_WRITE / FILE_SHARE_DELETE: nobody else writes,
// renames or deletes the file while it is ours. Reparse points (symlinks, junctions) are opened
// as themselves, never followed.
HANDLE openHandle(const QString &path, DWORD disposition)
{
    return CreateFileW(nativePath(path).c_str(), GENERIC_READ | GENERIC_WRITE | DELETE,
        FILE_SHARE_READ, nullptr, disposition, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
        nullptr);
}

} // namespace

OwnedFile::OwnedFile(QString path, qintptr handle)
    : m_path(std::move(path))
    , m_handle(handle)
{
    m_crtFd = _open_osfhandle(handle, _O_BINARY);
    m_file.open(
        m_crtFd, QIODevice::ReadWrite | QIODevice::Unbuffered, QFileDevice::DontCloseHandle);
}

OwnedFile::~OwnedFile()
{
    m_file.close();
    if (m_crtFd >= 0)
        _close(m_crtFd); // closes the handle too
    else
        CloseHandle(HANDLE(m_handle));
}

QFile &OwnedFile::file()
{
    return m_file;
}

OwnedFile::Opened OwnedFile::createUnnamed(const std::shared_ptr<OwnedFolder> &, const QString &)
{
    return {nullptr, Status::Unsupported, {}};
}

OwnedFile::Opened OwnedFile::create(const QString &path)
{
    const HANDLE h = openHandle(path, CREATE_NEW);
    if (h == INVALID_HANDLE_VALUE) {
        const DWORD error = GetLastError();
        if (error == ERROR_FILE_EXISTS || error == ERROR_ALREADY_EXISTS)
            return {nullptr, Status::Exists, {}};
        return {nullptr, Status::Failed, qt_error_string(int(error))};
    }
    return {std::unique_ptr<OwnedFile>(new OwnedFile(path, qintptr(h))), Status::Ok, {}};
}

OwnedFile::Opened OwnedFile::adopt(const QString &path)
{
    const HANDLE h = openHandle(path, OPEN_EXISTING);
    if (h == INVALID_HANDLE_VALUE) {
        const DWORD error = GetLastError();
        if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
            return {nullptr, Status::Missing, {}};
        if (error == ERROR_SHARING_VIOLATION)
            return {nullptr, Status::Busy, {}};
        return {nullptr, Status::Failed, qt_error_string(int(error))};
    }
    BY_HANDLE_FILE_INFORMATION info {};
    Status status = Status::Ok;
    if (!GetFileInformationByHandle(h, &info))
        status = Status::Failed;
    else if (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)
        status = Status::Symlink;
    else if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || info.nNumberOfLinks != 1)
        status = Status::NotPlain;
    if (status != Status::Ok) {
        CloseHandle(h);
        return {nullptr, status, {}};
    }
    return {std::unique_ptr<OwnedFile>(new OwnedFile(path, qintptr(h))), Status::Ok, {}};
}

qint64 OwnedFile::size() const
{
    LARGE_INTEGER size {};
    return GetFileSizeEx(HANDLE(m_handle), &size) ? qint64(size.QuadPart) : -1;
}

bool OwnedFile::stillAtPath() const
{
    return true; // nobody can rename or delete it while our handle is open (no FILE_SHARE_DELETE)
}

bool OwnedFile::sync(QString *error)
{
    if (FlushFileBuffers(HANDLE(m_handle)))
        return true;
    *error = qt_error_string(int(GetLastError()));
    return false;
}

bool OwnedFile::addExecutable(QString *)
{
    return true; // no execute bit on Windows
}

OwnedFile::Status OwnedFile::renameNoReplace(const QString &target, QString *error)
{
    const std::wstring name = nativePath(target);
    std::vector<char> buffer(sizeof(FILE_RENAME_INFO) + name.size() * sizeof(wchar_t));
    auto *info = reinterpret_cast<FILE_RENAME_INFO *>(buffer.data());
    info->ReplaceIfExists = FALSE;
    info->RootDirectory = nullptr;
    info->FileNameLength = DWORD(name.size() * sizeof(wchar_t));
    memcpy(info->FileName, name.data(), info->FileNameLength);
    if (SetFileInformationByHandle(HANDLE(m_handle), FileRenameInfo, info, DWORD(buffer.size()))) {
        m_path = target;
        return Status::Ok;
    }
    const DWORD code = GetLastError();
    if (code == ERROR_ALREADY_EXISTS || code == ERROR_FILE_EXISTS)
        return Status::Exists;
    *error = qt_error_string(int(code));
    return Status::Failed;
}

bool OwnedFile::remove()
{
    FILE_DISPOSITION_INFO disposition {TRUE}; // deleted when the handle closes
    return SetFileInformationByHandle(
        HANDLE(m_handle), FileDispositionInfo, &disposition, sizeof(disposition));
}

bool OwnedFile::write(const QByteArray &bytes, QString *error)
{
    if (m_file.write(bytes) == bytes.size())
        return true;
    *error = m_file.errorString();
    return false;
}

bool OwnedFile::setModified(const QDateTime &when, QString *error)
{
    if (m_file.setFileTime(when, QFileDevice::FileModificationTime))
        return true;
    *error = m_file.errorString();
    return false;
}

#else // POSIX

namespace {

QString errnoText()
{
    return qt_error_string(errno);
}

#ifdef Q_OS_LINUX
std::atomic_bool g_linkThroughProc {false};

/*!
 * Gives the unnamed file \a fd the name \a name in \a dirfd. linkat(AT_EMPTY_PATH) links the
 * descriptor itself; before Linux 6.10 it needs CAP_DAC_READ_SEARCH and says ENOENT without,
 * and then the descriptor's /proc path does the same (open(2), O_TMPFILE).
 */
bool linkUnnamed(int fd, int dirfd, const char *name)
{
    if (!g_linkThroughProc.load(std::memory_order_relaxed)) {
        if (::linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0)
            return true;
        if (errno != ENOENT && errno != EPERM)
            return false;
        g_linkThroughProc.store(true, std::memory_order_relaxed);
    }
    char proc[40];
    std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return ::linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0;
}
#endif

} // namespace

void OwnedFile::linkThroughProcForTesting(bool viaProc)
{
#ifdef Q_OS_LINUX
    g_linkThroughProc.store(viaProc);
#else
    Q_UNUSED(viaProc);
#endif
}

OwnedFile::Opened OwnedFile::createUnnamed(
    const std::shared_ptr<OwnedFolder> &folder, const QString &path)
{
#if defined(Q_OS_LINUX) && defined(O_TMPFILE)
    if (!folder->m_unnamedRefused) {
        // No O_EXCL: that would forbid the link that names it. The umask decides the mode, as
        // for create().
        const int fd = ::openat(folder->m_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
        if (fd >= 0) {
            std::unique_ptr<OwnedFile> file(new OwnedFile(path, fd));
            file->m_folder = folder;
            return {std::move(file), Status::Ok, {}};
        }
        // EOPNOTSUPP: this filesystem has none (vfat, many network and FUSE ones); EISDIR or
        // EINVAL: a kernel before 3.11, which took the flag for O_DIRECTORY or did not know it.
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            return {nullptr, Status::Failed, errnoText()};
        folder->m_unnamedRefused = true;
    }
#else
    Q_UNUSED(folder);
    Q_UNUSED(path);
#endif
    return {nullptr, Status::Unsupported, {}};
}

OwnedFile::OwnedFile(QString path, qintptr handle)
    : m_path(std::move(path))
    , m_handle(handle)
{ }

OwnedFile::~OwnedFile()
{
    m_file.close();
    ::close(int(m_handle)); // releases the lock
}

QFile &OwnedFile::file()
{
    // Opened when first asked for: QFile looks at the descriptor (fstat, lseek), which a small
    // file written with write() alone does not need.
    if (!m_file.isOpen())
        m_file.open(int(m_handle), QIODevice::ReadWrite | QIODevice::Unbuffered,
            QFileDevice::DontCloseHandle);
    return m_file;
}

bool OwnedFile::write(const QByteArray &bytes, QString *error)
{
    if (m_file.isOpen()) { // QFile's idea of the position must not go stale
        if (m_file.write(bytes) == bytes.size())
            return true;
        *error = m_file.errorString();
        return false;
    }
    const char *data = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(int(m_handle), data, size_t(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *error = n < 0 ? errnoText() : QStringLiteral("nothing written");
            return false;
        }
        data += n;
        left -= n;
    }
    return true;
}

bool OwnedFile::setModified(const QDateTime &when, QString *error)
{
    const qint64 ms = when.toMSecsSinceEpoch();
    const struct timespec times[2] = {
        {0, UTIME_OMIT},
        {time_t(ms / 1000 - (ms % 1000 < 0 ? 1 : 0)), long((ms % 1000 + 1000) % 1000) * 1000000},
    };
    if (::futimens(int(m_handle), times) == 0)
        return true;
    *error = errnoText();
    return false;
}

namespace {

/*!
 * Locks \a fd for us alone and, when \a checkPath, checks that \a path still names it. Closes
 * it on failure. A file create() just made needs no check: if it is replaced before the lock,
 * the check before the rename (stillAtPath()) finds out, and nothing else uses the path.
 */
OwnedFile::Status lockFor(int fd, const QByteArray &path, bool checkPath)
{
    struct stat opened
    {
    };
    struct stat named
    {
    };
    OwnedFile::Status status = OwnedFile::Status::Ok;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
        status = errno == EWOULDBLOCK ? OwnedFile::Status::Busy : OwnedFile::Status::Failed;
    else if (checkPath
        && (::fstat(fd, &opened) != 0 || ::lstat(path.constData(), &named) != 0
            || opened.st_dev != named.st_dev || opened.st_ino != named.st_ino))
        status = OwnedFile::Status::Busy; // replaced or unlinked while we took it: not ours
    if (status != OwnedFile::Status::Ok)
        ::close(fd);
    return status;
}

} // namespace

OwnedFile::Opened OwnedFile::create(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    // O_EXCL: fails on anything at the path, a dangling symlink included.
    const int fd = ::open(native.constData(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
        0666); // the umask decides, like any new download
    if (fd < 0)
        return {nullptr, errno == EEXIST ? Status::Exists : Status::Failed, errnoText()};
    const Status locked = lockFor(fd, native, false);
    if (locked != Status::Ok)
        return {nullptr, locked, {}};
    return {std::unique_ptr<OwnedFile>(new OwnedFile(path, fd)), Status::Ok, {}};
}

OwnedFile::Opened OwnedFile::adopt(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    // O_NONBLOCK: opening a FIFO planted at the path must not hang.
    const int fd
        = ::open(native.constData(), O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        switch (errno) {
        case ENOENT:
            return {nullptr, Status::Missing, {}};
        case ELOOP:
        case EMLINK: // FreeBSD's answer to O_NOFOLLOW on a symlink
            return {nullptr, Status::Symlink, {}};
        case EISDIR:
        case ENXIO:
            return {nullptr, Status::NotPlain, {}};
        default:
            return {nullptr, Status::Failed, errnoText()};
        }
    }
    struct stat st
    {
    };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        ::close(fd);
        return {nullptr, Status::NotPlain, {}};
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    const Status locked = lockFor(fd, native, true);
    if (locked != Status::Ok)
        return {nullptr, locked, {}};
    return {std::unique_ptr<OwnedFile>(new OwnedFile(path, fd)), Status::Ok, {}};
}

qint64 OwnedFile::size() const
{
    struct stat st
    {
    };
    return ::fstat(int(m_handle), &st) == 0 ? qint64(st.st_size) : -1;
}

bool OwnedFile::stillAtPath() const
{
    if (m_folder)
        return true; // no name: nobody can reach it to delete or replace it
    struct stat opened
    {
    };
    struct stat named
    {
    };
    return ::fstat(int(m_handle), &opened) == 0 && opened.st_nlink > 0
        && ::lstat(QFile::encodeName(m_path).constData(), &named) == 0
        && opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

bool OwnedFile::sync(QString *error)
{
#ifdef Q_OS_MACOS
    if (::fcntl(int(m_handle), F_FULLFSYNC) == 0) // fsync alone stops at the drive's cache
        return true;
#endif
    if (::fsync(int(m_handle)) == 0)
        return true;
    *error = errnoText();
    return false;
}

bool OwnedFile::addExecutable(QString *error)
{
    struct stat st
    {
    };
    if (::fstat(int(m_handle), &st) != 0) {
        *error = errnoText();
        return false;
    }
    // Only the execute bits; never setuid/setgid/sticky.
    mode_t mode = st.st_mode & 0777;
    mode |= (mode & 0444) >> 2;
    if (::fchmod(int(m_handle), mode) != 0) {
        *error = errnoText();
        return false;
    }
    return true;
}

OwnedFile::Status OwnedFile::renameNoReplace(const QString &target, QString *error)
{
#ifdef Q_OS_LINUX
    if (m_folder) {
        // linkat() never replaces anything: EEXIST when the name is taken.
        const qsizetype slash = target.lastIndexOf(QLatin1Char('/'));
        const bool inFolder = slash > 0 && QStringView(target).left(slash) == m_folder->path();
        const QByteArray name = QFile::encodeName(inFolder ? target.mid(slash + 1) : target);
        if (linkUnnamed(int(m_handle), inFolder ? m_folder->m_fd : AT_FDCWD, name.constData())) {
            m_path = target;
            m_folder.reset();
            return Status::Ok;
        }
        if (errno == EEXIST)
            return Status::Exists;
        *error = errnoText();
        return Status::Failed;
    }
#endif
    if (!stillAtPath())
        return Status::Missing;
    const QByteArray from = QFile::encodeName(m_path);
    const QByteArray to = QFile::encodeName(target);
    const auto done = [&] {
        m_path = target;
        return Status::Ok;
    };
#if defined(Q_OS_LINUX) && defined(RENAME_NOREPLACE)
    if (::renameat2(AT_FDCWD, from.constData(), AT_FDCWD, to.constData(), RENAME_NOREPLACE) == 0)
        return done();
    if (errno == EEXIST)
        return Status::Exists;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) { // else: the filesystem says no
        *error = errnoText();
        return Status::Failed;
    }
#endif
    // link() never replaces; the unlink then drops the part name.
    if (::link(from.constData(), to.constData()) == 0) {
        ::unlink(from.constData());
        return done();
    }
    if (errno == EEXIST)
        return Status::Exists;
    if (errno != EPERM && errno != ENOTSUP && errno != EOPNOTSUPP && errno != ENOSYS) {
        *error = errnoText();
        return Status::Failed;
    }
    // No hard links here (FAT, some network filesystems): look, then rename. A name taken by
    // someone else in between is the one race left on such filesystems.
    struct stat st
    {
    };
    if (::lstat(to.constData(), &st) == 0 || errno != ENOENT)
        return Status::Exists;
    if (::rename(from.constData(), to.constData()) == 0)
        return done();
    *error = errnoText();
    return Status::Failed;
}

bool OwnedFile::remove()
{
    if (m_folder)
        return true; // nothing to delete: an unnamed file is gone when it is closed
    return stillAtPath() && ::unlink(QFile::encodeName(m_path).constData()) == 0;
}

#endif

std::shared_ptr<OwnedFolder> OwnedFolder::open(const QString &path, bool followSymlink)
{
#if defined(Q_OS_LINUX) && defined(O_TMPFILE)
    // O_PATH: only a handle to create and link files in (no read access needed).
    const int fd = ::open(QFile::encodeName(path).constData(),
        O_PATH | O_DIRECTORY | O_CLOEXEC | (followSymlink ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return nullptr;
    struct stat st
    {
    };
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return nullptr;
    }
    return std::shared_ptr<OwnedFolder>(new OwnedFolder(path, fd, quint64(st.st_dev)));
#else
    Q_UNUSED(path);
    Q_UNUSED(followSymlink);
    return nullptr;
#endif
}

OwnedFolder::OwnedFolder(QString path, int fd, quint64 device)
    : m_path(std::move(path))
    , m_fd(fd)
    , m_device(device)
{ }

OwnedFolder::~OwnedFolder()
{
#ifndef Q_OS_WIN
    if (m_fd >= 0)
        ::close(m_fd);
#endif
}

namespace {
std::atomic<quint64> g_syncCalls {0};
} // namespace

quint64 OwnedFile::syncCalls()
{
    return g_syncCalls.load(std::memory_order_relaxed);
}

void OwnedFile::syncAll(const std::vector<OwnedFile *> &files, std::vector<QString> *errors)
{
    errors->assign(files.size(), QString());
#ifdef Q_OS_LINUX
    // One syncfs() per filesystem instead of one fsync() per file (10 000 small files must not
    // cost 10 000 journal commits).
    std::vector<dev_t> synced;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const OwnedFile *file = files[i];
        dev_t device = 0;
        if (file->m_folder) {
            device = dev_t(file->m_folder->m_device); // made in the folder: on its filesystem
        } else {
            struct stat st
            {
            };
            if (::fstat(int(file->m_handle), &st) != 0) {
                (*errors)[i] = errnoText();
                continue;
            }
            device = st.st_dev;
        }
        if (std::find(synced.begin(), synced.end(), device) != synced.end())
            continue;
        g_syncCalls.fetch_add(1, std::memory_order_relaxed);
        if (::syncfs(int(file->m_handle)) != 0) {
            const QString error = errnoText();
            errors->assign(files.size(), error); // which files it covered is unknown: none count
            return;
        }
        synced.push_back(device);
    }
#else
    // Elsewhere no call covers many files (FlushFileBuffers on a volume needs administrator
    // rights): one sync per file.
    for (std::size_t i = 0; i < files.size(); ++i) {
        QString error;
        g_syncCalls.fetch_add(1, std::memory_order_relaxed);
        if (!files[i]->sync(&error))
            (*errors)[i] = error;
    }
#endif
}

} // namespace PunchDrop
