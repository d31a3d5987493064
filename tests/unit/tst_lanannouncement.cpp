// SPDX-License-Identifier: GPL-3.0-or-later
// The LAN announcement codec: golden bytes, round trips, malformed input, forged signatures, and
// the numbers the protocol document quotes (datagram size, verification cost).

#include "net/security/deviceidentity.h"
#include "net/security/lanannouncementcrypto.h"
#include "net/wire/displaytext.h"
#include "support/testhelpers.h"

#include <QTest>

#include <ctime>
#include <optional>

using namespace PunchDrop;

namespace {

const DeviceIdentity &identityA()
{
    static const DeviceIdentity identity = [] {
        QString error;
        auto id = DeviceIdentity::generateEphemeral(&error);
        if (!id)
            qFatal("cannot create an identity: %s", qPrintable(error));
        return *id;
    }();
    return identity;
}

const DeviceIdentity &identityB()
{
    static const DeviceIdentity identity = [] {
        QString error;
        auto id = DeviceIdentity::generateEphemeral(&error);
        if (!id)
            qFatal("cannot create an identity: %s", qPrintable(error));
        return *id;
    }();
    return identity;
}

LanAnnouncement::Fields sampleFields()
{
    LanAnnouncement::Fields f;
    f.type = LanAnnouncement::Type::Announce;
    f.transferPort = 45123;
    f.sequence = 1'763'700'000'000ULL;
    f.certificateDer = identityA().certificate().toDer();
    f.displayName = QStringLiteral("alice-laptop");
    return f;
}

QByteArray validDatagram()
{
    return LanAnnouncementCrypto::encode(sampleFields(), identityA());
}

//! Offset of the name length byte in a datagram made from sampleFields().
qsizetype nameLengthOffset()
{
    return LanAnnouncement::kHeaderSize + sampleFields().certificateDer.size();
}

QByteArray withByte(QByteArray data, qsizetype offset, char value)
{
    data[offset] = value;
    return data;
}

//! CPU time of this process in microseconds: unlike wall time, it does not grow when other
//! processes share the CPU, so the bound below does not turn flaky on a busy CI machine.
double cpuMicroseconds()
{
    return double(std::clock()) * 1e6 / CLOCKS_PER_SEC;
}

} // namespace

class TestLanAnnouncement : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void goldenBytes();
    void extensions_data();
    void extensions();
    void version2IsRead();
    void roundTrip_data();
    void roundTrip();
    void cleanName_data();
    void cleanName();
    void malformed_data();
    void malformed();
    void forged_data();
    void forged();
    void datagramSize();
    void verificationCost();
};

void TestLanAnnouncement::goldenBytes()
{
    LanAnnouncement::Fields f;
    f.type = LanAnnouncement::Type::Announce;
    f.transferPort = 0x1234;
    f.sequence = 0x0102030405060708ULL;
    f.certificateDer = QByteArray::fromHex("3003020105");
    f.displayName = QStringLiteral("Bé");
    const QByteArray body = LanAnnouncement::encodeUnsigned(f);
    QCOMPARE(body.toHex(' '),
        QByteArray("50 44 4c 41 03 01 12 34 01 02 03 04 05 06 07 08 00 05 30 03 02 01 05 03 42 "
                   "c3 a9 00"));
    const QByteArray datagram = LanAnnouncement::assemble(body, QByteArray::fromHex("aabb"));
    QCOMPARE(datagram, body + QByteArray::fromHex("02aabb"));

    const auto parsed = LanAnnouncement::parse(datagram);
    QCOMPARE(parsed.status, LanAnnouncement::Status::Ok);
    QVERIFY(parsed.fields == f);
    QCOMPARE(parsed.signedBytes, body);
    QCOMPARE(parsed.signature, QByteArray::fromHex("aabb"));

    f.type = LanAnnouncement::Type::Goodbye;
    QCOMPARE(LanAnnouncement::encodeUnsigned(f).at(5), '\x02');

    // The device description: kind (tag 1) then OS (tag 2), each a token; unknown parts absent.
    f.type = LanAnnouncement::Type::Announce;
    f.device = {DeviceKind::Laptop, DeviceOs::Linux};
    const QByteArray described = LanAnnouncement::encodeUnsigned(f);
    QCOMPARE(described.mid(27).toHex(' '),
        QByteArray("0f 01 06 6c 61 70 74 6f 70 02 05 6c 69 6e 75 78"));
    QVERIFY(LanAnnouncement::parse(LanAnnouncement::assemble(described, "\xaa")).fields == f);
    f.device = {DeviceKind::Unknown, DeviceOs::Macos};
    QCOMPARE(LanAnnouncement::encodeUnsigned(f).mid(27).toHex(' '),
        QByteArray("07 02 05 6d 61 63 6f 73"));
}

