// SPDX-License-Identifier: GPL-3.0-or-later
#include "filetimes.h"

#include <QDir>
#include <QFileInfo>

#ifdef Q_OS_WIN
#include <windows.h>
#else
#include <chrono>
#include <filesystem>
#include <system_error>
#endif

namespace PunchDrop::FileTimes {

namespace {

#ifdef Q_OS_WIN

bool setNative(const QString &path, qint64 msecsSinceEpoch, QString *error)
{
    // FILETIME counts 100 ns intervals since 1601-01-01 UTC, 11 644 473 600 s before the epoch.
    constexpr qint64 kEpochOffsetMs = 11644473600000;
    const quint64 ticks = quint64(msecsSinceEpoch + kEpochOffsetMs) * 10000;
    const FILETIME written {DWORD(ticks & 0xffffffffu), DWORD(ticks >> 32)};
    // FILE_WRITE_ATTRIBUTES is all SetFileTime needs; sharing everything leaves the folder and
    // the files in it usable by others meanwhile.
    const HANDLE handle
        = CreateFileW(QDir::toNativeSeparators(QDir::cleanPath(path)).toStdWString().c_str(),
            FILE_WRITE_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
            OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
    if (handle == INVALID_HANDLE_VALUE) {
        *error = qt_error_string(int(GetLastError()));
        return false;
    }
    const bool set = SetFileTime(handle, nullptr, nullptr, &written);
    if (!set)
        *error = qt_error_string(int(GetLastError()));
    CloseHandle(handle);
    return set;
}

#else

bool setNative(const QString &path, qint64 msecsSinceEpoch, QString *error)
{
    const auto since = std::chrono::sys_time<std::chrono::milliseconds>(
        std::chrono::milliseconds(msecsSinceEpoch));
    std::error_code failed;
    std::filesystem::last_write_time(
        QFileInfo(path).filesystemFilePath(), std::chrono::file_clock::from_sys(since), failed);
    if (failed)
        *error = QString::fromStdString(failed.message());
    return !failed;
}

#endif

} // namespace

bool setModified(const QString &path, const QDateTime &time, QString *error)
{
    // The time may come from a peer. libstdc++'s file_clock counts nanoseconds in 64 bits from
    // 2174 (about 1882-2466 representable) and FILETIME starts in 1601: a time outside
    // 1970-2400 would overflow the arithmetic, so it is refused for every platform alike.
    constexpr qint64 kLatestMs = 13569465600000; // 2400-01-01T00:00:00Z
    const qint64 ms = time.isValid() ? time.toMSecsSinceEpoch() : -1;
    if (ms < 0 || ms >= kLatestMs) {
        *error = QStringLiteral("the time %1 is outside 1970-2399").arg(time.toString(Qt::ISODate));
        return false;
    }
    return setNative(path, ms, error);
}

} // namespace PunchDrop::FileTimes
