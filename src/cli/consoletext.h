// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <cstdio>

namespace PunchDrop::Cli {

/*!
 * Writes \a text to \a stream so that people can read every character of it (file and device
 * names are Unicode). On a Windows console: WriteConsoleW, because the console shows bytes in
 * its OEM code page and qPrintable's ANSI bytes come out garbled there. Everywhere else (a pipe,
 * a file, a POSIX terminal): UTF-8 bytes. Flushes \a stream.
 */
void writeText(std::FILE *stream, const QString &text);

} // namespace PunchDrop::Cli