namespace {
//! sampleFields()' datagram with \a block as its extensions (the length byte is \a length,
//! or the block's size when -1), signed by identity A.
QByteArray withExtensions(const QByteArray &block, int length = -1)
{
    QByteArray body = LanAnnouncement::encodeUnsigned(sampleFields());
    body.chop(1); // sampleFields() has no extensions: its block is the single length byte 0
    body.append(char(quint8(length < 0 ? block.size() : length)));
    body.append(block);
    return LanAnnouncement::assemble(body, identityA().sign(body));
}
} // namespace

void TestLanAnnouncement::extensions_data()
{
    QTest::addColumn<QByteArray>("datagram");
    QTest::addColumn<QString>("error"); // empty: parses
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("os");
    const int unknownKind = int(DeviceKind::Unknown);
    const int unknownOs = int(DeviceOs::Unknown);
    const QByteArray laptop = QByteArray::fromHex("0106") + "laptop";
    const QByteArray windows = QByteArray::fromHex("0207") + "windows";

    QTest::newRow("none") << withExtensions({}) << QString() << unknownKind << unknownOs;
    QTest::newRow("kind and os") << withExtensions(laptop + windows) << QString()
                                 << int(DeviceKind::Laptop) << int(DeviceOs::Windows);
    QTest::newRow("os before kind") << withExtensions(windows + laptop) << QString()
                                    << int(DeviceKind::Laptop) << int(DeviceOs::Windows);
    // A newer sender's extension is skipped, before and after the known ones.
    QTest::newRow("unknown tags skipped")
        << withExtensions(QByteArray::fromHex("0903aabbcc") + laptop + QByteArray::fromHex("ff00"))
        << QString() << int(DeviceKind::Laptop) << unknownOs;
    QTest::newRow("unknown token") << withExtensions(QByteArray::fromHex("0105") + "phone")
                                   << QString() << unknownKind << unknownOs;
    QTest::newRow("token longer than 16")
        << withExtensions(QByteArray::fromHex("0111") + QByteArray(17, 'l')) << QString()
        << unknownKind << unknownOs;
    QTest::newRow("token not ASCII") << withExtensions(QByteArray::fromHex("0203ffe2ae"))
                                     << QString() << unknownKind << unknownOs;
    QTest::newRow("empty token") << withExtensions(QByteArray::fromHex("0100")) << QString()
                                 << unknownKind << unknownOs;
    QTest::newRow("kind twice") << withExtensions(laptop + laptop)
                                << QStringLiteral("extension 1 repeated") << 0 << 0;
    QTest::newRow("os twice, second unknown")
        << withExtensions(windows + QByteArray::fromHex("0201") + "x")
        << QStringLiteral("extension 2 repeated") << 0 << 0;
    QTest::newRow("entry cut after its tag") << withExtensions(laptop + QByteArray::fromHex("02"))
                                             << QStringLiteral("truncated extension") << 0 << 0;
    QTest::newRow("entry longer than the block")
        << withExtensions(QByteArray::fromHex("0109") + "laptop")
        << QStringLiteral("overruns the block") << 0 << 0;
    QTest::newRow("block over 40 bytes")
        << withExtensions(QByteArray::fromHex("0927") + QByteArray(39, 'x'))
        << QStringLiteral("extensions length 41 exceeds 40") << 0 << 0;
    const qsizetype blockAt = nameLengthOffset() + 1 + sampleFields().displayName.size() + 1;
    QTest::newRow("datagram ends inside the block")
        << withExtensions(laptop).left(blockAt + 4) << QStringLiteral("truncated extensions") << 0
        << 0;
}

