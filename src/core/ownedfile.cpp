// SPDX-License-Identifier: GPL-3.0-or-later
#include "ownedfile.h"

#include <QDir>

#ifdef Q_OS_WIN
#include <fcntl.h>
#include <io.h>
#include <vector>
#include <windows.h>
#else
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

#else // POSIX

namespace {

QString errnoText()
{
    return qt_error_string(errno);
}

} // namespace

OwnedFile::OwnedFile(QString path, qintptr handle)
    : m_path(std::move(path))
    , m_handle(handle)
{
    m_file.open(
        int(handle), QIODevice::ReadWrite | QIODevice::Unbuffered, QFileDevice::DontCloseHandle);
}

OwnedFile::~OwnedFile()
{
    m_file.close();
    ::close(int(m_handle)); // releases the lock
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
    return stillAtPath() && ::unlink(QFile::encodeName(m_path).constData()) == 0;
}

#endif

} // namespace PunchDrop
