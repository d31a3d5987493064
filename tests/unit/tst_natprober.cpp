// SPDX-License-Identifier: GPL-3.0-or-later
// probeNat() over real UDP on loopback: against the real StunServer (no NAT: "open"), against a
// silent port (bounded "unknown"), and against a scripted responder that answers the way the
// server does from behind each kind of NAT (the NAT lab proves the real NATs later).

#include "net/client/natprober.h"
#include "net/server/stunserver.h"
#include "net/wire/nattype.h"
#include "net/wire/stunmessage.h"

#include <QElapsedTimer>
#include <QNetworkDatagram>
#include <QTest>
#include <QUdpSocket>

#include <qcorotask.h>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

// Short timers: one unanswered request costs 20 + 40 + 80 = 140 ms.
const NatProbeConfig kFast {20ms, 3};
// Where an answer is expected, give a loaded CI machine 40 + 80 + ... + 640 = 1240 ms for it
// (a late answer would turn "restricted" into "port-restricted").
const NatProbeConfig kPatient {40ms, 5, 40ms};

/*!
 * Two UDP ports that answer Binding requests like the StunServer would as seen through a NAT:
 * it reports the configured mapped endpoints instead of the real sender, and can leave the
 * alternate port or change-port requests unanswered (what a filtering NAT makes of them).
 */
class ScriptedResponder : public QObject
{
public:
    enum class ChangePort { Honour, Ignore, Error };

    Endpoint mappedPrimary;
    Endpoint mappedAlt;
    ChangePort changePort = ChangePort::Honour;
    bool answerAlt = true;
    int dropFirst = 0; //!< requests (on any port) ignored before answering
    bool noiseFirst = false; //!< send garbage and a foreign transaction's answer before each reply
    QList<QByteArray> primaryTransactions;
    QList<quint16> plainSenders[2]; //!< source ports of requests without CHANGE-REQUEST, per port
    QList<quint16> changeSenders; //!< source ports of change-port requests

    ScriptedResponder()
    {
        for (int i = 0; i < 2; ++i) {
            m_sockets[i] = new QUdpSocket(this);
            m_sockets[i]->bind(QHostAddress::LocalHost, 0);
            connect(m_sockets[i], &QUdpSocket::readyRead, this, [this, i] { read(i); });
        }
    }
    quint16 port(int i) const { return m_sockets[i]->localPort(); }

private:
    void read(int i)
    {
        while (m_sockets[i]->hasPendingDatagrams()) {
            const QNetworkDatagram d = m_sockets[i]->receiveDatagram();
            const auto parsed = StunMessage::parse(d.data());
            if (!parsed.ok() || !parsed.message.isBindingRequest())
                continue;
            const StunMessage &request = parsed.message;
            if (i == 0)
                primaryTransactions.append(request.transactionId);
            (request.changeRequest ? changeSenders : plainSenders[i])
                .append(quint16(d.senderPort()));
            if (dropFirst > 0) {
                --dropFirst;
                continue;
            }
            if (i == 1 && !answerAlt)
                continue;
            int from = i;
            StunMessage reply
                = StunMessage::responseTo(request, StunMessage::Class::SuccessResponse);
            if (request.changePortRequested()) {
                if (changePort == ChangePort::Ignore)
                    continue;
                if (changePort == ChangePort::Error) {
                    reply.messageClass = StunMessage::Class::ErrorResponse;
                    reply.error = StunMessage::Error {420, QStringLiteral("Unknown Attribute")};
                } else {
                    from = 1 - i;
                }
            }
            reply.xorMappedAddress = i == 0 ? mappedPrimary : mappedAlt;
            reply.fingerprint = true;
            if (noiseFirst) {
                m_sockets[from]->writeDatagram(
                    "garbage", d.senderAddress(), quint16(d.senderPort()));
                StunMessage foreign = StunMessage::responseTo(
                    StunMessage::bindingRequest(), StunMessage::Class::SuccessResponse);
                foreign.xorMappedAddress
                    = Endpoint {QHostAddress(QStringLiteral("192.0.2.66")), 6666};
                m_sockets[from]->writeDatagram(
                    foreign.encode(), d.senderAddress(), quint16(d.senderPort()));
            }
            m_sockets[from]->writeDatagram(
                reply.encode(), d.senderAddress(), quint16(d.senderPort()));
        }
    }

