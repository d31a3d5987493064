// SPDX-License-Identifier: GPL-3.0-or-later
// PortMapper's lease handling against scripted gateways: which gateway maps, renewal, a gateway
// that forgets (restart) or goes away, a new port, deletion on stop. The real UPnP-IGD and
// NAT-PMP clients are driven against a real miniupnpd in the NAT lab (case_punch.sh prc-sym*).
#include "net/client/portmapper.h"

#include <QMutex>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

/*!
 * A gateway whose answers the test sets; called on PortMapper's worker thread. Like an IGD v2
 * whose port table holds other hosts' mappings, it grants the external port asked for when it
 * holds that one for us already (a renewal), else that port + externalOffset (0: as asked).
 */
class ScriptedGateway final : public PortMapGateway
{
public:
    ScriptedGateway(PortMapProtocol protocol, quint16 externalOffset)
        : m_protocol(protocol)
        , m_offset(externalOffset)
    { }

    PortMapProtocol protocol() const override { return m_protocol; }
    GatewayAnswer map(quint16 internalPort, quint16 externalPort, std::chrono::seconds lease,
        std::stop_token) override
    {
        QMutexLocker lock(&m_mutex);
        ++m_maps;
        m_asked.append(externalPort);
        GatewayAnswer answer;
        if (!m_up) {
            answer.error = QStringLiteral("scripted gateway is down");
            return answer;
        }
        Q_UNUSED(internalPort)
        if (externalPort != m_held)
            m_held = quint16(externalPort + m_offset);
        answer.external = Endpoint {QHostAddress(QStringLiteral("198.51.100.7")), m_held};
        answer.lease = m_grant.count() ? m_grant : lease;
        return answer;
    }
    bool unmap(quint16 internalPort, quint16 externalPort) override
    {
        QMutexLocker lock(&m_mutex);
        m_unmapped.append({internalPort, externalPort});
        return true;
    }

    void setUp(bool up)
    {
        QMutexLocker lock(&m_mutex);
        m_up = up;
    }
    //! Restarts: forgets the mapping it held (and grants the port asked + offset again).
    void restart()
    {
        QMutexLocker lock(&m_mutex);
        m_held = 0;
    }
    //! The external ports map() was asked for, in order.
    QList<quint16> asked()
    {
        QMutexLocker lock(&m_mutex);
        return m_asked;
    }
    void setGrant(std::chrono::seconds grant)
    {
        QMutexLocker lock(&m_mutex);
        m_grant = grant;
    }
    int maps()
    {
        QMutexLocker lock(&m_mutex);
        return m_maps;
    }
    QList<QPair<quint16, quint16>> unmapped()
    {
        QMutexLocker lock(&m_mutex);
        return m_unmapped;
    }

private:
    QMutex m_mutex;
    PortMapProtocol m_protocol;
    quint16 m_offset;
    bool m_up = true;
    std::chrono::seconds m_grant {0};
    int m_maps = 0;
    quint16 m_held = 0; //!< the external port it forwards to us; 0: none
    QList<quint16> m_asked;
    QList<QPair<quint16, quint16>> m_unmapped;
};

PortMapperConfig fastConfig()
{
    PortMapperConfig c;
    c.refreshInterval = 10min; // tests that want renewals shorten it
    c.retryInterval = 50ms;
    c.exitBudget = 2s;
    return c;
}

} // namespace

class TestPortMapper : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void firstAnsweringGatewayMaps_data();
    void firstAnsweringGatewayMaps();
    void renewsBeforeTheLeaseEnds();
    void recreatesAfterTheGatewayCameBack();
    void renewsTheExternalPortGranted();
    void newPortMovesTheMapping();
    void stopDeletesTheMapping();
    void noGatewaysSaysWhy();
};

void TestPortMapper::firstAnsweringGatewayMaps_data()
{
    QTest::addColumn<bool>("natPmpUp");
    QTest::addColumn<bool>("upnpUp");
    QTest::addColumn<PortMapProtocol>("expected");
    QTest::newRow("NAT-PMP answers first") << true << true << PortMapProtocol::NatPmp;
    QTest::newRow("only UPnP") << false << true << PortMapProtocol::Upnp;
    QTest::newRow("neither") << false << false << PortMapProtocol::None;
}

