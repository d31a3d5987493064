// SPDX-License-Identifier: GPL-3.0-or-later
// The STUN codec against the RFC 5769 test vectors, round trips and a table of malformed input.

#include "net/wire/stunmessage.h"

#include <QRandomGenerator>
#include <QTest>

using namespace PunchDrop;

namespace {

QByteArray hex(const char *text)
{
    return QByteArray::fromHex(QByteArray(text)); // spaces are skipped
}

// RFC 5769 §2.1 sample request: SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY,
// FINGERPRINT.
const char *const kSampleRequest
    = "00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
      "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
      "00 24 00 04 6e 00 01 ff"
      "80 29 00 08 93 2f f9 b1 51 26 3b 36"
      "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
      "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
      "80 28 00 04 e5 7a 3b cf";

// RFC 5769 §2.2 sample IPv4 response: 192.0.2.1 port 32853.
const char *const kSampleIpv4Response
    = "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
      "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
      "00 20 00 08 00 01 a1 47 e1 12 a6 43"
      "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
      "80 28 00 04 c0 7d 4c 96";

// RFC 5769 §2.3 sample IPv6 response: 2001:db8:1234:5678:11:2233:4455:6677 port 32853.
const char *const kSampleIpv6Response
    = "01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
      "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
      "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
      "00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
      "80 28 00 04 c8 fb 0b 4c";

const char *const kRfcTransactionId = "b7 e7 a7 01 bc 34 d6 86 fa 87 df ae";

//! A Binding request header (magic cookie, RFC transaction ID) followed by \a attributes.
QByteArray withHeader(
    const QByteArray &attributes, const char *type = "00 01", const char *cookie = "21 12 a4 42")
{
    QByteArray out = hex(type);
    out.append(char(attributes.size() >> 8));
    out.append(char(attributes.size() & 0xFF));
    out.append(hex(cookie));
    out.append(hex(kRfcTransactionId));
    out.append(attributes);
    return out;
}

//! Appends a correct FINGERPRINT to a message built by withHeader().
QByteArray withFingerprint(QByteArray message)
{
    const int length = int(message.size() - StunMessage::kHeaderSize + 8);
    message[2] = char(length >> 8);
    message[3] = char(length & 0xFF);
    const quint32 crc = StunMessage::crc32(message) ^ StunMessage::kFingerprintXor;
    message.append(hex("80 28 00 04"));
    for (int shift = 24; shift >= 0; shift -= 8)
        message.append(char((crc >> shift) & 0xFF));
    return message;
}

Endpoint ep(const char *address, quint16 port)
{
    return Endpoint {QHostAddress(QLatin1String(address)), port};
}

} // namespace

class TestStunMessage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void crc32CheckValue();
    void rfc5769Responses_data();
    void rfc5769Responses();
    void rfc5769Request();
    void rfc5769CorruptedFingerprint();
    void encodeGoldenBytes_data();
    void encodeGoldenBytes();
    void encodeFingerprintMatchesRfc();
    void roundTrip_data();
    void roundTrip();
    void accepted_data();
    void accepted();
    void malformed_data();
    void malformed();
    void looksLikeStun_data();
    void looksLikeStun();
    void messageType_data();
    void messageType();
    void texts();
    void mutationsNeverCrash();
};

void TestStunMessage::crc32CheckValue()
{
    // The standard CRC-32 check value.
    QCOMPARE(StunMessage::crc32("123456789"), 0xCBF43926u);
    QCOMPARE(StunMessage::crc32(""), 0u);
}

void TestStunMessage::rfc5769Responses_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Endpoint>("mapped");
    QTest::newRow("§2.2 IPv4 response") << hex(kSampleIpv4Response) << ep("192.0.2.1", 32853);
    QTest::newRow("§2.3 IPv6 response")
        << hex(kSampleIpv6Response) << ep("2001:db8:1234:5678:11:2233:4455:6677", 32853);
}

