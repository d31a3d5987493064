// SPDX-License-Identifier: GPL-3.0-or-later
// PcpGateway against a PCP server on loopback (a QUdpSocket answering with the codec's bytes):
// a mapping made, renewed with the same nonce and deleted; refusals, a NAT-PMP-only gateway,
// no server at all, and answers that are not ours. The real gateway (miniupnpd) is the NAT
// lab's prc-sympcp case.

#include "net/client/pcpgateway.h"
#include "net/wire/pcpmessage.h"

#include <QElapsedTimer>
#include <QNetworkDatagram>
#include <QTest>
#include <QUdpSocket>
#include <QtEndian>

#include <future>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

//! What the server does with a request.
enum class Mode { Grant, NotAuthorized, NatPmpOnly, ForeignNonceFirst, Silent };

struct SeenRequest
{
    quint32 lifetime = 0;
    QHostAddress client;
    QHostAddress sender;
    QByteArray nonce;
    quint16 internalPort = 0;
    quint16 suggestedPort = 0;
};

class PcpServer : public QObject
{
public:
    explicit PcpServer(Mode mode)
        : m_mode(mode)
    {
        m_socket.bind(QHostAddress::LocalHost, 0);
        connect(&m_socket, &QUdpSocket::readyRead, this, &PcpServer::answer);
    }
    Endpoint endpoint() const { return {QHostAddress::LocalHost, m_socket.localPort()}; }
    const QList<SeenRequest> &seen() const { return m_seen; }

private:
    void answer()
    {
        while (m_socket.hasPendingDatagrams()) {
            const QNetworkDatagram d = m_socket.receiveDatagram();
            const QByteArray q = d.data();
            if (q.size() != PcpMapRequest::kSize || q[0] != 2 || q[1] != 1)
                continue;
            SeenRequest s;
            s.lifetime = qFromBigEndian<quint32>(q.constData() + 4);
            Q_IPV6ADDR client {};
            std::copy(q.constData() + 8, q.constData() + 24, std::begin(client.c));
            s.client = QHostAddress(QHostAddress(client).toIPv4Address());
            s.sender = QHostAddress(d.senderAddress().toIPv4Address());
            s.nonce = q.mid(24, 12);
            s.internalPort = qFromBigEndian<quint16>(q.constData() + 40);
            s.suggestedPort = qFromBigEndian<quint16>(q.constData() + 42);
            m_seen.append(s);
            switch (m_mode) {
            case Mode::Silent:
                break;
            case Mode::NatPmpOnly:
                m_socket.writeDatagram(
                    QByteArray::fromHex("0082000100001000"), d.senderAddress(), d.senderPort());
                break;
            case Mode::NotAuthorized:
                reply(d, q, 2, s.internalPort);
                break;
            case Mode::ForeignNonceFirst: {
                QByteArray other = q;
                other[24] = char(~other[24]);
                reply(d, other, 0, s.internalPort + 7);
                reply(d, q, 0, s.internalPort + 1000);
                break;
            }
            case Mode::Grant:
                reply(d, q, 0, s.internalPort + 1000);
                break;
            }
        }
    }

    //! The answer to \a request (its opcode data copied back), with \a result and \a port.
    void reply(const QNetworkDatagram &d, const QByteArray &request, quint8 result, int port)
    {
        QByteArray r(24, '\0');
        r[0] = 2;
        r[1] = char(0x81);
        r[3] = char(result);
        qToBigEndian<quint32>(
            std::min<quint32>(qFromBigEndian<quint32>(request.constData() + 4), 600), r.data() + 4);
        qToBigEndian<quint32>(99, r.data() + 8);
        QByteArray map = request.mid(24, 36);
        qToBigEndian<quint16>(quint16(port), map.data() + 18);
        const QByteArray external = QByteArray::fromHex("00000000000000000000ffffcb007107");
        map.replace(20, 16, external);
        m_socket.writeDatagram(r + map, d.senderAddress(), d.senderPort());
    }

    Mode m_mode;
    QUdpSocket m_socket;
    QList<SeenRequest> m_seen;
};

//! Runs a blocking gateway call on another thread while this one's event loop serves the server.
template<typename F> auto offThread(F call)
{
    auto future = std::async(std::launch::async, call);
    QElapsedTimer clock;
    clock.start();
    while (future.wait_for(0ms) != std::future_status::ready && clock.elapsed() < 20000)
        QTest::qWait(5);
    return future.get();
}

} // namespace

