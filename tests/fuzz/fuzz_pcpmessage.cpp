// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the PCP MAP answer parser (src/net/wire/pcpmessage.cpp), which reads
// whatever the gateway's port 5351 sends. Properties checked beyond "no crash, no sanitizer
// report":
//  - every rejection says why;
//  - an accepted answer either is NAT-PMP's UNSUPP_VERSION (no nonce, nothing else) or came from
//    at least a PCP header, and a success carries the whole MAP opcode data (nonce, ports,
//    address);
//  - a request built from an accepted answer's fields encodes to exactly 60 bytes.

#include "net/wire/pcpmessage.h"

#include <QByteArrayView>

#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const PcpMapResponse::Parsed parsed = PcpMapResponse::parse(bytes);
    if (!parsed.response) {
        if (parsed.error.isEmpty())
            std::abort();
        return 0;
    }
    const PcpMapResponse &r = *parsed.response;
    if (bytes.size() < 8)
        std::abort();
    if (bytes[0] == 0) { // NAT-PMP
        if (r.result != PcpMapResponse::UnsupportedVersion || !r.nonce.isEmpty())
            std::abort();
        return 0;
    }
    if (bytes.size() < 24 || bytes[0] != 2)
        std::abort();
    if (r.result == PcpMapResponse::Success
        && (bytes.size() < PcpMapRequest::kSize || r.nonce.size() != PcpMapRequest::kNonceSize
            || r.external.address.isNull()))
        std::abort();
    if (!r.nonce.isEmpty()) {
        PcpMapRequest request;
        request.lifetime = r.lifetime;
        request.clientAddress = r.external.address;
        request.nonce = r.nonce;
        request.internalPort = r.internalPort;
        request.suggestedExternalPort = r.external.port;
        request.suggestedExternalAddress = r.external.address;
        if (request.encode().size() != PcpMapRequest::kSize)
            std::abort();
    }
    (void)PcpMapResponse::resultName(r.result);
    return 0;
}