void TestStunMessage::rfc5769Responses()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Endpoint, mapped);
    const auto result = StunMessage::parse(bytes);
    QVERIFY2(result.ok(), qPrintable(result.error));
    const StunMessage &m = result.message;
    QCOMPARE(m.method, StunMessage::kMethodBinding);
    QCOMPARE(m.messageClass, StunMessage::Class::SuccessResponse);
    QVERIFY(m.isBindingResponse());
    QVERIFY(m.hasMagicCookie());
    QCOMPARE(m.transactionId, hex(kRfcTransactionId));
    QCOMPARE(m.software, QStringLiteral("test vector")); // padded with spaces in the vector
    QVERIFY(m.xorMappedAddress.has_value());
    QCOMPARE(*m.xorMappedAddress, mapped);
    QVERIFY(!m.mappedAddress);
    QVERIFY(m.hasMessageIntegrity);
    QVERIFY(m.fingerprint); // present and verified against the published CRC
    QVERIFY(m.unknownRequired.isEmpty());
}

void TestStunMessage::rfc5769Request()
{
    const auto result = StunMessage::parse(hex(kSampleRequest));
    QVERIFY2(result.ok(), qPrintable(result.error));
    const StunMessage &m = result.message;
    QVERIFY(m.isBindingRequest());
    QCOMPARE(m.software, QStringLiteral("STUN test client"));
    QVERIFY(m.fingerprint);
    QVERIFY(m.hasMessageIntegrity);
    // PRIORITY (ICE) is comprehension-required and unknown here; ICE-CONTROLLED is optional.
    QCOMPARE(m.unknownRequired, QList<quint16> {0x0024});
}

void TestStunMessage::rfc5769CorruptedFingerprint()
{
    for (const char *vector : {kSampleRequest, kSampleIpv4Response, kSampleIpv6Response}) {
        QByteArray bytes = hex(vector);
        bytes[30] = char(bytes[30] ^ 0x01); // inside SOFTWARE: only FINGERPRINT can notice
        const auto result = StunMessage::parse(bytes);
        QVERIFY(!result.ok());
        QVERIFY2(result.error.contains(QLatin1String("FINGERPRINT")), qPrintable(result.error));
    }
}

void TestStunMessage::encodeGoldenBytes_data()
{
    QTest::addColumn<Endpoint>("mapped");
    QTest::addColumn<QByteArray>("expected");
    // The RFC 5769 responses without MESSAGE-INTEGRITY and FINGERPRINT, SOFTWARE padded with
    // zeros (the RFC pads with spaces; padding content is free): the XOR-MAPPED-ADDRESS bytes
    // are the RFC's.
    QTest::newRow("§2.2 IPv4") << ep("192.0.2.1", 32853)
                               << hex("01 01 00 1c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
                                      "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 00"
                                      "00 20 00 08 00 01 a1 47 e1 12 a6 43");
    QTest::newRow("§2.3 IPv6")
        << ep("2001:db8:1234:5678:11:2233:4455:6677", 32853)
        << hex("01 01 00 28 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
               "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 00"
               "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9");
    QTest::newRow("IPv4-mapped IPv6 is IPv4")
        << ep("::ffff:192.0.2.1", 32853)
        << hex("01 01 00 1c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
               "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 00"
               "00 20 00 08 00 01 a1 47 e1 12 a6 43");
}

void TestStunMessage::encodeGoldenBytes()
{
    QFETCH(Endpoint, mapped);
    QFETCH(QByteArray, expected);
    StunMessage m;
    m.messageClass = StunMessage::Class::SuccessResponse;
    m.transactionId = hex(kRfcTransactionId);
    m.software = QStringLiteral("test vector");
    m.xorMappedAddress = mapped;
    QCOMPARE(m.encode().toHex(' '), expected.toHex(' '));
}

void TestStunMessage::encodeFingerprintMatchesRfc()
{
    // Our FINGERPRINT over the RFC's bytes before its FINGERPRINT must equal the RFC's.
    for (const char *vector : {kSampleRequest, kSampleIpv4Response, kSampleIpv6Response}) {
        const QByteArray bytes = hex(vector);
        const QByteArray body = bytes.first(bytes.size() - 8);
        QCOMPARE(withFingerprint(body), bytes);
    }
    // And encode() appends one that parse() verifies.
    StunMessage m = StunMessage::bindingRequest();
    m.fingerprint = true;
    const QByteArray bytes = m.encode();
    QCOMPARE(bytes.size(), StunMessage::kHeaderSize + 8);
    QCOMPARE(bytes.mid(StunMessage::kHeaderSize, 4), hex("80 28 00 04"));
    QCOMPARE(withFingerprint(bytes.first(StunMessage::kHeaderSize)), bytes);
    QVERIFY(StunMessage::parse(bytes).message.fingerprint);
}