class TestPcpGateway : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void mapsRenewsAndDeletes()
    {
        PcpServer server(Mode::Grant);
        PcpGateway gateway(3000ms, server.endpoint());
        const GatewayAnswer first = offThread([&] { return gateway.map(40100, 0, 3600s, {}); });
        QVERIFY2(first.ok(), qPrintable(first.error));
        QCOMPARE(first.external.address, QHostAddress(u"203.0.113.7"_qs));
        QCOMPARE(first.external.port, 41100);
        QCOMPARE(first.lease, 600s); // what the server granted, not what was asked
        QCOMPARE(gateway.protocol(), PortMapProtocol::Pcp);
        const GatewayAnswer again = offThread([&] { return gateway.map(40100, 0, 3600s, {}); });
        QVERIFY(again.ok());
        QVERIFY(offThread([&] { return gateway.unmap(40100, 41100); }));

        const QList<SeenRequest> &seen = server.seen();
        QCOMPARE(seen.size(), 3);
        QCOMPARE(seen[0].lifetime, 3600u);
        QCOMPARE(seen[0].internalPort, 40100);
        QCOMPARE(seen[0].suggestedPort, 40100); // "any" asks for the same port
        // the client's address field is the packet's source (else ADDRESS_MISMATCH)
        QCOMPARE(seen[0].client, seen[0].sender);
        QCOMPARE(seen[0].nonce.size(), PcpMapRequest::kNonceSize);
        // renewing and deleting carry the mapping's nonce; the delete has lifetime 0
        QCOMPARE(seen[1].nonce, seen[0].nonce);
        QCOMPARE(seen[2].nonce, seen[0].nonce);
        QCOMPARE(seen[2].lifetime, 0u);
        QCOMPARE(seen[2].suggestedPort, 41100);
        // deleted: nothing of ours is left to delete, and a new mapping gets a new nonce
        QVERIFY(!gateway.unmap(40100, 41100));
        QVERIFY(offThread([&] { return gateway.map(40100, 0, 60s, {}); }).ok());
        QVERIFY(server.seen().last().nonce != seen[0].nonce);
    }

    void refusalsSayWhy()
    {
        PcpServer refusing(Mode::NotAuthorized);
        PcpGateway gateway(3000ms, refusing.endpoint());
        const GatewayAnswer no = offThread([&] { return gateway.map(40101, 0, 60s, {}); });
        QVERIFY(!no.ok());
        QVERIFY2(no.error.contains(u"NOT_AUTHORIZED"_qs), qPrintable(no.error));

        PcpServer natPmp(Mode::NatPmpOnly);
        PcpGateway old(3000ms, natPmp.endpoint());
        const GatewayAnswer pmp = offThread([&] { return old.map(40102, 0, 60s, {}); });
        QVERIFY(!pmp.ok());
        QVERIFY2(pmp.error.contains(u"only NAT-PMP"_qs), qPrintable(pmp.error));
    }

    void noServerEndsAtOnce()
    {
        quint16 port = 0;
        {
            QUdpSocket probe; // a port nobody listens on any more
            QVERIFY(probe.bind(QHostAddress::LocalHost, 0));
            port = probe.localPort();
        }
        PcpGateway gateway(5000ms, Endpoint {QHostAddress::LocalHost, port});
        QElapsedTimer clock;
        clock.start();
        const GatewayAnswer answer = offThread([&] { return gateway.map(40103, 0, 60s, {}); });
        QVERIFY(!answer.ok());
        QVERIFY2(answer.error.contains(u"no PCP server"_qs), qPrintable(answer.error));
        QVERIFY2(clock.elapsed() < 2500, "the ICMP error should end the call, not the timeout");
    }

    void answersThatAreNotOursAreSkipped()
    {
        PcpServer server(Mode::ForeignNonceFirst);
        PcpGateway gateway(3000ms, server.endpoint());
        const GatewayAnswer answer = offThread([&] { return gateway.map(40104, 0, 60s, {}); });
        QVERIFY2(answer.ok(), qPrintable(answer.error));
        QCOMPARE(answer.external.port, 41104); // not the foreign answer's 40111

        PcpServer silent(Mode::Silent);
        PcpGateway quiet(1200ms, silent.endpoint());
        QElapsedTimer clock;
        clock.start();
        const GatewayAnswer none = offThread([&] { return quiet.map(40105, 0, 60s, {}); });
        QVERIFY(!none.ok());
        QVERIFY2(none.error.contains(u"did not answer"_qs), qPrintable(none.error));
        QVERIFY(clock.elapsed() >= 1100);
        // sent at 0, 250 and 750 ms: retransmitted, within the timeout
        QCOMPARE(silent.seen().size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestPcpGateway)
#include "tst_pcpgateway.moc"
