// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the relay join parser (src/net/wire/relayjoin.cpp): the first bytes of
// an unauthenticated connection to the server's port.
// Properties checked beyond "no crash, no sanitizer report":
//  - every rejection says why; only exactly kJoinSize bytes are accepted;
//  - whatever parses is canonical: encode(token) (or encodeClaim(token) for an address claim)
//    gives the input back byte for byte.

#include "net/wire/relayjoin.h"

#include <QByteArrayView>

#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const RelayJoin::Parsed parsed = RelayJoin::parse(bytes);
    if (!parsed.ok) {
        if (parsed.error.isEmpty() || !parsed.token.isEmpty() || parsed.claim)
            std::abort();
        return 0;
    }
    if (bytes.size() != RelayJoin::kJoinSize || parsed.token.size() != RelayJoin::kTokenSize
        || (parsed.claim ? RelayJoin::encodeClaim(parsed.token) : RelayJoin::encode(parsed.token))
            != bytes)
        std::abort();
    return 0;
}
