// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QString>

namespace PunchDrop::Test {

//! Makes \a path a sparse file of \a size bytes (no disk blocks; reads return zeros).
bool makeSparse(const QString &path, qint64 size);
//! Whether \a path occupies (almost) no disk blocks. Always false where that cannot be told.
bool isSparse(const QString &path);

/*!
 * What an interrupted transfer leaves behind, without writing gigabytes: a sparse \a source of
 * \a size bytes (the sender's file, `<name>` below) and, in \a downloadDir, a sparse part file
 * holding \a held bytes of it with the metadata (sender \a sender, offered path = the source's
 * file name, size, mtime) that makes a receiver resume it. Hashing the held prefix then takes a
 * while (tens of GB of zeros). False where the file system has no sparse files.
 */
bool leaveHeldPart(const QString &source, const QString &downloadDir, const DeviceId &sender,
    qint64 size, qint64 held);

} // namespace PunchDrop::Test