    QUdpSocket *m_sockets[2] = {nullptr, nullptr};
};

Endpoint publicEp(quint16 port)
{
    return Endpoint {QHostAddress(QStringLiteral("203.0.113.5")), port};
}

} // namespace

class TestNatProber : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void openOnLoopback_data();
    void openOnLoopback();
    void silentServerGivesUnknownInBound_data();
    void silentServerGivesUnknownInBound();
    void classification_data();
    void classification();
    void retransmitsUntilAnswered();
    void filteringUsesItsOwnSocket();
    void natTypeText_data();
    void natTypeText();
};

void TestNatProber::openOnLoopback_data()
{
    QTest::addColumn<QHostAddress>("loopback");
    QTest::newRow("IPv4") << QHostAddress(QHostAddress::LocalHost);
    // IPv6 where the host has it (a kernel booted with ipv6.disable=1 has no ::1 to test).
    QUdpSocket probe;
    if (probe.bind(QHostAddress::LocalHostIPv6, 0))
        QTest::newRow("IPv6") << QHostAddress(QHostAddress::LocalHostIPv6);
    else
        qInfo("no IPv6 loopback on this host: IPv6 row not run");
}

void TestNatProber::openOnLoopback()
{
    QFETCH(QHostAddress, loopback);
    StunServer server;
    QString error;
    QVERIFY2(server.listen(loopback, 0, 0, &error), qPrintable(error));

    const NatType nat
        = QCoro::waitFor(probeNat(loopback, server.primaryPort(), server.altPort(), kPatient));
    QCOMPARE(nat.mapping, NatType::Mapping::None);
    QCOMPARE(nat.toString(), u"open"_qs);
    QVERIFY(nat.punchable());
    QCOMPARE(nat.publicUdp.address, loopback);
    QVERIFY(nat.publicUdp.port != 0);
    // The change-port answer came back from the other port: no port filtering on loopback.
    QCOMPARE(nat.filtering, NatType::Filtering::AddressDependent);
    QCOMPARE(server.answeredCount(), 2u); // mapping test to the alt port is not needed when open
}

void TestNatProber::silentServerGivesUnknownInBound_data()
{
    QTest::addColumn<bool>("bound");
    QTest::newRow("a bound socket that never answers") << true;
    QTest::newRow("nothing bound (ICMP unreachable)") << false;
}

void TestNatProber::silentServerGivesUnknownInBound()
{
    QFETCH(bool, bound);
    QUdpSocket silent;
    QVERIFY(silent.bind(QHostAddress::LocalHost, 0));
    const quint16 port = silent.localPort();
    if (!bound)
        silent.close();

    QElapsedTimer timer;
    timer.start();
    const NatType nat = QCoro::waitFor(probeNat(QHostAddress::LocalHost, port, port + 1, kFast));
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(nat.mapping, NatType::Mapping::Unknown);
    QCOMPARE(nat.filtering, NatType::Filtering::Unknown);
    QVERIFY(!nat.publicUdp.isValid());
    QCOMPARE(nat.toString(), u"unknown"_qs);
    QVERIFY(nat.punchable());
    // One transaction: 3 sends, waits of 20 + 40 + 80 ms; it stops after the first request.
    QVERIFY2(elapsed >= 130, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed < 2000, qPrintable(QString::number(elapsed)));
}

