// SPDX-License-Identifier: GPL-3.0-or-later
#include "consoletext.h"

#include <algorithm>

#ifdef Q_OS_WIN
#include <io.h>
#include <windows.h>
#endif

namespace PunchDrop::Cli {

void writeText(std::FILE *stream, const QString &text)
{
#ifdef Q_OS_WIN
    const auto handle = reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stream)));
    DWORD mode = 0;
    if (handle != INVALID_HANDLE_VALUE && GetConsoleMode(handle, &mode)) {
        std::fflush(stream); // keep the order with anything written through the FILE
        const auto *data = reinterpret_cast<const wchar_t *>(text.utf16());
        qsizetype left = text.size();
        while (left > 0) {
            DWORD written = 0;
            const auto chunk = DWORD(std::min<qsizetype>(left, 8192));
            if (!WriteConsoleW(handle, data, chunk, &written, nullptr) || written == 0)
                break;
            data += written;
            left -= qsizetype(written);
        }
        return;
    }
#endif
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fflush(stream);
}

} // namespace PunchDrop::Cli