void TestStunMessage::roundTrip_data()
{
    QTest::addColumn<StunMessage>("message");

    StunMessage request = StunMessage::bindingRequest();
    QTest::newRow("plain binding request") << request;

    StunMessage change = StunMessage::bindingRequest();
    change.changeRequest = StunMessage::kChangePortFlag;
    change.responsePort = 5060;
    change.fingerprint = true;
    QTest::newRow("change-port request with RESPONSE-PORT and fingerprint") << change;

    StunMessage v4 = StunMessage::responseTo(request, StunMessage::Class::SuccessResponse);
    v4.xorMappedAddress = ep("203.0.113.7", 40000);
    v4.responseOrigin = ep("198.51.100.1", 8877);
    v4.otherAddress = ep("198.51.100.1", 8878);
    v4.software = QStringLiteral("PunchDrop 0.1.0");
    v4.fingerprint = true;
    QTest::newRow("success IPv4, all server attributes") << v4;

    StunMessage v6 = v4;
    v6.xorMappedAddress = ep("2001:db8::1", 1);
    v6.responseOrigin = ep("2001:db8::ff", 65535);
    v6.otherAddress = ep("::1", 3478);
    QTest::newRow("success IPv6") << v6;

    StunMessage error = StunMessage::responseTo(request, StunMessage::Class::ErrorResponse);
    error.error = StunMessage::Error {420, QStringLiteral("Unknown Attribute")};
    error.unknownAttributes = {0x0024, 0x0003, 0x7777};
    error.fingerprint = true;
    QTest::newRow("error 420 with three unknown attributes (padded)") << error;

    StunMessage unicode = StunMessage::responseTo(request, StunMessage::Class::ErrorResponse);
    unicode.error = StunMessage::Error {599, QStringLiteral("Ünïcödé ✓")};
    unicode.software = QStringLiteral("Ω");
    QTest::newRow("UTF-8 texts, odd lengths") << unicode;

    StunMessage legacy;
    legacy.messageClass = StunMessage::Class::SuccessResponse;
    legacy.cookie = 0x01020304;
    legacy.transactionId = StunMessage::randomTransactionId();
    legacy.mappedAddress = ep("192.0.2.9", 5000);
    legacy.responseOrigin = ep("192.0.2.1", 3478);
    legacy.otherAddress = ep("192.0.2.1", 3479);
    QTest::newRow("RFC 3489 response (SOURCE-/CHANGED-ADDRESS)") << legacy;

    StunMessage indication;
    indication.messageClass = StunMessage::Class::Indication;
    indication.transactionId = StunMessage::randomTransactionId();
    indication.fingerprint = true;
    QTest::newRow("binding indication") << indication;
}

void TestStunMessage::roundTrip()
{
    QFETCH(StunMessage, message);
    const QByteArray bytes = message.encode();
    QCOMPARE(bytes.size() % 4, 0);
    QVERIFY(StunMessage::looksLikeStun(bytes));
    const auto result = StunMessage::parse(bytes);
    QVERIFY2(result.ok(), qPrintable(result.error));
    const StunMessage &m = result.message;
    QCOMPARE(m.method, message.method);
    QCOMPARE(m.messageClass, message.messageClass);
    QCOMPARE(m.cookie, message.cookie);
    QCOMPARE(m.transactionId, message.transactionId);
    QCOMPARE(m.xorMappedAddress, message.xorMappedAddress);
    QCOMPARE(m.mappedAddress, message.mappedAddress);
    QCOMPARE(m.responseOrigin, message.responseOrigin);
    QCOMPARE(m.otherAddress, message.otherAddress);
    QCOMPARE(m.changeRequest, message.changeRequest);
    QCOMPARE(m.responsePort, message.responsePort);
    QCOMPARE(m.error, message.error);
    QCOMPARE(m.software, message.software);
    QCOMPARE(m.unknownAttributes, message.unknownAttributes);
    QCOMPARE(m.fingerprint, message.fingerprint);
    QVERIFY(!m.hasMessageIntegrity);
    QVERIFY(m.unknownRequired.isEmpty());
    // Encoding the parsed message gives the same bytes again.
    QCOMPARE(m.encode(), bytes);
}

