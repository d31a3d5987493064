// SPDX-License-Identifier: GPL-3.0-or-later
#include "folderlink.h"

#include <QDir>
#include <QFile>

#ifdef Q_OS_WIN
#include <windows.h>
#include <winioctl.h>

#include <cstring>
#include <string>
#include <vector>
#endif

namespace PunchDrop::Test {

#ifdef Q_OS_WIN

bool linkFolder(const QString &target, const QString &link, QString *error)
{
    // REPARSE_DATA_BUFFER's mount-point member (ntifs.h, which mingw ships only for drivers):
    // the substitute name "\??\C:\target", then an empty print name, both NUL-terminated.
    struct MountPoint
    {
        DWORD tag;
        WORD dataLength;
        WORD reserved;
        WORD substituteOffset;
        WORD substituteLength;
        WORD printOffset;
        WORD printLength;
    };
    const std::wstring substitute = L"\\??\\"
        + QDir::toNativeSeparators(QDir::cleanPath(QDir(target).absolutePath())).toStdWString();
    const std::size_t names = (substitute.size() + 2) * sizeof(wchar_t);
    std::vector<char> buffer(sizeof(MountPoint) + names, 0);
    MountPoint header {IO_REPARSE_TAG_MOUNT_POINT, WORD(8 + names), 0, 0,
        WORD(substitute.size() * sizeof(wchar_t)), WORD((substitute.size() + 1) * sizeof(wchar_t)),
        0};
    std::memcpy(buffer.data(), &header, sizeof(header));
    std::memcpy(
        buffer.data() + sizeof(header), substitute.c_str(), substitute.size() * sizeof(wchar_t));

    if (!QDir().mkdir(link)) {
        *error = QStringLiteral("cannot create the folder %1").arg(link);
        return false;
    }
    const HANDLE handle = CreateFileW(QDir::toNativeSeparators(link).toStdWString().c_str(),
        GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
        FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
    DWORD returned = 0;
    const bool made = handle != INVALID_HANDLE_VALUE
        && DeviceIoControl(handle, FSCTL_SET_REPARSE_POINT, buffer.data(), DWORD(buffer.size()),
            nullptr, 0, &returned, nullptr);
    if (!made)
        *error = QStringLiteral("cannot make the junction %1: %2")
                     .arg(link, qt_error_string(int(GetLastError())));
    if (handle != INVALID_HANDLE_VALUE)
        CloseHandle(handle);
    if (!made)
        QDir().rmdir(link);
    return made;
}

#else

bool linkFolder(const QString &target, const QString &link, QString *error)
{
    if (QFile::link(target, link))
        return true;
    *error = QStringLiteral("cannot make the symlink %1").arg(link);
    return false;
}

#endif

} // namespace PunchDrop::Test
