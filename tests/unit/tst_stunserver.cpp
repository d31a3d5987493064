// SPDX-License-Identifier: GPL-3.0-or-later
// The two-port STUN Binding server over real UDP sockets on loopback.

#include "net/server/stunserver.h"
#include "net/wire/stunmessage.h"

#include <QNetworkDatagram>
#include <QSignalSpy>
#include <QTest>
#include <QUdpSocket>

#include <memory>
#include <optional>

using namespace PunchDrop;

namespace {

constexpr int kWaitMs = 5000;

struct Reply
{
    StunMessage message;
    quint16 fromPort = 0;
    QHostAddress fromAddress;
};

QByteArray hex(const char *text)
{
    return QByteArray::fromHex(QByteArray(text));
}

//! Appends \a attribute bytes (already padded) to an encoded message and fixes its length.
QByteArray withAttribute(QByteArray message, const QByteArray &attribute)
{
    message.append(attribute);
    const int length = int(message.size() - StunMessage::kHeaderSize);
    message[2] = char(length >> 8);
    message[3] = char(length & 0xFF);
    return message;
}

//! \a message with a PADDING attribute (RFC 5780 §7.6) of \a bytes: a request that large gets the
//! full answer (the server never answers with more bytes than it was sent, where it can help it).
QByteArray padded(const QByteArray &message, int bytes = 128)
{
    QByteArray attribute = hex("00 26");
    attribute.append(char(bytes >> 8));
    attribute.append(char(bytes & 0xFF));
    attribute.append(QByteArray(bytes, '\0'));
    return withAttribute(message, attribute);
}

} // namespace

class TestStunServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void bindingRequestAnswered_data();
    void bindingRequestAnswered();
    void changePortAnsweredFromOtherPort_data();
    void changePortAnsweredFromOtherPort();
    void changeIpRefused();
    void unknownRequiredAttributeRefused();
    void iceCheckRefusedWith420();
    void responsePortHonoured();
    void otherMethodGets400();
    void rfc3489ClientGetsMappedAddress();
    void answerIsNoLargerThanRequest_data();
    void answerIsNoLargerThanRequest();
    void garbageDroppedAndServerKeepsAnswering();
    void ratePerSourceLimited();
    void listenErrors();

private:
    //! Sends \a bytes to the server's \a port and returns the first datagram that comes back.
    std::optional<Reply> exchange(const QByteArray &bytes, quint16 port);

    std::unique_ptr<StunServer> m_server;
    std::unique_ptr<QUdpSocket> m_client;
};

void TestStunServer::init()
{
    m_server = std::make_unique<StunServer>();
    QString error;
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, 0, &error), qPrintable(error));
    QVERIFY(m_server->isListening());
    QVERIFY(m_server->primaryPort() != 0);
    QVERIFY(m_server->altPort() != 0);
    QVERIFY(m_server->primaryPort() != m_server->altPort());
    m_client = std::make_unique<QUdpSocket>();
    QVERIFY(m_client->bind(QHostAddress::LocalHost, 0));
}

void TestStunServer::cleanup()
{
    m_client.reset();
    m_server.reset();
}

std::optional<Reply> TestStunServer::exchange(const QByteArray &bytes, quint16 port)
{
    if (m_client->writeDatagram(bytes, QHostAddress::LocalHost, port) != bytes.size())
        return std::nullopt;
    if (!m_client->hasPendingDatagrams()) {
        QSignalSpy spy(m_client.get(), &QUdpSocket::readyRead);
        if (!spy.wait(kWaitMs))
            return std::nullopt;
    }
    const QNetworkDatagram datagram = m_client->receiveDatagram();
    const auto parsed = StunMessage::parse(datagram.data());
    if (!parsed.ok()) {
        qWarning("reply does not parse: %s", qPrintable(parsed.error));
        return std::nullopt;
    }
    return Reply {parsed.message, quint16(datagram.senderPort()), datagram.senderAddress()};
}