void TestStunMessage::accepted_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("software");
    QTest::addColumn<QList<quint16>>("unknownRequired");

    QTest::newRow("no attributes") << withHeader({}) << QString() << QList<quint16> {};
    QTest::newRow("unknown comprehension-optional attribute skipped")
        << withHeader(hex("80 99 00 03 01 02 03 00 80 22 00 01 41 00 00 00")) << QStringLiteral("A")
        << QList<quint16> {};
    QTest::newRow("unknown comprehension-required attribute listed")
        << withHeader(hex("00 77 00 00 00 24 00 04 00 00 00 01 00 77 00 00")) << QString()
        << QList<quint16> {0x0077, 0x0024};
    QTest::newRow("duplicate SOFTWARE: the first counts")
        << withHeader(hex("80 22 00 01 41 00 00 00 80 22 00 01 42 00 00 00")) << QStringLiteral("A")
        << QList<quint16> {};
    QTest::newRow("attributes after MESSAGE-INTEGRITY ignored")
        << withFingerprint(withHeader(hex("00 08 00 14 00000000 00000000 00000000 00000000 00000000"
                                          "80 22 00 01 41 00 00 00 00 77 00 00")))
        << QString() << QList<quint16> {};
    QTest::newRow("padding bytes are not checked")
        << withHeader(hex("80 22 00 01 41 ff ff ff")) << QStringLiteral("A") << QList<quint16> {};
    QTest::newRow("RFC 3489 request without magic cookie")
        << withHeader({}, "00 01", "de ad be ef") << QString() << QList<quint16> {};
    QTest::newRow("USERNAME and PADDING understood")
        << withHeader(hex("00 06 00 01 75 00 00 00 00 26 00 04 00 00 00 00")) << QString()
        << QList<quint16> {};
}

void TestStunMessage::accepted()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, software);
    QFETCH(QList<quint16>, unknownRequired);
    const auto result = StunMessage::parse(bytes);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.message.software, software);
    QCOMPARE(result.message.unknownRequired, unknownRequired);
}

