// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/pcpmessage.h"

#include <QtEndian>

#include <array>

namespace PunchDrop {

namespace {

constexpr qsizetype kHeaderSize = 24;
constexpr quint8 kResponseBit = 0x80;

//! 16 bytes: IPv6 as is, IPv4 as ::ffff:a.b.c.d, \a fallbackV4 (null) as ::ffff:0.0.0.0 or ::.
void appendAddress(QByteArray &out, const QHostAddress &address, bool fallbackV4)
{
    std::array<char, 16> bytes {};
    bool ok = false;
    const quint32 v4 = address.toIPv4Address(&ok);
    if (ok) {
        bytes[10] = char(0xff);
        bytes[11] = char(0xff);
        qToBigEndian(v4, bytes.data() + 12);
    } else if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        const Q_IPV6ADDR v6 = address.toIPv6Address();
        std::copy(std::begin(v6.c), std::end(v6.c), bytes.begin());
    } else if (fallbackV4) {
        bytes[10] = char(0xff);
        bytes[11] = char(0xff);
    }
    out.append(bytes.data(), qsizetype(bytes.size()));
}

//! An IPv4-mapped address as IPv4, anything else as IPv6.
QHostAddress readAddress(const char *p)
{
    Q_IPV6ADDR v6 {};
    std::copy(p, p + 16, std::begin(v6.c));
    const QHostAddress address(v6);
    bool ok = false;
    const quint32 v4 = address.toIPv4Address(&ok);
    return ok ? QHostAddress(v4) : address;
}

} // namespace

QByteArray PcpMapRequest::encode() const
{
    Q_ASSERT(nonce.size() == kNonceSize);
    QByteArray out;
    out.reserve(kSize);
    out.append(char(kVersion));
    out.append(char(kOpcodeMap));
    out.append(2, '\0');
    char word[4];
    qToBigEndian(lifetime, word);
    out.append(word, 4);
    appendAddress(out, clientAddress, true);
    out.append(nonce.left(kNonceSize).leftJustified(kNonceSize, '\0'));
    out.append(char(kProtocolTcp));
    out.append(3, '\0');
    qToBigEndian(internalPort, word);
    qToBigEndian(suggestedExternalPort, word + 2);
    out.append(word, 4);
    // No preference: the all-zero address of the client's family (§11.1), which also tells the
    // server which family the mapping is for.
    bool v4 = false;
    clientAddress.toIPv4Address(&v4);
    appendAddress(out, suggestedExternalAddress, v4);
    return out;
}

QString PcpMapResponse::resultName(quint8 result)
{
    static const char *const names[] = {"SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED",
        "MALFORMED_REQUEST", "UNSUPP_OPCODE", "UNSUPP_OPTION", "MALFORMED_OPTION",
        "NETWORK_FAILURE", "NO_RESOURCES", "UNSUPP_PROTOCOL", "USER_EX_QUOTA",
        "CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH", "EXCESSIVE_REMOTE_PEERS"};
    const QString name = result < std::size(names) ? QString::fromLatin1(names[result])
                                                   : QStringLiteral("unknown result");
    return QStringLiteral("%1 (%2)").arg(name).arg(result);
}

PcpMapResponse::Parsed PcpMapResponse::parse(QByteArrayView datagram)
{
    Parsed parsed;
    const char *p = datagram.data();
    const qsizetype size = datagram.size();
    // A NAT-PMP-only server (RFC 6886 §3.5): version 0, 128 + opcode, result 1 (16 bits),
    // seconds since its epoch.
    if (size >= 8 && p[0] == 0 && (quint8(p[1]) & kResponseBit)
        && qFromBigEndian<quint16>(p + 2) == 1) {
        PcpMapResponse r;
        r.result = UnsupportedVersion;
        r.epoch = qFromBigEndian<quint32>(p + 4);
        parsed.response = r;
        return parsed;
    }
    if (size < kHeaderSize) {
        parsed.error = QStringLiteral("PCP: a %1-byte datagram is shorter than a header").arg(size);
        return parsed;
    }
    if (quint8(p[0]) != PcpMapRequest::kVersion) {
        parsed.error = QStringLiteral("PCP: version %1 is not 2").arg(quint8(p[0]));
        return parsed;
    }
    if (quint8(p[1]) != (kResponseBit | PcpMapRequest::kOpcodeMap)) {
        parsed.error = QStringLiteral("PCP: not a MAP response (opcode byte 0x%1)")
                           .arg(quint8(p[1]), 2, 16, QLatin1Char('0'));
        return parsed;
    }
    PcpMapResponse r;
    r.result = quint8(p[3]);
    r.lifetime = qFromBigEndian<quint32>(p + 4);
    r.epoch = qFromBigEndian<quint32>(p + 8);
    if (size < PcpMapRequest::kSize) {
        // An error answer may omit the opcode data (§7.2); a success may not.
        if (r.result == Success) {
            parsed.error = QStringLiteral("PCP: a successful MAP response of %1 bytes (needs %2)")
                               .arg(size)
                               .arg(PcpMapRequest::kSize);
            return parsed;
        }
        parsed.response = r;
        return parsed;
    }
    const char *map = p + kHeaderSize;
    r.nonce = QByteArray(map, PcpMapRequest::kNonceSize);
    r.protocol = quint8(map[12]);
    r.internalPort = qFromBigEndian<quint16>(map + 16);
    r.external = Endpoint {readAddress(map + 20), qFromBigEndian<quint16>(map + 18)};
    // Options may follow (size > 60); none is needed to use the mapping, so they are not read.
    parsed.response = r;
    return parsed;
}

} // namespace PunchDrop