void TestStunServer::bindingRequestAnswered_data()
{
    QTest::addColumn<bool>("toAlt");
    QTest::newRow("primary port") << false;
    QTest::newRow("alternate port") << true;
}

void TestStunServer::bindingRequestAnswered()
{
    QFETCH(bool, toAlt);
    const quint16 port = toAlt ? m_server->altPort() : m_server->primaryPort();
    const quint16 other = toAlt ? m_server->primaryPort() : m_server->altPort();
    const StunMessage request = StunMessage::bindingRequest();

    const auto reply = exchange(padded(request.encode()), port);
    QVERIFY(reply);
    const StunMessage &m = reply->message;
    QCOMPARE(reply->fromPort, port);
    QCOMPARE(m.messageClass, StunMessage::Class::SuccessResponse);
    QCOMPARE(m.method, StunMessage::kMethodBinding);
    QCOMPARE(m.transactionId, request.transactionId);
    QVERIFY(m.hasMagicCookie());
    // The mapped address is the client's own endpoint: there is no NAT on loopback.
    QVERIFY(m.xorMappedAddress);
    QCOMPARE(*m.xorMappedAddress, (Endpoint {QHostAddress::LocalHost, m_client->localPort()}));
    QVERIFY(!m.mappedAddress); // only for RFC 3489 clients
    QCOMPARE(m.responseOrigin, (Endpoint {QHostAddress::LocalHost, port}));
    QCOMPARE(m.otherAddress, (Endpoint {QHostAddress::LocalHost, other}));
    QVERIFY(m.software.isEmpty()); // no version for strangers
    QVERIFY(m.fingerprint);
    QCOMPARE(m_server->answeredCount(), 1u);
    QCOMPARE(m_server->droppedCount(), 0u);
}

void TestStunServer::changePortAnsweredFromOtherPort_data()
{
    QTest::addColumn<bool>("toAlt");
    QTest::newRow("to primary, answer from alternate") << false;
    QTest::newRow("to alternate, answer from primary") << true;
}

void TestStunServer::changePortAnsweredFromOtherPort()
{
    QFETCH(bool, toAlt);
    const quint16 port = toAlt ? m_server->altPort() : m_server->primaryPort();
    const quint16 other = toAlt ? m_server->primaryPort() : m_server->altPort();
    StunMessage request = StunMessage::bindingRequest();
    request.changeRequest = StunMessage::kChangePortFlag;

    const auto reply = exchange(padded(request.encode()), port);
    QVERIFY(reply);
    QCOMPARE(reply->fromPort, other);
    QCOMPARE(reply->message.messageClass, StunMessage::Class::SuccessResponse);
    QCOMPARE(reply->message.transactionId, request.transactionId);
    QCOMPARE(reply->message.responseOrigin, (Endpoint {QHostAddress::LocalHost, other}));
    // OTHER-ADDRESS describes the receiving port's counterpart, whichever port answered.
    QCOMPARE(reply->message.otherAddress, (Endpoint {QHostAddress::LocalHost, other}));
    QCOMPARE(*reply->message.xorMappedAddress,
        (Endpoint {QHostAddress::LocalHost, m_client->localPort()}));
}

void TestStunServer::changeIpRefused()
{
    for (const quint32 flags :
        {StunMessage::kChangeIpFlag, StunMessage::kChangeIpFlag | StunMessage::kChangePortFlag}) {
        StunMessage request = StunMessage::bindingRequest();
        request.changeRequest = flags;
        const auto reply = exchange(padded(request.encode()), m_server->primaryPort());
        QVERIFY(reply);
        QCOMPARE(reply->fromPort, m_server->primaryPort());
        QCOMPARE(reply->message.messageClass, StunMessage::Class::ErrorResponse);
        QCOMPARE(reply->message.transactionId, request.transactionId);
        QVERIFY(reply->message.error);
        QCOMPARE(reply->message.error->code, 420);
        QCOMPARE(reply->message.unknownAttributes, QList<quint16> {StunMessage::ChangeRequest});
        QVERIFY(reply->message.fingerprint);
    }
    QCOMPARE(m_server->errorCount(), 2u);
    QCOMPARE(m_server->answeredCount(), 0u);
}