void TestPortMapper::firstAnsweringGatewayMaps()
{
    QFETCH(bool, natPmpUp);
    QFETCH(bool, upnpUp);
    QFETCH(PortMapProtocol, expected);
    auto natpmp = std::make_shared<ScriptedGateway>(PortMapProtocol::NatPmp, 0);
    auto upnp = std::make_shared<ScriptedGateway>(PortMapProtocol::Upnp, 1);
    natpmp->setUp(natPmpUp);
    upnp->setUp(upnpUp);
    PortMapper mapper(fastConfig(), {natpmp, upnp});
    QSignalSpy changed(&mapper, &PortMapper::changed);
    mapper.start(40001);
    // Started: asking, or (a loaded machine: the gateway's worker answered before start()'s
    // coroutine first looked, so it went on at once) already done.
    QVERIFY(mapper.state() != PortMapper::State::Off);
    const auto settled = PortMapper::State::Mapped;
    const auto failed = PortMapper::State::Unavailable;
    QTRY_VERIFY_WITH_TIMEOUT(mapper.state() == settled || mapper.state() == failed, 5000);
    QCOMPARE(mapper.protocol(), expected);
    if (expected == PortMapProtocol::None) {
        QCOMPARE(mapper.state(), failed);
        QVERIFY(!mapper.external().isValid());
        QVERIFY2(mapper.reason().contains(QStringLiteral("down")), qPrintable(mapper.reason()));
        return;
    }
    QCOMPARE(mapper.state(), settled);
    const quint16 offset = expected == PortMapProtocol::Upnp ? 1 : 0;
    QCOMPARE(mapper.external(),
        (Endpoint {QHostAddress(QStringLiteral("198.51.100.7")), quint16(40001 + offset)}));
    QVERIFY(mapper.reason().isEmpty());
    QVERIFY(changed.count() >= 2); // Mapping, then Mapped
    // The first that answers holds it; the other was not asked.
    QCOMPARE(upnp->maps(), natPmpUp ? 0 : 1);
}