void TestLanAnnouncement::extensions()
{
    QFETCH(QByteArray, datagram);
    QFETCH(QString, error);
    QFETCH(int, kind);
    QFETCH(int, os);
    const auto parsed = LanAnnouncement::parse(datagram);
    if (!error.isEmpty()) {
        QCOMPARE(parsed.status, LanAnnouncement::Status::Malformed);
        QVERIFY2(parsed.error.contains(error), qPrintable(parsed.error));
        return;
    }
    QVERIFY2(parsed.status == LanAnnouncement::Status::Ok, qPrintable(parsed.error));
    QCOMPARE(int(parsed.fields.device.kind), kind);
    QCOMPARE(int(parsed.fields.device.os), os);
    QCOMPARE(parsed.fields.displayName, sampleFields().displayName);
    // The extensions are signed: the datagram verifies as sent, and not with a byte of them
    // changed.
    QCOMPARE(LanAnnouncementCrypto::verify(parsed).verdict, LanAnnouncement::Verdict::Ok);
    if (parsed.signedBytes.endsWith("laptop")) {
        QByteArray tampered = datagram;
        tampered[parsed.signedBytes.size() - 1] = 'P';
        QCOMPARE(LanAnnouncementCrypto::verify(LanAnnouncement::parse(tampered)).verdict,
            LanAnnouncement::Verdict::BadSignature);
    }
}

void TestLanAnnouncement::version2IsRead()
{
    // A device of the previous version: no extensions block. It is listed, without a
    // description; its signature covers what it sent.
    QByteArray body = LanAnnouncement::encodeUnsigned(sampleFields());
    body.chop(1);
    body[4] = 2;
    const QByteArray datagram = LanAnnouncement::assemble(body, identityA().sign(body));
    const auto parsed = LanAnnouncement::parse(datagram);
    QVERIFY2(parsed.status == LanAnnouncement::Status::Ok, qPrintable(parsed.error));
    QVERIFY(parsed.fields == sampleFields());
    QCOMPARE(parsed.signedBytes, body);
    QCOMPARE(LanAnnouncementCrypto::verify(parsed).verdict, LanAnnouncement::Verdict::Ok);
    // A version 2 datagram has nothing after the name but the signature.
    QByteArray extra = body;
    extra.append('\0');
    const auto withBlock
        = LanAnnouncement::parse(LanAnnouncement::assemble(extra, identityA().sign(extra)));
    QCOMPARE(withBlock.status, LanAnnouncement::Status::Malformed);
}

void TestLanAnnouncement::roundTrip_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("port");
    QTest::addColumn<quint64>("sequence");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("os");
    QTest::newRow("announce") << 1 << 45123 << quint64(1'763'700'000'000ULL)
                              << QStringLiteral("alice") << int(DeviceKind::Laptop)
                              << int(DeviceOs::Linux);
    QTest::newRow("goodbye") << 2 << 45123 << quint64(1'763'700'000'001ULL)
                             << QStringLiteral("alice") << 0 << 0;
    QTest::newRow("no transfer port")
        << 1 << 0 << quint64(1) << QStringLiteral("listener") << int(DeviceKind::Server) << 0;
    QTest::newRow("max port and sequence")
        << 1 << 65535 << quint64(~0ULL) << QStringLiteral("x") << 0 << int(DeviceOs::Other);
    QTest::newRow("empty name") << 1 << 8880 << quint64(7) << QString() << int(DeviceKind::Desktop)
                                << int(DeviceOs::Macos);
    QTest::newRow("unicode name") << 1 << 8880 << quint64(7)
                                  << QStringLiteral("Zoë’s 電腦 🖥")
                                  << int(DeviceKind::Desktop) << int(DeviceOs::Windows);
    QTest::newRow("name of exactly 64 bytes")
        << 1 << 8880 << quint64(7) << QString(64, QLatin1Char('n')) << int(DeviceKind::Laptop)
        << int(DeviceOs::Windows);
}