void TestStunServer::unknownRequiredAttributeRefused()
{
    const StunMessage request = StunMessage::bindingRequest();
    const QByteArray bytes = withAttribute(request.encode(), hex("7f 01 00 04 00 00 00 00"));
    const auto reply = exchange(bytes, m_server->primaryPort());
    QVERIFY(reply);
    QCOMPARE(reply->message.messageClass, StunMessage::Class::ErrorResponse);
    QCOMPARE(reply->message.error->code, 420);
    QCOMPARE(reply->message.unknownAttributes, QList<quint16> {0x7f01});

    // The same with an unknown comprehension-optional attribute is simply answered.
    const StunMessage again = StunMessage::bindingRequest();
    const auto ok = exchange(
        withAttribute(again.encode(), hex("ff 01 00 04 00 00 00 00")), m_server->primaryPort());
    QVERIFY(ok);
    QCOMPARE(ok->message.messageClass, StunMessage::Class::SuccessResponse);
}

void TestStunServer::iceCheckRefusedWith420()
{
    // RFC 5769 §2.1: an ICE connectivity check (PRIORITY is comprehension-required).
    const QByteArray sample
        = hex("00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
              "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
              "00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36"
              "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
              "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
              "80 28 00 04 e5 7a 3b cf");
    const auto reply = exchange(sample, m_server->altPort());
    QVERIFY(reply);
    QCOMPARE(reply->message.transactionId, hex("b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"));
    QCOMPARE(reply->message.error->code, 420);
    QCOMPARE(reply->message.unknownAttributes, QList<quint16> {0x0024});
}

void TestStunServer::responsePortHonoured()
{
    // RFC 5780 §7.5: the answer goes to RESPONSE-PORT on the sender's address.
    QUdpSocket elsewhere;
    QVERIFY(elsewhere.bind(QHostAddress::LocalHost, 0));
    StunMessage request = StunMessage::bindingRequest();
    request.responsePort = elsewhere.localPort();
    QVERIFY(
        m_client->writeDatagram(request.encode(), QHostAddress::LocalHost, m_server->primaryPort())
        > 0);
    QSignalSpy spy(&elsewhere, &QUdpSocket::readyRead);
    QVERIFY(elsewhere.hasPendingDatagrams() || spy.wait(kWaitMs));
    const auto parsed = StunMessage::parse(elsewhere.receiveDatagram().data());
    QVERIFY2(parsed.ok(), qPrintable(parsed.error));
    QCOMPARE(parsed.message.transactionId, request.transactionId);
    // XOR-MAPPED-ADDRESS still names where the request came from.
    QCOMPARE(parsed.message.xorMappedAddress,
        (Endpoint {QHostAddress::LocalHost, m_client->localPort()}));
    QVERIFY(!m_client->hasPendingDatagrams());

    StunMessage zero = StunMessage::bindingRequest();
    zero.responsePort = 0;
    const auto refused = exchange(zero.encode(), m_server->primaryPort());
    QVERIFY(refused);
    QCOMPARE(refused->message.error->code, 400);
}

void TestStunServer::otherMethodGets400()
{
    StunMessage allocate = StunMessage::bindingRequest();
    allocate.method = 0x003; // TURN Allocate
    const auto reply = exchange(allocate.encode(), m_server->primaryPort());
    QVERIFY(reply);
    QCOMPARE(reply->message.method, quint16(0x003));
    QCOMPARE(reply->message.messageClass, StunMessage::Class::ErrorResponse);
    QCOMPARE(reply->message.error->code, 400);
}

