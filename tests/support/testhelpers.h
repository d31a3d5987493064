// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/deviceidentity.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace PunchDrop::Test {

//! The `punchdrop` binary under test (set by ctest through PUNCHDROP_BINARY).
QString punchdropBinary();

struct ProcessResult
{
    int exitCode = -1;
    bool finished = false;
    QByteArray out;
    QByteArray err;
};

//! A fresh in-memory device identity (key + certificate); aborts the test binary if OpenSSL
//! cannot make one.
DeviceIdentity ephemeralIdentity();

//! \a size pseudo-random bytes, the same for the same \a seed.
QByteArray randomBytes(qint64 size, quint32 seed);
//! Writes \a data to \a path, creating the folders on the way. False on any error.
bool writeFile(const QString &path, const QByteArray &data);
//! The whole file, empty if it cannot be read.
QByteArray readFile(const QString &path);

//! The part files of \a target (`<name>.<tag>[-n].pdpart`, see FileSink::partPathFor) in its
//! folder, sorted.
QStringList partFilesOf(const QString &target);

//! Runs the real binary with \a arguments, bounded by \a timeoutMs; kills it on timeout.
ProcessResult runPunchdrop(const QStringList &arguments, int timeoutMs = 30000);

} // namespace PunchDrop::Test