void TestLanAnnouncement::roundTrip()
{
    QFETCH(int, type);
    QFETCH(int, port);
    QFETCH(quint64, sequence);
    QFETCH(QString, name);
    QFETCH(int, kind);
    QFETCH(int, os);
    LanAnnouncement::Fields f;
    f.type = LanAnnouncement::Type(type);
    f.device = {DeviceKind(kind), DeviceOs(os)};
    f.transferPort = quint16(port);
    f.sequence = sequence;
    f.certificateDer = identityA().certificate().toDer();
    f.displayName = name;

    const QByteArray datagram = LanAnnouncementCrypto::encode(f, identityA());
    QVERIFY(!datagram.isEmpty());
    QVERIFY(datagram.size() <= LanAnnouncement::kMaxDatagramSize);
    const auto parsed = LanAnnouncement::parse(datagram);
    QCOMPARE(parsed.status, LanAnnouncement::Status::Ok);
    QVERIFY2(parsed.fields == f, qPrintable(parsed.fields.displayName));
    const auto verified = LanAnnouncementCrypto::verify(parsed);
    QCOMPARE(verified.verdict, LanAnnouncement::Verdict::Ok);
    QCOMPARE(verified.id, identityA().id());
}

void TestLanAnnouncement::cleanName_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << QStringLiteral("bob") << QStringLiteral("bob");
    QTest::newRow("control characters removed")
        << QStringLiteral("a\nb\tc\x1b[31m\u2028") << QStringLiteral("abc[31m");
    QTest::newRow("bidi override removed")
        << QStringLiteral("bob\u202Egpj.exe") << QStringLiteral("bobgpj.exe");
    QTest::newRow("cut at 64 bytes")
        << QString(70, QLatin1Char('x')) << QString(64, QLatin1Char('x'));
    // 63 ASCII bytes + a 2-byte character would be 65 bytes: the character is dropped whole.
    QTest::newRow("cut on a character boundary")
        << QString(63, QLatin1Char('x')) + QStringLiteral("é") << QString(63, QLatin1Char('x'));
    QTest::newRow("whitespace folded and trimmed")
        << QStringLiteral("  bob \u3000  laptop ") << QStringLiteral("bob laptop");
    QTest::newRow("bidi isolates and marks removed")
        << QStringLiteral("a\u2066b\u2069c\u200Fd\u061Ce") << QStringLiteral("abcde");
    QTest::newRow("C1 CSI removed") << QStringLiteral("x\u009B2Jy") << QStringLiteral("x2Jy");
    QTest::newRow("markup kept literally")
        << QStringLiteral("<b>x</b>") << QStringLiteral("<b>x</b>");
    QTest::newRow("surrogate pair kept whole") << QString(60, QLatin1Char('x'))
            + QStringLiteral("🖥") << QString(60, QLatin1Char('x')) + QStringLiteral("🖥");
}

void TestLanAnnouncement::cleanName()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(DisplayText::cleanName(input, LanAnnouncement::kMaxNameBytes), expected);
    // Whatever the input, the encoder produces something the parser accepts.
    LanAnnouncement::Fields f = sampleFields();
    f.displayName = input;
    const auto parsed = LanAnnouncement::parse(LanAnnouncementCrypto::encode(f, identityA()));
    QCOMPARE(parsed.status, LanAnnouncement::Status::Ok);
    QCOMPARE(parsed.fields.displayName, expected);
}

