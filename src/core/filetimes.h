// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QDateTime>
#include <QString>

namespace PunchDrop::FileTimes {

/*!
 * Sets the modification time of the file or folder at \a path to \a time (millisecond
 * precision, 1970-01-01 to 2399-12-31; a symlink is followed on POSIX). Returns false with
 * \a error set when the time is outside that range or the system refuses (its text).
 *
 * Folders are why this exists: std::filesystem::last_write_time works for them on POSIX, but
 * mingw's libstdc++ implements it with _wutime, which cannot open a folder (Windows needs
 * FILE_FLAG_BACKUP_SEMANTICS for a folder handle), so on Windows the handle is opened here and
 * the time set through it. There a reparse point (symlink, junction) is opened as itself, never
 * followed. Blocking.
 */
bool setModified(const QString &path, const QDateTime &time, QString *error);

} // namespace PunchDrop::FileTimes