void TestStunMessage::malformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");

    const QByteArray request = withHeader({});
    QTest::newRow("zero length (empty datagram)") << QByteArray() << u"truncated header"_qs;
    QTest::newRow("truncated header (19 bytes)") << request.first(19) << u"truncated header"_qs;
    QTest::newRow("first two bits set (not STUN)")
        << withHeader({}, "c0 01") << u"first two bits"_qs;
    QTest::newRow("length not a multiple of 4")
        << hex("00 01 00 03 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 00 00 00")
        << u"not a multiple of 4"_qs;
    QTest::newRow("huge length overruns the datagram")
        << hex("00 01 ff fc 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae 00 00 00 00")
        << u"overruns"_qs;
    QTest::newRow("trailing bytes after the message")
        << request + QByteArray(4, '\0') << u"after the end"_qs;
    QTest::newRow("attribute overrunning the message")
        << withHeader(hex("80 22 00 09 41 41 41 41")) << u"SOFTWARE of 9 bytes overruns"_qs;
    QTest::newRow("attribute length 0xffff")
        << withHeader(hex("00 20 ff ff 00 01 00 00")) << u"overruns"_qs;
    QTest::newRow("wrong address family") << withHeader(hex("00 20 00 08 00 03 a1 47 e1 12 a6 43"))
                                          << u"unknown address family 0x03"_qs;
    QTest::newRow("IPv4 address of 12 bytes")
        << withHeader(hex("00 20 00 0c 00 01 a1 47 e1 12 a6 43 00 00 00 00")) << u"not 8"_qs;
    QTest::newRow("IPv6 address of 8 bytes")
        << withHeader(hex("00 20 00 08 00 02 a1 47 e1 12 a6 43")) << u"not 20"_qs;
    QTest::newRow("address value too short")
        << withHeader(hex("00 01 00 02 00 01 00 00")) << u"too short"_qs;
    QTest::newRow("XOR-MAPPED-ADDRESS without the magic cookie")
        << withHeader(hex("00 20 00 08 00 01 a1 47 e1 12 a6 43"), "01 01", "de ad be ef")
        << u"without the magic cookie"_qs;
    QTest::newRow("bad FINGERPRINT")
        << withHeader(hex("80 28 00 04 12 34 56 78")) << u"bad FINGERPRINT"_qs;
    QTest::newRow("FINGERPRINT of 8 bytes")
        << withHeader(hex("80 28 00 08 12 34 56 78 12 34 56 78")) << u"not 4"_qs;
    QTest::newRow("FINGERPRINT without the magic cookie")
        << withHeader(hex("80 28 00 04 12 34 56 78"), "00 01", "de ad be ef")
        << u"FINGERPRINT in a message without"_qs;
    {
        // A correct FINGERPRINT (its CRC taken with the final length) followed by one more
        // attribute.
        QByteArray m = withHeader({});
        m[3] = char(12);
        const quint32 crc = StunMessage::crc32(m) ^ StunMessage::kFingerprintXor;
        m.append(hex("80 28 00 04"));
        for (int shift = 24; shift >= 0; shift -= 8)
            m.append(char((crc >> shift) & 0xFF));
        m.append(hex("80 22 00 00"));
        QTest::newRow("attribute after FINGERPRINT") << m << u"after FINGERPRINT"_qs;
    }
    QTest::newRow("CHANGE-REQUEST of 2 bytes")
        << withHeader(hex("00 03 00 02 00 06 00 00")) << u"CHANGE-REQUEST has 2 bytes"_qs;
    QTest::newRow("RESPONSE-PORT of 2 bytes")
        << withHeader(hex("00 27 00 02 13 c4 00 00")) << u"RESPONSE-PORT has 2 bytes"_qs;
    QTest::newRow("ERROR-CODE shorter than 4")
        << withHeader(hex("00 09 00 02 00 00 00 00"), "01 11") << u"fewer than 4"_qs;
    QTest::newRow("ERROR-CODE class 7")
        << withHeader(hex("00 09 00 04 00 00 07 00"), "01 11") << u"out of range"_qs;
    QTest::newRow("ERROR-CODE number 100")
        << withHeader(hex("00 09 00 04 00 00 04 64"), "01 11") << u"out of range"_qs;
    QTest::newRow("MESSAGE-INTEGRITY of 4 bytes")
        << withHeader(hex("00 08 00 04 00 00 00 00")) << u"not 20"_qs;
    QTest::newRow("MESSAGE-INTEGRITY-SHA256 of 8 bytes")
        << withHeader(hex("00 1c 00 08 00 00 00 00 00 00 00 00")) << u"SHA256 has 8"_qs;
    QTest::newRow("UNKNOWN-ATTRIBUTES of odd length")
        << withHeader(hex("00 0a 00 03 00 01 02 00"), "01 11") << u"odd length"_qs;
    QByteArray longSoftware = hex("80 22 02 fc") + QByteArray(0x2fc, 'x');
    QTest::newRow("SOFTWARE of 764 bytes") << withHeader(longSoftware) << u"764 bytes"_qs;
}

void TestStunMessage::malformed()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    const auto result = StunMessage::parse(bytes);
    QCOMPARE(result.status, StunMessage::ParseStatus::Malformed);
    QVERIFY2(result.error.contains(reason), qPrintable(result.error));
}

void TestStunMessage::looksLikeStun_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("expected");
    QTest::newRow("RFC sample") << hex(kSampleIpv4Response) << true;
    QTest::newRow("header only") << withHeader({}) << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("text") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << false;
    QTest::newRow("length mismatch") << withHeader({}) + QByteArray(4, '\0') << false;
}

void TestStunMessage::looksLikeStun()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, expected);
    QCOMPARE(StunMessage::looksLikeStun(bytes), expected);
}