void TestNatProber::classification_data()
{
    QTest::addColumn<quint16>("altMappedPort");
    QTest::addColumn<int>("changePort");
    QTest::addColumn<bool>("answerAlt");
    QTest::addColumn<bool>("noise");
    QTest::addColumn<int>("mapping");
    QTest::addColumn<int>("filtering");
    QTest::addColumn<QString>("text");

    using C = ScriptedResponder::ChangePort;
    using M = NatType::Mapping;
    using F = NatType::Filtering;
    QTest::newRow("EIM, change-port answer arrives: restricted cone")
        << quint16(40000) << int(C::Honour) << true << false << int(M::EndpointIndependent)
        << int(F::AddressDependent) << u"cone (restricted)"_qs;
    QTest::newRow("EIM, change-port answer filtered: port-restricted cone")
        << quint16(40000) << int(C::Ignore) << true << false << int(M::EndpointIndependent)
        << int(F::AddressAndPortDependent) << u"cone (port-restricted)"_qs;
    QTest::newRow("same, with garbage and foreign answers on the socket")
        << quint16(40000) << int(C::Ignore) << true << true << int(M::EndpointIndependent)
        << int(F::AddressAndPortDependent) << u"cone (port-restricted)"_qs;
    QTest::newRow("EIM, change-port refused with an error: cone")
        << quint16(40000) << int(C::Error) << true << false << int(M::EndpointIndependent)
        << int(F::Unknown) << u"cone"_qs;
    QTest::newRow("new port per destination: symmetric")
        << quint16(47311) << int(C::Ignore) << true << false << int(M::Dependent)
        << int(F::AddressAndPortDependent) << u"symmetric"_qs;
    QTest::newRow("new port per destination, counted up: symmetric (sequential)")
        << quint16(40002) << int(C::Ignore) << true << false << int(M::Dependent)
        << int(F::AddressAndPortDependent) << u"symmetric (sequential)"_qs;
    QTest::newRow("a new port just below: symmetric, not sequential")
        << quint16(39999) << int(C::Ignore) << true << false << int(M::Dependent)
        << int(F::AddressAndPortDependent) << u"symmetric"_qs;
    QTest::newRow("17 ports above: symmetric, not sequential")
        << quint16(40017) << int(C::Ignore) << true << false << int(M::Dependent)
        << int(F::AddressAndPortDependent) << u"symmetric"_qs;
    QTest::newRow("symmetric with a noisy socket")
        << quint16(51234) << int(C::Honour) << true << true << int(M::Dependent)
        << int(F::AddressDependent) << u"symmetric"_qs;
    QTest::newRow("alternate port silent: mapping unknown")
        << quint16(40000) << int(C::Honour) << false << false << int(M::Unknown)
        << int(F::AddressDependent) << u"unknown"_qs;
}

void TestNatProber::classification()
{
    QFETCH(quint16, altMappedPort);
    QFETCH(int, changePort);
    QFETCH(bool, answerAlt);
    QFETCH(bool, noise);
    QFETCH(int, mapping);
    QFETCH(int, filtering);
    QFETCH(QString, text);

    ScriptedResponder responder;
    responder.mappedPrimary = publicEp(40000);
    responder.mappedAlt = publicEp(altMappedPort);
    responder.changePort = ScriptedResponder::ChangePort(changePort);
    responder.answerAlt = answerAlt;
    responder.noiseFirst = noise;

    const NatType nat = QCoro::waitFor(
        probeNat(QHostAddress::LocalHost, responder.port(0), responder.port(1), kPatient));
    QCOMPARE(int(nat.mapping), mapping);
    QCOMPARE(int(nat.filtering), filtering);
    QCOMPARE(nat.toString(), text);
    QCOMPARE(nat.publicUdp, publicEp(40000));
    QCOMPARE(nat.punchable(), nat.mapping != NatType::Mapping::Dependent);
}

void TestNatProber::retransmitsUntilAnswered()
{
    ScriptedResponder responder;
    responder.mappedPrimary = publicEp(40000);
    responder.mappedAlt = publicEp(40000);
    responder.dropFirst = 2; // the first two sends of the first request are "lost"

    const NatType nat = QCoro::waitFor(
        probeNat(QHostAddress::LocalHost, responder.port(0), responder.port(1), kPatient));
    QCOMPARE(nat.toString(), u"cone (restricted)"_qs);
    // Request 1 was sent three times with one transaction ID, then request 2 (change-port).
    QVERIFY(responder.primaryTransactions.size() >= 4);
    QCOMPARE(responder.primaryTransactions[1], responder.primaryTransactions[0]);
    QCOMPARE(responder.primaryTransactions[2], responder.primaryTransactions[0]);
    QVERIFY(responder.primaryTransactions[3] != responder.primaryTransactions[0]);
}