void TestStunServer::rfc3489ClientGetsMappedAddress()
{
    StunMessage request = StunMessage::bindingRequest();
    request.cookie = 0x0BADC0DE; // part of a 128-bit RFC 3489 transaction ID
    const auto reply = exchange(padded(request.encode()), m_server->primaryPort());
    QVERIFY(reply);
    const StunMessage &m = reply->message;
    QCOMPARE(m.cookie, 0x0BADC0DEu);
    QCOMPARE(m.transactionId, request.transactionId);
    QCOMPARE(m.messageClass, StunMessage::Class::SuccessResponse);
    QVERIFY(!m.xorMappedAddress);
    QCOMPARE(m.mappedAddress, (Endpoint {QHostAddress::LocalHost, m_client->localPort()}));
    QCOMPARE(m.responseOrigin, (Endpoint {QHostAddress::LocalHost, m_server->primaryPort()}));
    QCOMPARE(m.otherAddress, (Endpoint {QHostAddress::LocalHost, m_server->altPort()}));
    QVERIFY(!m.fingerprint);
}

void TestStunServer::answerIsNoLargerThanRequest_data()
{
    // Before: a 20-byte request got 84 bytes back (4.2×, with "PunchDrop <version>" in it).
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("maxAnswer"); // bytes
    QTest::addColumn<bool>("full"); // RESPONSE-ORIGIN and OTHER-ADDRESS present
    StunMessage changePort = StunMessage::bindingRequest();
    changePort.changeRequest = StunMessage::kChangePortFlag;
    StunMessage rfc3489 = StunMessage::bindingRequest();
    rfc3489.cookie = 0x0BADC0DE;
    StunMessage changeIp = StunMessage::bindingRequest();
    changeIp.changeRequest = StunMessage::kChangeIpFlag;
    // 20 bytes: only the mapped address fits at all (20 + 12).
    QTest::newRow("minimal") << StunMessage::bindingRequest().encode() << 32 << false;
    QTest::newRow("change port (28 bytes)") << changePort.encode() << 32 << false;
    QTest::newRow("RFC 3489, minimal") << rfc3489.encode() << 32 << false;
    // An error keeps its code and the unknown attribute, not its reason text.
    QTest::newRow("change IP, 420") << changeIp.encode() << 36 << false;
    QTest::newRow("padded to 76") << padded(StunMessage::bindingRequest().encode(), 52) << 76
                                  << true;
}

void TestStunServer::answerIsNoLargerThanRequest()
{
    QFETCH(QByteArray, request);
    QFETCH(int, maxAnswer);
    QFETCH(bool, full);
    QVERIFY(m_client->writeDatagram(request, QHostAddress::LocalHost, m_server->primaryPort())
        == request.size());
    QSignalSpy spy(m_client.get(), &QUdpSocket::readyRead);
    QVERIFY(m_client->hasPendingDatagrams() || spy.wait(kWaitMs));
    const QByteArray answer = m_client->receiveDatagram().data();
    qInfo("request %d bytes, answer %d bytes: amplification %.2f", int(request.size()),
        int(answer.size()), double(answer.size()) / double(request.size()));
    QVERIFY2(answer.size() <= maxAnswer, qPrintable(QString::number(answer.size())));
    QVERIFY(answer.size() <= std::max<qsizetype>(request.size(), 36));
    const auto parsed = StunMessage::parse(answer);
    QVERIFY2(parsed.ok(), qPrintable(parsed.error));
    QVERIFY(
        parsed.message.xorMappedAddress || parsed.message.mappedAddress || parsed.message.error);
    QVERIFY(parsed.message.software.isEmpty());
    QCOMPARE(parsed.message.otherAddress.has_value(), full);
    QCOMPARE(parsed.message.responseOrigin.has_value(), full);
}

