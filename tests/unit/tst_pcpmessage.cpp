// SPDX-License-Identifier: GPL-3.0-or-later
// The PCP (RFC 6887) MAP codec: the request's bytes field by field, answers read back, and
// datagrams that are not a usable answer.

#include "net/wire/pcpmessage.h"

#include <QTest>

using namespace PunchDrop;

namespace {

QByteArray hex(const char *text)
{
    return QByteArray::fromHex(QByteArray(text)); // spaces are skipped
}

const QByteArray kNonce = hex("01 02 03 04 05 06 07 08 09 0a 0b 0c");

// A successful MAP answer: lifetime 7200, epoch 1234, TCP 8080 → 203.0.113.7:40000.
const char *const kSuccess
    = "02 81 00 00 00 00 1c 20 00 00 04 d2 00 00 00 00 00 00 00 00 00 00 00 00"
      "01 02 03 04 05 06 07 08 09 0a 0b 0c 06 00 00 00 1f 90 9c 40"
      "00 00 00 00 00 00 00 00 00 00 ff ff cb 00 71 07";

} // namespace

class TestPcpMessage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void requestBytes()
    {
        PcpMapRequest request;
        request.lifetime = 3600;
        request.clientAddress = QHostAddress(u"192.168.10.2"_qs);
        request.nonce = kNonce;
        request.internalPort = 8080;
        request.suggestedExternalPort = 8080;
        const QByteArray expected = hex("02 01 00 00 00 00 0e 10"
                                        "00 00 00 00 00 00 00 00 00 00 ff ff c0 a8 0a 02"
                                        "01 02 03 04 05 06 07 08 09 0a 0b 0c 06 00 00 00"
                                        "1f 90 1f 90"
                                        // no preference, IPv4: ::ffff:0.0.0.0
                                        "00 00 00 00 00 00 00 00 00 00 ff ff 00 00 00 00");
        QCOMPARE(request.encode().toHex(' '), expected.toHex(' '));
        QCOMPARE(request.encode().size(), PcpMapRequest::kSize);
    }

    void deleteAndIpv6Requests()
    {
        PcpMapRequest request; // lifetime 0: delete
        request.clientAddress = QHostAddress(u"2001:db8::5"_qs);
        request.nonce = kNonce;
        request.internalPort = 1;
        const QByteArray bytes = request.encode();
        QCOMPARE(bytes.mid(4, 4), hex("00 00 00 00"));
        QCOMPARE(bytes.mid(8, 16), hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 05"));
        // an IPv6 client with no preference: :: (an IPv6 mapping)
        QCOMPARE(bytes.mid(44, 16), QByteArray(16, '\0'));
    }

    void parsesASuccess()
    {
        const auto parsed = PcpMapResponse::parse(hex(kSuccess));
        QVERIFY2(parsed.response, qPrintable(parsed.error));
        const PcpMapResponse &r = *parsed.response;
        QCOMPARE(r.result, PcpMapResponse::Success);
        QCOMPARE(r.lifetime, 7200u);
        QCOMPARE(r.epoch, 1234u);
        QCOMPARE(r.nonce, kNonce);
        QCOMPARE(r.protocol, PcpMapRequest::kProtocolTcp);
        QCOMPARE(r.internalPort, 8080);
        QCOMPARE(r.external.address, QHostAddress(u"203.0.113.7"_qs));
        QCOMPARE(r.external.address.protocol(), QAbstractSocket::IPv4Protocol);
        QCOMPARE(r.external.port, 40000);
        // options after the opcode data are allowed (and not needed)
        QVERIFY(PcpMapResponse::parse(QByteArray(hex(kSuccess) + hex("12 00 00 04 00 00 00 00")))
                    .response);
    }

    void errorsAndNatPmp()
    {
        // An error may come with the header alone.
        const auto refused = PcpMapResponse::parse(
            hex("02 81 00 02 00 00 00 1e 00 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00"));
        QVERIFY(refused.response);
        QCOMPARE(refused.response->result, PcpMapResponse::NotAuthorized);
        QCOMPARE(refused.response->lifetime, 30u);
        QCOMPARE(PcpMapResponse::resultName(2), u"NOT_AUTHORIZED (2)"_qs);
        QCOMPARE(PcpMapResponse::resultName(200), u"unknown result (200)"_qs);
        // A NAT-PMP-only gateway: version 0, opcode 128 + 2, result 1 (RFC 6886 §3.5).
        const auto natPmp = PcpMapResponse::parse(hex("00 82 00 01 00 00 10 00"));
        QVERIFY(natPmp.response);
        QCOMPARE(natPmp.response->result, PcpMapResponse::UnsupportedVersion);
        QVERIFY(natPmp.response->nonce.isEmpty());
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("datagram");
        const QByteArray ok = hex(kSuccess);
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("short header") << ok.left(23);
        QTest::newRow("success without opcode data") << ok.left(59);
        QByteArray v1 = ok;
        v1[0] = 1;
        QTest::newRow("version 1") << v1;
        QByteArray request = ok;
        request[1] = 0x01; // R bit clear: a request, not an answer
        QTest::newRow("a request") << request;
        QByteArray peer = ok;
        peer[1] = char(0x82); // PEER, not MAP
        QTest::newRow("PEER answer") << peer;
        // NAT-PMP's success (result 0) is not the UNSUPP_VERSION a PCP client understands
        QTest::newRow("NAT-PMP success") << hex("00 80 00 00 00 00 10 00 cb 00 71 07");
    }

    void malformed()
    {
        QFETCH(QByteArray, datagram);
        const auto parsed = PcpMapResponse::parse(datagram);
        QVERIFY(!parsed.response);
        QVERIFY(!parsed.error.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestPcpMessage)
#include "tst_pcpmessage.moc"
