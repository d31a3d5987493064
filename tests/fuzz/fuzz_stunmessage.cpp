// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the STUN codec (src/net/stunmessage.cpp, pure functions over bytes).
// Properties checked beyond "no crash, no sanitizer report":
//  - every rejection says why;
//  - whatever parses is one whole message: 20 + length bytes, a multiple of 4, first bits zero;
//  - encoding is canonical: encode(parse(encode(m))) == encode(m) for every accepted m, and the
//    re-encoded message parses with the same header and attributes.

#include "net/wire/stunmessage.h"

#include <QByteArrayView>

#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const StunMessage::ParseResult parsed = StunMessage::parse(bytes);
    if (!parsed.ok()) {
        if (parsed.error.isEmpty())
            std::abort();
        return 0;
    }
    if (bytes.size() < StunMessage::kHeaderSize || bytes.size() % 4 != 0
        || !StunMessage::looksLikeStun(bytes))
        std::abort();
    const StunMessage &m = parsed.message;
    if (m.transactionId.size() != StunMessage::kTransactionIdSize)
        std::abort();

    const QByteArray first = m.encode();
    const StunMessage::ParseResult again = StunMessage::parse(first);
    if (!again.ok())
        std::abort(); // the encoder produced something the parser rejects
    const StunMessage &n = again.message;
    if (n.method != m.method || n.messageClass != m.messageClass || n.cookie != m.cookie
        || n.transactionId != m.transactionId || n.changeRequest != m.changeRequest
        || n.responsePort != m.responsePort || n.unknownAttributes != m.unknownAttributes
        || n.fingerprint != m.fingerprint
        || n.xorMappedAddress.has_value() != m.xorMappedAddress.has_value()
        || n.mappedAddress.has_value() != m.mappedAddress.has_value()
        || n.error.has_value() != m.error.has_value() || !n.unknownRequired.isEmpty())
        std::abort();
    if (n.encode() != first)
        std::abort();
    return 0;
}
