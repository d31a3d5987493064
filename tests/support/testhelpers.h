// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/deviceidentity.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#if defined(__SANITIZE_ADDRESS__)
#define PUNCHDROP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PUNCHDROP_TEST_ASAN 1
#endif
#endif

#ifdef PUNCHDROP_TEST_ASAN
#include <cstddef>
//! The ASan runtime's count of heap bytes in use (declared in <sanitizer/allocator_interface.h>,
//! which GCC does not install).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace PunchDrop::Test {

/*!
 * True in an AddressSanitizer build (the `asan` preset, test.sh's second pass under CI). Its
 * allocator keeps freed memory in quarantine, adds shadow memory and redzones, and its checks
 * cost CPU: bounds on RSS or CPU time that the product build must meet are not asserted there
 * (the first pass asserts them); what the test checks besides still is.
 */
#ifdef PUNCHDROP_TEST_ASAN
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

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

//! Runs \a program with \a arguments, bounded by \a timeoutMs; kills it on timeout.
ProcessResult runProgram(const QString &program, const QStringList &arguments, int timeoutMs);

//! zbarimg from zbar-tools (scripts/install-deps.sh), empty when it is not installed.
QString zbarimgPath();
//! zbarimg reading the QR code in the image at \a imagePath: exit code 0 and the text in `out`
//! (followed by a newline) when it found one.
ProcessResult readQrCode(const QString &imagePath);

//! True when CI=true (as .ci/run sets): a test that cannot run here must fail, not skip.
bool underCi();

} // namespace PunchDrop::Test

/*!
 * Skips with \a reason where the machine lacks what the test needs (sparse files, /proc), but
 * fails under CI=true: CI's machine has them, so a skip there would hide a test that did not run
 * (the NAT lab's lab.sh does the same for "cannot run here").
 */
#define PUNCHDROP_SKIP_UNLESS_CI(reason)                                                           \
    do {                                                                                           \
        if (::PunchDrop::Test::underCi())                                                          \
            QFAIL("cannot run here, and CI=true does not skip: " reason);                          \
        QSKIP(reason);                                                                             \
    } while (false)
