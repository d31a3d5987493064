// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the LAN announcement parser (src/net/lanannouncement.cpp, the pure codec;
// the cryptography lives in lanannouncementcrypto.cpp and is not needed here).
// Properties checked beyond "no crash, no sanitizer report":
//  - whatever parses re-encodes to a datagram that parses to the same fields. Not necessarily
//    to the same bytes (a version 2 datagram, an unknown extension skipped, an unknown token
//    read as unknown): duplicate detection compares bytes and the sequence, so another encoding
//    of one announcement counts as a replay, never as new (tst_lanannouncement has the golden
//    bytes);
//  - the signed part is a prefix of the input, the field bounds of the format hold.

#include "net/wire/displaytext.h"
#include "net/wire/lanannouncement.h"

#include <QByteArrayView>

#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const LanAnnouncement::ParseResult parsed = LanAnnouncement::parse(bytes);
    if (parsed.status != LanAnnouncement::Status::Ok) {
        if (parsed.error.isEmpty())
            std::abort(); // every rejection says why
        return 0;
    }
    const LanAnnouncement::Fields &f = parsed.fields;
    if (bytes.size() > LanAnnouncement::kMaxDatagramSize || f.certificateDer.isEmpty()
        || f.certificateDer.size() > LanAnnouncement::kMaxCertificateSize
        || f.displayName.toUtf8().size() > LanAnnouncement::kMaxNameBytes
        || parsed.signature.isEmpty()
        || parsed.signature.size() > LanAnnouncement::kMaxSignatureSize
        || !bytes.startsWith(parsed.signedBytes))
        std::abort();
    if (DisplayText::cleanName(f.displayName, LanAnnouncement::kMaxNameBytes) != f.displayName)
        std::abort(); // the parser accepted a name the encoder would not produce
    const QByteArray body = LanAnnouncement::encodeUnsigned(f);
    const QByteArray again = LanAnnouncement::assemble(body, parsed.signature);
    const LanAnnouncement::ParseResult reparsed = LanAnnouncement::parse(again);
    if (reparsed.status != LanAnnouncement::Status::Ok || !(reparsed.fields == f)
        || reparsed.signedBytes != body)
        std::abort();
    return 0;
}