void TestLanAnnouncement::malformed_data()
{
    QTest::addColumn<QByteArray>("datagram");
    QTest::addColumn<QString>("error");
    const QByteArray good = validDatagram();
    const qsizetype nameAt = nameLengthOffset();
    const qsizetype extAt = nameAt + 1 + sampleFields().displayName.size();
    const qsizetype sigAt = extAt + 1;

    QTest::newRow("empty") << QByteArray() << QStringLiteral("truncated header");
    QTest::newRow("short header") << good.left(17) << QStringLiteral("truncated header");
    QTest::newRow("bad magic") << withByte(good, 0, 'X') << QStringLiteral("bad magic");
    QTest::newRow("version 0") << withByte(good, 4, 0) << QStringLiteral("unsupported version 0");
    QTest::newRow("version 1 (no freshness)")
        << withByte(good, 4, 1) << QStringLiteral("unsupported version 1");
    QTest::newRow("version 4") << withByte(good, 4, 4) << QStringLiteral("unsupported version 4");
    // Read as version 2, the extensions length byte is the signature length: 0 is refused.
    QTest::newRow("version 3 read as 2")
        << withByte(good, 4, 2) << QStringLiteral("signature length 0");
    QTest::newRow("type 0") << withByte(good, 5, 0) << QStringLiteral("unknown type 0");
    QTest::newRow("type 3") << withByte(good, 5, 3) << QStringLiteral("unknown type 3");
    QTest::newRow("certificate length 0")
        << withByte(withByte(good, 16, 0), 17, 0) << QStringLiteral("certificate length 0");
    QTest::newRow("certificate length too large")
        << withByte(withByte(good, 16, 4), 17, 1) << QStringLiteral("certificate length 1025");
    QTest::newRow("certificate longer than datagram") << withByte(
        withByte(good, 16, 3), 17, char(0xff)) << QStringLiteral("truncated certificate");
    QTest::newRow("cut inside certificate")
        << good.left(100) << QStringLiteral("truncated certificate");
    QTest::newRow("name length too large")
        << withByte(good, nameAt, 65) << QStringLiteral("name length 65");
    QTest::newRow("name length past end")
        << good.left(nameAt + 3) << QStringLiteral("truncated name");
    QTest::newRow("name not UTF-8")
        << withByte(good, nameAt + 1, char(0xff)) << QStringLiteral("not valid UTF-8");
    QTest::newRow("name with newline")
        << withByte(good, nameAt + 1, '\n') << QStringLiteral("control character");
    QByteArray bidi = good;
    bidi.replace(nameAt + 1, 3, "\xe2\x80\xae"); // U+202E RIGHT-TO-LEFT OVERRIDE, same length
    QTest::newRow("name with bidi override") << bidi << QStringLiteral("control character");
    QByteArray replacement = good;
    replacement.replace(nameAt + 1, 3, "\xef\xbf\xbd"); // U+FFFD, same length
    QTest::newRow("name with U+FFFD") << replacement << QStringLiteral("U+FFFD");
    QTest::newRow("signature length 0")
        << withByte(good, sigAt, 0) << QStringLiteral("signature length 0");
    QTest::newRow("signature length too large")
        << withByte(good, sigAt, 81) << QStringLiteral("signature length 81");
    QTest::newRow("extensions length past the end")
        << withByte(good, extAt, 40) << QStringLiteral("extension");
    QTest::newRow("truncated signature")
        << good.chopped(1) << QStringLiteral("truncated signature");
    QTest::newRow("trailing byte")
        << good + QByteArray(1, '\0') << QStringLiteral("1 trailing bytes");
    QTest::newRow("oversized datagram")
        << QByteArray(LanAnnouncement::kMaxDatagramSize + 1, 'P') << QStringLiteral("exceeds 1232");
    QTest::newRow("ascii garbage")
        << QByteArray("hello, is anybody out there?") << QStringLiteral("bad magic");
}

void TestLanAnnouncement::malformed()
{
    QFETCH(QByteArray, datagram);
    QFETCH(QString, error);
    const auto parsed = LanAnnouncement::parse(datagram);
    QCOMPARE(parsed.status, LanAnnouncement::Status::Malformed);
    QVERIFY2(parsed.error.contains(error), qPrintable(parsed.error));
    QCOMPARE(LanAnnouncementCrypto::verify(parsed).verdict, LanAnnouncement::Verdict::Malformed);
}

void TestLanAnnouncement::forged_data()
{
    QTest::addColumn<QByteArray>("datagram");
    QTest::addColumn<int>("verdict");
    const QByteArray good = validDatagram();
    const auto parsedGood = LanAnnouncement::parse(good);
    const qsizetype nameAt = nameLengthOffset();

    // A neighbour changes the name (same length) and keeps the victim's signature.
    QByteArray tampered = good;
    tampered[nameAt + 1] = 'E';
    QTest::newRow("tampered name") << tampered << int(LanAnnouncement::Verdict::BadSignature);

    // Higher sequence, same signature: what a replay that tries to pass the sequence check does.
    QByteArray bumped = good;
    bumped[15] = char(bumped[15] + 1);
    QTest::newRow("tampered sequence") << bumped << int(LanAnnouncement::Verdict::BadSignature);

    QByteArray port = good;
    port[7] = char(port[7] ^ 1);
    QTest::newRow("tampered transfer port") << port << int(LanAnnouncement::Verdict::BadSignature);

    // The victim's certificate, signed with another key: the ID would be the victim's.
    const QByteArray foreign = LanAnnouncement::assemble(
        parsedGood.signedBytes, identityB().sign(parsedGood.signedBytes));
    QTest::newRow("signed by another key")
        << foreign << int(LanAnnouncement::Verdict::BadSignature);

    // Signature bytes that are not even DER.
    QTest::newRow("junk signature") << LanAnnouncement::assemble(parsedGood.signedBytes,
        QByteArray(70, 'S')) << int(LanAnnouncement::Verdict::BadSignature);

    // Structurally fine, but the certificate bytes are not a certificate.
    LanAnnouncement::Fields f = sampleFields();
    f.certificateDer = QByteArray(300, '\x30');
    const QByteArray body = LanAnnouncement::encodeUnsigned(f);
    QTest::newRow("certificate is junk") << LanAnnouncement::assemble(body, identityA().sign(body))
                                         << int(LanAnnouncement::Verdict::Malformed);

    QTest::newRow("genuine") << good << int(LanAnnouncement::Verdict::Ok);
}