void TestStunServer::garbageDroppedAndServerKeepsAnswering()
{
    StunMessage response = StunMessage::responseTo(
        StunMessage::bindingRequest(), StunMessage::Class::SuccessResponse);
    response.xorMappedAddress = Endpoint {QHostAddress::LocalHost, 1};
    StunMessage indication = StunMessage::bindingRequest();
    indication.messageClass = StunMessage::Class::Indication;
    QByteArray badFingerprint = StunMessage::bindingRequest().encode();
    badFingerprint = withAttribute(badFingerprint, hex("80 28 00 04 de ad be ef"));

    const QList<QByteArray> garbage = {
        QByteArray(), // empty datagram
        QByteArray("hello"), // text
        StunMessage::bindingRequest().encode().first(19), // truncated header
        QByteArray(64, '\xff'), // noise
        badFingerprint, // corrupted
        response.encode(), // a response is not a request
        indication.encode(), // indications get no answer
        QByteArray(StunServer::kMaxDatagramSize + 100, 0), // oversized
    };
    QSignalSpy dropped(m_server.get(), &StunServer::datagramDropped);
    for (const QByteArray &g : garbage)
        QCOMPARE(m_client->writeDatagram(g, QHostAddress::LocalHost, m_server->primaryPort()),
            qint64(g.size()));
    QTRY_COMPARE_WITH_TIMEOUT(m_server->droppedCount(), quint64(garbage.size()), kWaitMs);
    QCOMPARE(dropped.size(), garbage.size());
    QVERIFY(!m_client->hasPendingDatagrams()); // nothing was answered

    // ... and a proper request afterwards is answered normally.
    const StunMessage request = StunMessage::bindingRequest();
    const auto reply = exchange(request.encode(), m_server->primaryPort());
    QVERIFY(reply);
    QCOMPARE(reply->message.transactionId, request.transactionId);
    QCOMPARE(m_server->answeredCount(), 1u);
    QCOMPARE(m_server->droppedCount(), quint64(garbage.size()));
}

void TestStunServer::ratePerSourceLimited()
{
    // All of loopback is one source address: a burst of 30 requests against a limit of 5/s
    // gets about 5 answers (plus what refills while the burst is read).
    m_server->setRatePerSource(5);
    QSignalSpy dropped(m_server.get(), &StunServer::datagramDropped);
    const int burst = 30;
    for (int i = 0; i < burst; ++i) {
        const QByteArray bytes = StunMessage::bindingRequest().encode();
        QCOMPARE(m_client->writeDatagram(bytes, QHostAddress::LocalHost, m_server->primaryPort()),
            qint64(bytes.size()));
    }
    QTRY_COMPARE_WITH_TIMEOUT(
        m_server->answeredCount() + m_server->droppedCount(), quint64(burst), kWaitMs);
    QVERIFY2(m_server->answeredCount() >= 5 && m_server->answeredCount() <= 10,
        qPrintable(QString::number(m_server->answeredCount())));
    QVERIFY(!dropped.isEmpty());
    QVERIFY(dropped.first().first().toString().contains(QLatin1String("rate limit")));

    // Switched off, the same burst is answered in full.
    m_server->setRatePerSource(0);
    const quint64 before = m_server->answeredCount();
    for (int i = 0; i < burst; ++i)
        m_client->writeDatagram(StunMessage::bindingRequest().encode(), QHostAddress::LocalHost,
            m_server->primaryPort());
    QTRY_COMPARE_WITH_TIMEOUT(m_server->answeredCount(), before + burst, kWaitMs);
}

void TestStunServer::listenErrors()
{
    QString error;
    StunServer same;
    QVERIFY(!same.listen(QHostAddress::LocalHost, 40001, 40001, &error));
    QVERIFY2(error.contains(QLatin1String("must differ")), qPrintable(error));
    QVERIFY(!same.isListening());

    // A port that is taken (the running server's alternate port) fails cleanly, and the
    // half-opened primary is released again.
    StunServer clash;
    error.clear();
    QVERIFY(!clash.listen(QHostAddress::LocalHost, 0, m_server->altPort(), &error));
    QVERIFY2(error.contains(QString::number(m_server->altPort())), qPrintable(error));
    QVERIFY(!clash.isListening());
    QCOMPARE(clash.primaryPort(), quint16(0));
    QVERIFY(clash.listen(QHostAddress::LocalHost, 0, 0, &error)); // re-listen works
}

QTEST_GUILESS_MAIN(TestStunServer)
#include "tst_stunserver.moc"
