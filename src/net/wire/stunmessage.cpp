// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/stunmessage.h"

#include <QRandomGenerator>

#include <array>

namespace PunchDrop {

namespace {

constexpr quint8 kFamilyIpv4 = 0x01;
constexpr quint8 kFamilyIpv6 = 0x02;

constexpr std::array<quint32, 256> makeCrcTable()
{
    std::array<quint32, 256> table {};
    for (quint32 i = 0; i < 256; ++i) {
        quint32 c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
        table[i] = c;
    }
    return table;
}
constexpr std::array<quint32, 256> kCrcTable = makeCrcTable();

quint16 readU16(QByteArrayView d, qsizetype at)
{
    return quint16((quint8(d[at]) << 8) | quint8(d[at + 1]));
}

quint32 readU32(QByteArrayView d, qsizetype at)
{
    return (quint32(quint8(d[at])) << 24) | (quint32(quint8(d[at + 1])) << 16)
        | (quint32(quint8(d[at + 2])) << 8) | quint32(quint8(d[at + 3]));
}

void appendU16(QByteArray &out, quint16 v)
{
    out.append(char(v >> 8));
    out.append(char(v & 0xFF));
}

void appendU32(QByteArray &out, quint32 v)
{
    appendU16(out, quint16(v >> 16));
    appendU16(out, quint16(v & 0xFFFF));
}

void writeU16At(QByteArray &out, qsizetype at, quint16 v)
{
    out[at] = char(v >> 8);
    out[at + 1] = char(v & 0xFF);
}

QString hex16(quint16 v)
{
    return QStringLiteral("0x%1").arg(v, 4, 16, QLatin1Char('0'));
}

//! The 16 bytes an IPv6 X-Address is XORed with: magic cookie followed by the transaction ID.
std::array<quint8, 16> xorPad(quint32 cookie, const QByteArray &transactionId)
{
    std::array<quint8, 16> pad {};
    pad[0] = quint8(cookie >> 24);
    pad[1] = quint8(cookie >> 16);
    pad[2] = quint8(cookie >> 8);
    pad[3] = quint8(cookie);
    for (int i = 0; i < 12 && i < transactionId.size(); ++i)
        pad[4 + i] = quint8(transactionId[i]);
    return pad;
}

/*!
 * Decodes a (XOR-)MAPPED-ADDRESS style value: 0x00, family, port, address.
 * \a pad is null for plain addresses.
 */
std::optional<Endpoint> decodeAddress(
    QByteArrayView value, const std::array<quint8, 16> *pad, QString *error)
{
    if (value.size() < 4) {
        *error = QStringLiteral("address value of %1 bytes is too short").arg(value.size());
        return std::nullopt;
    }
    const quint8 family = quint8(value[1]);
    quint16 port = readU16(value, 2);
    if (pad)
        port ^= quint16((quint16((*pad)[0]) << 8) | (*pad)[1]);
    Endpoint endpoint;
    endpoint.port = port;
    if (family == kFamilyIpv4) {
        if (value.size() != 8) {
            *error = QStringLiteral("IPv4 address value has %1 bytes, not 8").arg(value.size());
            return std::nullopt;
        }
        quint32 ip = readU32(value, 4);
        if (pad)
            ip ^= (quint32((*pad)[0]) << 24) | (quint32((*pad)[1]) << 16)
                | (quint32((*pad)[2]) << 8) | quint32((*pad)[3]);
        endpoint.address = QHostAddress(ip);
    } else if (family == kFamilyIpv6) {
        if (value.size() != 20) {
            *error = QStringLiteral("IPv6 address value has %1 bytes, not 20").arg(value.size());
            return std::nullopt;
        }
        Q_IPV6ADDR raw;
        for (int i = 0; i < 16; ++i)
            raw[i] = quint8(quint8(value[4 + i]) ^ (pad ? (*pad)[i] : 0));
        endpoint.address = QHostAddress(raw);
    } else {
        *error = QStringLiteral("unknown address family 0x%1").arg(family, 2, 16, QLatin1Char('0'));
        return std::nullopt;
    }
    return endpoint;
}

void appendAttributeHeader(QByteArray &out, quint16 type, qsizetype length)
{
    appendU16(out, type);
    appendU16(out, quint16(length));
}

void appendPadding(QByteArray &out)
{
    while (out.size() % 4)
        out.append('\0');
}

void appendAddress(
    QByteArray &out, quint16 type, const Endpoint &endpoint, const std::array<quint8, 16> *pad)
{
    bool isV4 = endpoint.address.protocol() != QAbstractSocket::IPv6Protocol;
    quint32 ip4 = 0;
    if (isV4) {
        ip4 = endpoint.address.toIPv4Address();
    } else {
        // An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4 peer) is IPv4.
        bool mapped = false;
        const quint32 v4 = endpoint.address.toIPv4Address(&mapped);
        if (mapped) {
            isV4 = true;
            ip4 = v4;
        }
    }
    quint16 port = endpoint.port;
    if (pad)
        port ^= quint16((quint16((*pad)[0]) << 8) | (*pad)[1]);
    appendAttributeHeader(out, type, isV4 ? 8 : 20);
    out.append('\0');
    out.append(char(isV4 ? kFamilyIpv4 : kFamilyIpv6));
    appendU16(out, port);
    if (isV4) {
        if (pad)
            ip4 ^= (quint32((*pad)[0]) << 24) | (quint32((*pad)[1]) << 16)
                | (quint32((*pad)[2]) << 8) | quint32((*pad)[3]);
        appendU32(out, ip4);
    } else {
        const Q_IPV6ADDR raw = endpoint.address.toIPv6Address();
        for (int i = 0; i < 16; ++i)
            out.append(char(raw[i] ^ (pad ? (*pad)[i] : 0)));
    }
}

QByteArray limitedUtf8(const QString &text)
{
    QByteArray utf8 = text.toUtf8();
    if (utf8.size() <= StunMessage::kMaxTextBytes)
        return utf8;
    qsizetype cut = StunMessage::kMaxTextBytes;
    while (cut > 0 && (quint8(utf8[cut]) & 0xC0) == 0x80)
        --cut; // do not split a multi-byte character
    utf8.truncate(cut);
    return utf8;
}

quint16 encodeType(quint16 method, StunMessage::Class cls)
{
    const auto c = quint16(cls);
    return quint16((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
        | ((c & 0x1) << 4) | ((c & 0x2) << 7));
}

StunMessage::ParseResult malformed(QString error)
{
    StunMessage::ParseResult result;
    result.status = StunMessage::ParseStatus::Malformed;
    result.error = std::move(error);
    return result;
}

} // namespace

quint32 StunMessage::crc32(QByteArrayView data)
{
    quint32 crc = 0xFFFFFFFFu;
    for (const char ch : data)
        crc = kCrcTable[(crc ^ quint8(ch)) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

QByteArray StunMessage::randomTransactionId()
{
    std::array<quint32, 3> words {};
    QRandomGenerator::system()->fillRange(words.data(), qsizetype(words.size()));
    QByteArray id;
    id.reserve(kTransactionIdSize);
    for (const quint32 w : words)
        appendU32(id, w);
    return id;
}

StunMessage StunMessage::bindingRequest()
{
    StunMessage m;
    m.method = kMethodBinding;
    m.messageClass = Class::Request;
    m.transactionId = randomTransactionId();
    return m;
}

StunMessage StunMessage::responseTo(const StunMessage &request, Class responseClass)
{
    StunMessage m;
    m.method = request.method;
    m.messageClass = responseClass;
    m.cookie = request.cookie;
    m.transactionId = request.transactionId;
    return m;
}

bool StunMessage::looksLikeStun(QByteArrayView data)
{
    if (data.size() < kHeaderSize || (quint8(data[0]) & 0xC0) != 0)
        return false;
    const quint16 length = readU16(data, 2);
    return length % 4 == 0 && kHeaderSize + length == data.size();
}

namespace {

using XorPad = std::array<quint8, 16>;

//! What is wrong with the 20-byte header and the length field of \a data; empty when \a data
//! is one whole message.
QString headerDefect(QByteArrayView data)
{
    if (data.size() < StunMessage::kHeaderSize)
        return QStringLiteral("truncated header: %1 of %2 bytes")
            .arg(data.size())
            .arg(StunMessage::kHeaderSize);
    if ((quint8(data[0]) & 0xC0) != 0)
        return QStringLiteral("the first two bits are not zero (not a STUN message)");
    const quint16 length = readU16(data, 2);
    if (length % 4 != 0)
        return QStringLiteral("message length %1 is not a multiple of 4").arg(length);
    if (StunMessage::kHeaderSize + length > data.size())
        return QStringLiteral("message length %1 overruns the %2 bytes received")
            .arg(length)
            .arg(data.size() - StunMessage::kHeaderSize);
    if (StunMessage::kHeaderSize + length < data.size())
        return QStringLiteral("%1 bytes after the end of the message")
            .arg(data.size() - StunMessage::kHeaderSize - length);
    return {};
}

void readHeader(QByteArrayView data, StunMessage &m)
{
    const quint16 type = readU16(data, 0);
    m.method = quint16((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
    m.messageClass = StunMessage::Class(((type & 0x0010) >> 4) | ((type & 0x0100) >> 7));
    m.cookie = readU32(data, 4);
    m.transactionId = data.sliced(8, StunMessage::kTransactionIdSize).toByteArray();
}

//! FINGERPRINT at \a offset with \a value: empty when it is the CRC-32 of everything before it.
QString fingerprintDefect(
    QByteArrayView data, qsizetype offset, QByteArrayView value, const StunMessage &m)
{
    if (value.size() != 4)
        return QStringLiteral("FINGERPRINT has %1 bytes, not 4").arg(value.size());
    if (!m.hasMagicCookie())
        return QStringLiteral("FINGERPRINT in a message without the magic cookie");
    const quint32 expected = StunMessage::crc32(data.first(offset)) ^ StunMessage::kFingerprintXor;
    const quint32 got = readU32(value, 0);
    if (got != expected)
        return QStringLiteral("bad FINGERPRINT 0x%1, expected 0x%2")
            .arg(got, 8, 16, QLatin1Char('0'))
            .arg(expected, 8, 16, QLatin1Char('0'));
    return {};
}

// The decoders of single attribute values: each stores what it read in the message and returns
// an empty text, or says what is wrong with the value.

QString readPlainAddress(StunMessage &m, quint16 type, QByteArrayView value)
{
    QString error;
    const auto endpoint = decodeAddress(value, nullptr, &error);
    if (!endpoint)
        return StunMessage::attributeName(type) + QStringLiteral(": ") + error;
    if (type == StunMessage::MappedAddress)
        m.mappedAddress = endpoint;
    else if (type == StunMessage::ResponseOrigin
        || (type == StunMessage::SourceAddress && !m.responseOrigin))
        m.responseOrigin = endpoint;
    else if (type == StunMessage::OtherAddress
        || (type == StunMessage::ChangedAddress && !m.otherAddress))
        m.otherAddress = endpoint;
    return {};
}

QString readXorMappedAddress(StunMessage &m, QByteArrayView value, const XorPad &pad)
{
    if (!m.hasMagicCookie())
        return QStringLiteral("XOR-MAPPED-ADDRESS in a message without the magic cookie");
    QString error;
    const auto endpoint = decodeAddress(value, &pad, &error);
    if (!endpoint)
        return StunMessage::attributeName(StunMessage::XorMappedAddress) + QStringLiteral(": ")
            + error;
    m.xorMappedAddress = endpoint;
    return {};
}

QString readErrorCode(StunMessage &m, QByteArrayView value)
{
    if (value.size() < 4)
        return QStringLiteral("ERROR-CODE has %1 bytes, fewer than 4").arg(value.size());
    if (value.size() - 4 > StunMessage::kMaxTextBytes)
        return QStringLiteral("ERROR-CODE reason phrase is too long");
    const int errorClass = quint8(value[2]) & 0x07;
    const int number = quint8(value[3]);
    if (errorClass < 3 || errorClass > 6 || number > 99)
        return QStringLiteral("ERROR-CODE class %1 number %2 is out of range")
            .arg(errorClass)
            .arg(number);
    m.error = StunMessage::Error {errorClass * 100 + number, QString::fromUtf8(value.sliced(4))};
    return {};
}

QString readSmallAttribute(StunMessage &m, quint16 type, QByteArrayView value)
{
    const qsizetype length = value.size();
    switch (type) {
    case StunMessage::ChangeRequest:
        if (length != 4)
            return QStringLiteral("CHANGE-REQUEST has %1 bytes, not 4").arg(length);
        m.changeRequest = readU32(value, 0);
        break;
    case StunMessage::ResponsePort:
        if (length != 4)
            return QStringLiteral("RESPONSE-PORT has %1 bytes, not 4").arg(length);
        m.responsePort = readU16(value, 0);
        break;
    case StunMessage::Software:
        if (length > StunMessage::kMaxTextBytes)
            return QStringLiteral("SOFTWARE is %1 bytes long").arg(length);
        m.software = QString::fromUtf8(value);
        break;
    case StunMessage::UnknownAttributes:
        if (length % 2 != 0)
            return QStringLiteral("UNKNOWN-ATTRIBUTES has an odd length %1").arg(length);
        for (qsizetype i = 0; i < length; i += 2)
            m.unknownAttributes.append(readU16(value, i));
        break;
    default:
        break;
    }
    return {};
}

//! MESSAGE-INTEGRITY(-SHA256): recognised, not verified (discovery is unauthenticated).
QString readIntegrity(StunMessage &m, quint16 type, QByteArrayView value)
{
    const qsizetype length = value.size();
    if (type == StunMessage::MessageIntegrity && length != 20)
        return QStringLiteral("MESSAGE-INTEGRITY has %1 bytes, not 20").arg(length);
    if (type == StunMessage::MessageIntegritySha256
        && (length < 16 || length > 32 || length % 4 != 0))
        return QStringLiteral("MESSAGE-INTEGRITY-SHA256 has %1 bytes").arg(length);
    m.hasMessageIntegrity = true;
    return {};
}

//! One attribute other than FINGERPRINT, seen for the first time and before any integrity.
QString readAttribute(StunMessage &m, quint16 type, QByteArrayView value, const XorPad &pad)
{
    switch (type) {
    case StunMessage::MappedAddress:
    case StunMessage::SourceAddress:
    case StunMessage::ChangedAddress:
    case StunMessage::ResponseOrigin:
    case StunMessage::OtherAddress:
        return readPlainAddress(m, type, value);
    case StunMessage::XorMappedAddress:
        return readXorMappedAddress(m, value, pad);
    case StunMessage::ErrorCode:
        return readErrorCode(m, value);
    case StunMessage::ChangeRequest:
    case StunMessage::ResponsePort:
    case StunMessage::Software:
    case StunMessage::UnknownAttributes:
        return readSmallAttribute(m, type, value);
    case StunMessage::MessageIntegrity:
    case StunMessage::MessageIntegritySha256:
        return readIntegrity(m, type, value);
    case StunMessage::Username: // understood and ignored: discovery is unauthenticated
    case StunMessage::Padding: // RFC 5780: meaningless content
        return {};
    default:
        if (type < 0x8000 && !m.unknownRequired.contains(type))
            m.unknownRequired.append(type);
        return {}; // comprehension-optional: skip
    }
}

} // namespace

StunMessage::ParseResult StunMessage::parse(QByteArrayView data)
{
    if (const QString defect = headerDefect(data); !defect.isEmpty())
        return malformed(defect);
    ParseResult result;
    StunMessage &m = result.message;
    readHeader(data, m);
    const XorPad pad = xorPad(m.cookie, m.transactionId);

    const qsizetype end = kHeaderSize + readU16(data, 2);
    qsizetype offset = kHeaderSize;
    bool afterIntegrity = false;
    QList<quint16> seen;
    while (offset < end) {
        // offset and end are multiples of 4 here, so a whole attribute header is present.
        const quint16 attrType = readU16(data, offset);
        const quint16 attrLength = readU16(data, offset + 2);
        if (offset + 4 + attrLength > end)
            return malformed(QStringLiteral("attribute %1 of %2 bytes overruns the message")
                                 .arg(attributeName(attrType))
                                 .arg(attrLength));
        if (m.fingerprint)
            return malformed(
                QStringLiteral("attribute %1 after FINGERPRINT").arg(attributeName(attrType)));
        const QByteArrayView value = data.sliced(offset + 4, attrLength);
        // ... and the padded value fits whenever the value does.
        const qsizetype next = offset + 4 + ((attrLength + 3) & ~3);
        if (attrType == Fingerprint) {
            if (const QString defect = fingerprintDefect(data, offset, value, m); !defect.isEmpty())
                return malformed(defect);
            m.fingerprint = true;
        } else if (!afterIntegrity && !seen.contains(attrType)) {
            // RFC 8489 §14: only the first occurrence counts; §14.5: ignore what follows
            // MESSAGE-INTEGRITY (except FINGERPRINT, handled above).
            if (const QString defect = readAttribute(m, attrType, value, pad); !defect.isEmpty())
                return malformed(defect);
            afterIntegrity = m.hasMessageIntegrity;
        }
        if (attrType != Fingerprint)
            seen.append(attrType);
        offset = next;
    }
    result.status = ParseStatus::Ok;
    return result;
}

QByteArray StunMessage::encode() const
{
    QByteArray out;
    out.reserve(128);
    appendU16(out, encodeType(method, messageClass));
    appendU16(out, 0); // length, patched below
    appendU32(out, cookie);
    if (transactionId.size() == kTransactionIdSize)
        out.append(transactionId);
    else
        out.append(QByteArray(kTransactionIdSize, '\0'));
    const auto pad = xorPad(cookie, out.mid(8, kTransactionIdSize));

    if (!software.isEmpty()) {
        const QByteArray text = limitedUtf8(software);
        appendAttributeHeader(out, Software, text.size());
        out.append(text);
        appendPadding(out);
    }
    if (xorMappedAddress)
        appendAddress(out, XorMappedAddress, *xorMappedAddress, &pad);
    if (mappedAddress)
        appendAddress(out, MappedAddress, *mappedAddress, nullptr);
    // RFC 3489 clients know these two by their old names.
    if (responseOrigin)
        appendAddress(
            out, hasMagicCookie() ? ResponseOrigin : SourceAddress, *responseOrigin, nullptr);
    if (otherAddress)
        appendAddress(
            out, hasMagicCookie() ? OtherAddress : ChangedAddress, *otherAddress, nullptr);
    if (changeRequest) {
        appendAttributeHeader(out, ChangeRequest, 4);
        appendU32(out, *changeRequest);
    }
    if (responsePort) {
        appendAttributeHeader(out, ResponsePort, 4);
        appendU16(out, *responsePort);
        appendU16(out, 0);
    }
    if (error) {
        const QByteArray reason = limitedUtf8(error->reason);
        const int code = qBound(300, error->code, 699);
        appendAttributeHeader(out, ErrorCode, 4 + reason.size());
        appendU16(out, 0);
        out.append(char(code / 100));
        out.append(char(code % 100));
        out.append(reason);
        appendPadding(out);
    }
    if (!unknownAttributes.isEmpty()) {
        appendAttributeHeader(out, UnknownAttributes, unknownAttributes.size() * 2);
        for (const quint16 t : unknownAttributes)
            appendU16(out, t);
        appendPadding(out);
    }
    if (fingerprint) {
        // The length field must already count the FINGERPRINT attribute when the CRC is taken.
        writeU16At(out, 2, quint16(out.size() + 8 - kHeaderSize));
        const quint32 crc = crc32(out) ^ kFingerprintXor;
        appendAttributeHeader(out, Fingerprint, 4);
        appendU32(out, crc);
    }
    writeU16At(out, 2, quint16(out.size() - kHeaderSize));
    return out;
}

QString StunMessage::attributeName(quint16 type)
{
    switch (type) {
    case MappedAddress:
        return QStringLiteral("MAPPED-ADDRESS");
    case ChangeRequest:
        return QStringLiteral("CHANGE-REQUEST");
    case SourceAddress:
        return QStringLiteral("SOURCE-ADDRESS");
    case ChangedAddress:
        return QStringLiteral("CHANGED-ADDRESS");
    case Username:
        return QStringLiteral("USERNAME");
    case MessageIntegrity:
        return QStringLiteral("MESSAGE-INTEGRITY");
    case ErrorCode:
        return QStringLiteral("ERROR-CODE");
    case UnknownAttributes:
        return QStringLiteral("UNKNOWN-ATTRIBUTES");
    case MessageIntegritySha256:
        return QStringLiteral("MESSAGE-INTEGRITY-SHA256");
    case XorMappedAddress:
        return QStringLiteral("XOR-MAPPED-ADDRESS");
    case Padding:
        return QStringLiteral("PADDING");
    case ResponsePort:
        return QStringLiteral("RESPONSE-PORT");
    case Software:
        return QStringLiteral("SOFTWARE");
    case Fingerprint:
        return QStringLiteral("FINGERPRINT");
    case ResponseOrigin:
        return QStringLiteral("RESPONSE-ORIGIN");
    case OtherAddress:
        return QStringLiteral("OTHER-ADDRESS");
    }
    return hex16(type);
}

} // namespace PunchDrop