void TestLanAnnouncement::forged()
{
    QFETCH(QByteArray, datagram);
    QFETCH(int, verdict);
    const auto parsed = LanAnnouncement::parse(datagram);
    QCOMPARE(parsed.status, LanAnnouncement::Status::Ok);
    const auto verified = LanAnnouncementCrypto::verify(parsed);
    QCOMPARE(int(verified.verdict), verdict);
}

void TestLanAnnouncement::datagramSize()
{
    LanAnnouncement::Fields f = sampleFields();
    const QByteArray typical = LanAnnouncementCrypto::encode(f, identityA());
    f.displayName = QString(200, QLatin1Char('n'));
    f.device = {DeviceKind::Desktop, DeviceOs::Windows}; // the longest tokens there are
    const QByteArray largest = LanAnnouncementCrypto::encode(f, identityA());
    qInfo("LAN announcement: %lld bytes with a 12-byte name, %lld bytes with the longest name "
          "(certificate %lld bytes, limit %lld)",
        qlonglong(typical.size()), qlonglong(largest.size()), qlonglong(f.certificateDer.size()),
        qlonglong(LanAnnouncement::kMaxDatagramSize));
    // Our own certificate must leave room: a larger one would push datagrams towards the limit.
    QVERIFY(f.certificateDer.size() < LanAnnouncement::kMaxCertificateSize / 2);
    QVERIFY(largest.size() <= LanAnnouncement::kMaxDatagramSize);
}

void TestLanAnnouncement::verificationCost()
{
    const QByteArray datagram = validDatagram();
    constexpr int kRounds = 200;

    double start = cpuMicroseconds();
    for (int i = 0; i < kRounds; ++i) {
        const auto parsed = LanAnnouncement::parse(datagram);
        QCOMPARE(parsed.status, LanAnnouncement::Status::Ok);
    }
    const double parseUs = (cpuMicroseconds() - start) / kRounds;

    start = cpuMicroseconds();
    for (int i = 0; i < kRounds; ++i) {
        const auto parsed = LanAnnouncement::parse(datagram);
        QCOMPARE(LanAnnouncementCrypto::verify(parsed).verdict, LanAnnouncement::Verdict::Ok);
    }
    const double fullUs = (cpuMicroseconds() - start) / kRounds;

    const auto key = LanAnnouncementCrypto::decodeCertificate(
        LanAnnouncement::parse(datagram).fields.certificateDer);
    QCOMPARE(key.id, identityA().id());
    start = cpuMicroseconds();
    for (int i = 0; i < kRounds; ++i) {
        const auto parsed = LanAnnouncement::parse(datagram);
        QCOMPARE(LanAnnouncementCrypto::verify(parsed, key).verdict, LanAnnouncement::Verdict::Ok);
    }
    const double cachedUs = (cpuMicroseconds() - start) / kRounds;

    qInfo("CPU time per datagram: parse %.1f us, parse + decode certificate + verify %.1f us, "
          "parse + verify with a cached certificate %.1f us",
        parseUs, fullUs, cachedUs);
    // The service must keep up with 20 datagrams per second from each of hundreds of sources on
    // one core: 2 ms per datagram would already be a CPU-exhaustion lever for a neighbour. (A
    // bound on the product build: ASan's instrumentation and allocator cost more than that.)
    if (!Test::kAddressSanitizer)
        QVERIFY2(fullUs < 2000.0, "verification is too slow for the per-source rate limit");
}

QTEST_GUILESS_MAIN(TestLanAnnouncement)
#include "tst_lanannouncement.moc"
