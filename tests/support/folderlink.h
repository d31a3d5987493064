// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace PunchDrop::Test {

/*!
 * Makes \a link a link to the folder \a target, the kind any unprivileged process can make: a
 * symlink on POSIX, a junction (an NTFS mount-point reparse point) on Windows, where a symlink
 * needs a privilege or developer mode. False with \a error set when the system refuses (Wine 8.0
 * implements no reparse points: ERROR_NOT_SUPPORTED).
 */
bool linkFolder(const QString &target, const QString &link, QString *error);

} // namespace PunchDrop::Test
