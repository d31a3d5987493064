// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the transfer protocol's pure parsers and the offered-path sanitiser.
// Properties checked beyond "no crash, no sanitizer report":
//  - a parsed message re-encodes to bytes that parse to an equal message;
//  - consumed bytes are within the input, and a frame is never longer than the limit;
//  - whatever SafePath accepts is relative, without "." / ".." / empty components;
//  - sanitize() (with its fast path for clean paths) answers exactly as sanitizeFully().

#include "transfer/safepath.h"
#include "transfer/transferprotocol.h"

#include <QByteArrayView>
#include <QString>

#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;
using namespace PunchDrop::Transfer;

namespace {

SafePath::Sanitized sanitizeBothWays(const QString &offered)
{
    const SafePath::Sanitized fast = SafePath::sanitize(offered);
    const SafePath::Sanitized full = SafePath::sanitizeFully(offered);
    if (fast.relativePath != full.relativePath || fast.error != full.error)
        std::abort();
    return fast;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    qsizetype offset = 0;
    while (offset < bytes.size()) {
        const StreamParse parsed = parseMessage(bytes.sliced(offset));
        if (parsed.status != ParseStatus::Ok)
            break;
        if (parsed.consumed <= 0 || parsed.consumed > bytes.size() - offset
            || parsed.consumed > kMaxFrameLength + kLengthFieldSize)
            std::abort();
        const QByteArray again = encodeMessage(parsed.message);
        const StreamParse reparsed = parseMessage(again);
        if (reparsed.status != ParseStatus::Ok || reparsed.consumed != again.size()
            || !(reparsed.message == parsed.message))
            std::abort();
        if (const auto *offer = std::get_if<Offer>(&parsed.message)) {
            for (const OfferItem &item : offer->items)
                (void)sanitizeBothWays(item.relativePath);
        }
        offset += parsed.consumed;
    }

    const SafePath::Sanitized path = sanitizeBothWays(QString::fromUtf8(bytes));
    if (path.ok()) {
        const QString &p = path.relativePath;
        if (p.isEmpty() || p.startsWith(QLatin1Char('/')) || p.contains(QLatin1Char('\\'))
            || p.contains(QLatin1Char(':')))
            std::abort();
        for (const QString &component : p.split(QLatin1Char('/'))) {
            if (component.isEmpty() || component == QLatin1String(".")
                || component == QLatin1String(".."))
                std::abort();
        }
    }
    return 0;
}