void TestStunMessage::messageType_data()
{
    QTest::addColumn<QByteArray>("typeBytes");
    QTest::addColumn<int>("method");
    QTest::addColumn<StunMessage::Class>("cls");
    QTest::newRow("binding request 0x0001") << hex("00 01") << 1 << StunMessage::Class::Request;
    QTest::newRow("binding indication 0x0011")
        << hex("00 11") << 1 << StunMessage::Class::Indication;
    QTest::newRow("binding success 0x0101")
        << hex("01 01") << 1 << StunMessage::Class::SuccessResponse;
    QTest::newRow("binding error 0x0111") << hex("01 11") << 1 << StunMessage::Class::ErrorResponse;
    QTest::newRow("allocate request 0x0003") << hex("00 03") << 3 << StunMessage::Class::Request;
    QTest::newRow("method 0xfff error 0x3fff")
        << hex("3f ff") << 0xfff << StunMessage::Class::ErrorResponse;
}

void TestStunMessage::messageType()
{
    QFETCH(QByteArray, typeBytes);
    QFETCH(int, method);
    QFETCH(StunMessage::Class, cls);
    QByteArray bytes = withHeader({});
    bytes.replace(0, 2, typeBytes);
    const auto result = StunMessage::parse(bytes);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(int(result.message.method), method);
    QCOMPARE(result.message.messageClass, cls);
    QCOMPARE(result.message.encode().first(2), typeBytes);
}

void TestStunMessage::texts()
{
    // Over-long texts are cut to 763 bytes at a character boundary, so the result parses.
    StunMessage m = StunMessage::bindingRequest();
    m.software = QString(400, QChar(0x00E9)); // 'é': 2 bytes each, 800 in all
    const auto result = StunMessage::parse(m.encode());
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.message.software, QString(381, QChar(0x00E9)));
    QCOMPARE(StunMessage::attributeName(0x8028), u"FINGERPRINT"_qs);
    QCOMPARE(StunMessage::attributeName(0x1234), u"0x1234"_qs);
    QCOMPARE(StunMessage::randomTransactionId().size(), StunMessage::kTransactionIdSize);
    QVERIFY(StunMessage::randomTransactionId() != StunMessage::randomTransactionId());
}

void TestStunMessage::mutationsNeverCrash()
{
    // A deterministic mini-fuzzer over the RFC vectors: every prefix, and random byte flips,
    // length-field rewrites and truncations. parse() must return, and whatever it accepts must
    // re-encode into something it accepts again.
    QRandomGenerator rng(5769);
    const QByteArray seeds[]
        = {hex(kSampleRequest), hex(kSampleIpv4Response), hex(kSampleIpv6Response), withHeader({})};
    int accepted = 0;
    int rejected = 0;
    auto check = [&](const QByteArray &input) {
        const auto result = StunMessage::parse(input);
        if (result.ok()) {
            ++accepted;
            const auto again = StunMessage::parse(result.message.encode());
            return again.ok();
        }
        ++rejected;
        return !result.error.isEmpty();
    };
    for (const QByteArray &seed : seeds) {
        for (qsizetype n = 0; n <= seed.size(); ++n)
            QVERIFY(check(seed.first(n)));
        for (int i = 0; i < 5000; ++i) {
            QByteArray input = seed;
            const int flips = 1 + int(rng.bounded(4));
            for (int f = 0; f < flips; ++f)
                input[rng.bounded(int(input.size()))] = char(rng.bounded(256));
            if (rng.bounded(4) == 0)
                input.truncate(rng.bounded(int(input.size()) + 1));
            if (rng.bounded(4) == 0 && input.size() >= 4) { // keep the length consistent
                const int length = int(input.size()) - 20;
                input[2] = char((length >> 8) & 0xFF);
                input[3] = char(length & 0xFF);
            }
            QVERIFY2(check(input), input.toHex(' ').constData());
        }
    }
    QVERIFY(accepted > 0);
    QVERIFY(rejected > 0);
}

QTEST_GUILESS_MAIN(TestStunMessage)
#include "tst_stunmessage.moc"
