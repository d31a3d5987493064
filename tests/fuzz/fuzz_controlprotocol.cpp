// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the control protocol frame parser (src/net/controlprotocol.cpp).
// Properties checked beyond "no crash, no sanitizer report":
//  - Incomplete consumes nothing; Malformed always says why; Ok consumes a whole frame that
//    fits in the input and in the size limit;
//  - whatever parses re-encodes to a frame that parses to the same message (encode∘parse is a
//    fixed point after one step), and every encoded frame respects the size limit.

#include "net/wire/controlprotocol.h"

#include <QByteArrayView>

#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const ControlProtocol::ParseResult parsed = ControlProtocol::parse(bytes);
    switch (parsed.status) {
    case ControlProtocol::Status::Incomplete:
        if (parsed.consumed != 0)
            std::abort();
        return 0;
    case ControlProtocol::Status::Malformed:
        if (parsed.error.isEmpty())
            std::abort();
        return 0;
    case ControlProtocol::Status::Ok:
        break;
    }
    if (parsed.consumed <= ControlProtocol::kHeaderSize || parsed.consumed > bytes.size()
        || parsed.consumed > ControlProtocol::kHeaderSize + ControlProtocol::kMaxBodySize)
        std::abort();
    const QByteArray once = ControlProtocol::encode(parsed.message);
    if (std::holds_alternative<Control::Unknown>(parsed.message)) {
        if (!once.isEmpty())
            std::abort();
        return 0;
    }
    if (once.size() > ControlProtocol::kHeaderSize + ControlProtocol::kMaxBodySize)
        std::abort();
    const ControlProtocol::ParseResult again = ControlProtocol::parse(once);
    if (again.status != ControlProtocol::Status::Ok || again.consumed != once.size()
        || again.message.index() != parsed.message.index())
        std::abort();
    if (ControlProtocol::encode(again.message) != once)
        std::abort();
    return 0;
}