void TestNatProber::filteringUsesItsOwnSocket()
{
    // The change-port request must come from a socket that never contacted the alternate port
    // (else its NAT already lets the alternate port in), and the mapping socket must never get
    // an unsolicited answer from the alternate port (docs/nat-traversal.md §4.5).
    ScriptedResponder responder;
    responder.mappedPrimary = publicEp(40000);
    responder.mappedAlt = publicEp(40000);

    const NatType nat = QCoro::waitFor(
        probeNat(QHostAddress::LocalHost, responder.port(0), responder.port(1), kPatient));
    QCOMPARE(nat.toString(), u"cone (restricted)"_qs);
    QCOMPARE(responder.plainSenders[0].size(), 1);
    QCOMPARE(responder.plainSenders[1], responder.plainSenders[0]); // mapping: one socket
    QCOMPARE(responder.changeSenders.size(), 1);
    QVERIFY(!responder.plainSenders[0].contains(responder.changeSenders[0]));
}

void TestNatProber::natTypeText_data()
{
    QTest::addColumn<int>("mapping");
    QTest::addColumn<int>("filtering");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("punchable");
    using M = NatType::Mapping;
    using F = NatType::Filtering;
    QTest::newRow("unknown") << int(M::Unknown) << int(F::Unknown) << u"unknown"_qs << true;
    QTest::newRow("open") << int(M::None) << int(F::Unknown) << u"open"_qs << true;
    QTest::newRow("full cone") << int(M::EndpointIndependent) << int(F::EndpointIndependent)
                               << u"cone (full)"_qs << true;
    QTest::newRow("restricted cone") << int(M::EndpointIndependent) << int(F::AddressDependent)
                                     << u"cone (restricted)"_qs << true;
    QTest::newRow("port-restricted cone")
        << int(M::EndpointIndependent) << int(F::AddressAndPortDependent)
        << u"cone (port-restricted)"_qs << true;
    QTest::newRow("cone") << int(M::EndpointIndependent) << int(F::Unknown) << u"cone"_qs << true;
    QTest::newRow("symmetric") << int(M::Dependent) << int(F::Unknown) << u"symmetric"_qs << false;
}

void TestNatProber::natTypeText()
{
    QFETCH(int, mapping);
    QFETCH(int, filtering);
    QFETCH(QString, text);
    QFETCH(bool, punchable);
    NatType nat;
    nat.mapping = NatType::Mapping(mapping);
    nat.filtering = NatType::Filtering(filtering);
    QCOMPARE(nat.toString(), text);
    QCOMPARE(nat.punchable(), punchable);
    QVERIFY(!nat.explanation().isEmpty());
    // The text round-trips (filtering is not part of "open" and "symmetric").
    const NatType back = NatType::fromString(text);
    QCOMPARE(back.toString(), text);
    QCOMPARE(back.mapping, nat.mapping);
    QCOMPARE(NatType::fromString(QString(QStringLiteral("  ") + text + QStringLiteral(" "))), back);
    QCOMPARE(NatType::fromString(u"cone (sideways)").toString(), u"unknown"_qs);
    // The sequential symmetric NAT (port prediction) round-trips too.
    const NatType sequential = NatType::fromString(u"symmetric (sequential)");
    QCOMPARE(sequential.mapping, NatType::Mapping::Dependent);
    QVERIFY(sequential.sequential);
    QCOMPARE(sequential.toString(), u"symmetric (sequential)"_qs);
    QVERIFY(!NatType::fromString(u"symmetric").sequential);
}

QTEST_GUILESS_MAIN(TestNatProber)
#include "tst_natprober.moc"