void TestPortMapper::renewsBeforeTheLeaseEnds()
{
    auto gateway = std::make_shared<ScriptedGateway>(PortMapProtocol::NatPmp, 0);
    gateway->setGrant(1s); // granted far less than asked: renew at half of it
    PortMapperConfig config = fastConfig();
    PortMapper mapper(config, {gateway});
    mapper.start(40002);
    QTRY_COMPARE_WITH_TIMEOUT(mapper.state(), PortMapper::State::Mapped, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(gateway->maps() >= 3, 5000); // 0 s, ~0.5 s, ~1 s
    QCOMPARE(mapper.state(), PortMapper::State::Mapped);
}

void TestPortMapper::recreatesAfterTheGatewayCameBack()
{
    auto gateway = std::make_shared<ScriptedGateway>(PortMapProtocol::Upnp, 0);
    PortMapperConfig config = fastConfig();
    config.refreshInterval = 50ms;
    PortMapper mapper(config, {gateway});
    mapper.start(40003);
    QTRY_COMPARE_WITH_TIMEOUT(mapper.state(), PortMapper::State::Mapped, 5000);
    // The gateway goes away: the mapping is withdrawn (peers must not be sent to it) ...
    gateway->setUp(false);
    QTRY_COMPARE_WITH_TIMEOUT(mapper.state(), PortMapper::State::Unavailable, 5000);
    QVERIFY(!mapper.external().isValid());
    // ... and asked for again until it is back (a restarted gateway forgot it).
    gateway->setUp(true);
    QTRY_COMPARE_WITH_TIMEOUT(mapper.state(), PortMapper::State::Mapped, 5000);
    QCOMPARE(mapper.external().port, quint16(40003));
}

void TestPortMapper::renewsTheExternalPortGranted()
{
    // P is taken at the gateway by another host: it granted P + 7. Renewals must ask for that
    // port (asking for P again would be a second mapping on an IGD v2, or a 718 on a v1), and
    // the mapping is deleted under it.
    auto gateway = std::make_shared<ScriptedGateway>(PortMapProtocol::Upnp, 7);
    PortMapperConfig config = fastConfig();
    config.refreshInterval = 50ms;
    {
        PortMapper mapper(config, {gateway});
        mapper.start(40010);
        QTRY_COMPARE_WITH_TIMEOUT(mapper.state(), PortMapper::State::Mapped, 5000);
        QCOMPARE(mapper.external().port, quint16(40017));
        QTRY_VERIFY_WITH_TIMEOUT(gateway->maps() >= 3, 5000);
        QList<quint16> asked = gateway->asked();
        QCOMPARE(asked.first(), quint16(40010));
        for (qsizetype i = 1; i < asked.size(); ++i)
            QCOMPARE(asked.at(i), quint16(40017));
        QCOMPARE(mapper.external().port, quint16(40017));
        // The gateway restarts and someone else got 40017 meanwhile: the renewal is granted
        // another port, which is what the mapper reports (and renews) from then on.
        gateway->restart();
        QTRY_COMPARE_WITH_TIMEOUT(mapper.external().port, quint16(40024), 5000);
        QCOMPARE(mapper.state(), PortMapper::State::Mapped);
        const int seen = gateway->maps();
        QTRY_VERIFY_WITH_TIMEOUT(gateway->maps() >= seen + 2, 5000);
        asked = gateway->asked();
        QCOMPARE(asked.last(), quint16(40024));
    }
    // The mapping is deleted, under the port granted last. A renewal still in flight when the
    // mapper went away deletes what it made too: the same mapping again (seen under ASan).
    const QList<QPair<quint16, quint16>> unmapped = gateway->unmapped();
    QVERIFY(!unmapped.isEmpty());
    for (const auto &deleted : unmapped)
        QCOMPARE(deleted, (QPair<quint16, quint16>(40010, 40024)));
}

void TestPortMapper::newPortMovesTheMapping()
{
    auto gateway = std::make_shared<ScriptedGateway>(PortMapProtocol::NatPmp, 0);
    PortMapper mapper(fastConfig(), {gateway});
    mapper.start(40004);
    QTRY_COMPARE_WITH_TIMEOUT(mapper.state(), PortMapper::State::Mapped, 5000);
    mapper.start(40004); // the same port: nothing new
    QCOMPARE(mapper.state(), PortMapper::State::Mapped);
    mapper.start(40005); // the control connection got another port
    QTRY_COMPARE_WITH_TIMEOUT(mapper.external().port, quint16(40005), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(gateway->unmapped().size(), 1, 5000);
    QCOMPARE(gateway->unmapped().first(), (QPair<quint16, quint16>(40004, 40004)));
}

void TestPortMapper::stopDeletesTheMapping()
{
    auto gateway = std::make_shared<ScriptedGateway>(PortMapProtocol::Upnp, 7);
    {
        PortMapper mapper(fastConfig(), {gateway});
        mapper.start(40006);
        QTRY_COMPARE_WITH_TIMEOUT(mapper.state(), PortMapper::State::Mapped, 5000);
        mapper.stop();
        QCOMPARE(mapper.state(), PortMapper::State::Off);
        // stop() waited for the gateway (exitBudget): the deletion is done when it returns.
        QCOMPARE(gateway->unmapped().size(), 1);
        QCOMPARE(gateway->unmapped().first(), (QPair<quint16, quint16>(40006, 40013)));
    }
    // Destroyed while mapped: deleted as well.
    auto other = std::make_shared<ScriptedGateway>(PortMapProtocol::NatPmp, 0);
    {
        PortMapper mapper(fastConfig(), {other});
        mapper.start(40007);
        QTRY_COMPARE_WITH_TIMEOUT(mapper.state(), PortMapper::State::Mapped, 5000);
    }
    QCOMPARE(other->unmapped().size(), 1);
}

void TestPortMapper::noGatewaysSaysWhy()
{
    PortMapperConfig config = fastConfig();
    config.upnp = false;
    config.natPmp = false;
    config.pcp = false;
    PortMapper mapper(config); // the system's gateways, every protocol off
    mapper.start(40008);
    QCOMPARE(mapper.state(), PortMapper::State::Unavailable);
    QVERIFY(!mapper.reason().isEmpty());
}

QTEST_GUILESS_MAIN(TestPortMapper)
#include "tst_portmapper.moc"
