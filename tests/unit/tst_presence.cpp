// SPDX-License-Identifier: GPL-3.0-or-later
// Scoped presence and lookup on a real RendezvousServer over loopback. Every loopback client
// would share the observed address 127.0.0.1 (and so see everybody), so each hand-driven client
// binds its own 127.x.y.z source address (every 127/8 address is local on Linux): clients on
// different addresses stand for different homes, clients on one address for one home network.
//
// "Nothing arrived" is never a sleep: the client sends a ping and waits for the pong. The server
// handles one connection's frames in order and sends presence caused by earlier events before
// it answers a later ping, so a pong with no peer-joined before it proves there was none.

#include "net/client/controlclient.h"
#include "net/server/rendezvousserver.h"
#include "net/wire/controlprotocol.h"
#include "support/rawcontrolclient.h"
#include "support/testhelpers.h"
#include "support/testserver.h"
#include "transfer/transferengine.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <qcorotask.h>

#include <memory>

using namespace PunchDrop;
using namespace PunchDrop::Control;
using namespace std::chrono_literals;

class TestPresence : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void differentAddressesDoNotSeeEachOther();
    void oneSidedWatchRevealsNothing();
    void mutualWatchMakesBothSidesSeeEachOther();
    void helloWatchListsPeerOnlineAndNotifiesOnJoin();
    void sameAddressSeesEachOther();
    void joinNotifiesOnlyVisiblePeers();
    void reRegistrationFromElsewhereTellsOldWatchersItLeft();
    void lookup_data();
    void lookup();
    void lookupIsRateLimited();
    void lookupIsRateLimitedPerAddress();
    void natChangesAreThrottledAndCoalesced();
    void connectNeedsNoVisibility();
    void lookupTellsStrangersNoNatType();
    void strangersConnectHandsOnlyVouchedCandidates();
    void portGuessingPartsFollowBothNatTypes();
    void directOutcomeReleasesTheRelaySlot();
    void upgradesGuessPortsOnlyAFewTimes();
    void watchListsAreBoundedServerWide();
    void controlClientWatchAndLookup();
    void engineFindPeerAsksTheServer();
    void controlClientLookupEndsWhenTheServerGoes();
    void cliPeersShowsTheVisibleAndLooksUpTheRest();

private:
    //! A raw client on its own source address (a home of its own), with a certificate.
    std::unique_ptr<Test::RawControlClient> client(const char *source, const char *name)
    {
        return std::make_unique<Test::RawControlClient>(m_port, Test::ephemeralIdentity(),
            QString::fromLatin1(source), QString::fromLatin1(name));
    }

    Test::TestServer m_server;
    quint16 m_port = 0;
};

void TestPresence::init()
{
    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.lookupsPerSecond = 3;
    config.lookupsPerAddressPerSecond = 5;
    config.presenceChangesPerSecond = 1;
    config.rttProbeTimeout = 300ms;
    QString error;
    QVERIFY2(m_server.start(config, &error), qPrintable(error));
    m_port = m_server.port();
}

void TestPresence::cleanup()
{
    m_server.stop();
}

void TestPresence::differentAddressesDoNotSeeEachOther()
{
    auto a = client("127.0.1.1", "alice");
    QVERIFY(a->registerWith());
    auto b = client("127.0.2.1", "bob");
    QVERIFY(b->registerWith());
    QVERIFY(b->initialPeers().isEmpty());
    QVERIFY(a->sync());
    QCOMPARE(a->presenceCount(), 0);
    b->disconnect();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->registeredCount(), 1, 5000);
    QVERIFY(a->sync());
    QCOMPARE(a->presenceCount(), 0); // nor does it hear that bob left
}

void TestPresence::oneSidedWatchRevealsNothing()
{
    // Before: knowing bob's ID was enough to follow when he is online (a one-sided watch).
    auto a = client("127.0.1.1", "alice");
    auto b = client("127.0.2.1", "bob");
    QVERIFY(a->registerWith({b->id()}));
    QVERIFY(b->registerWith());
    QVERIFY(b->initialPeers().isEmpty());
    a->send(Watch {{b->id()}});
    QVERIFY(a->sync());
    QVERIFY(b->sync());
    QCOMPARE(a->presenceCount(), 0);
    QCOMPARE(b->presenceCount(), 0);
    b->disconnect();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->registeredCount(), 1, 5000);
    auto again = std::make_unique<Test::RawControlClient>(
        m_port, b->identity, QStringLiteral("127.0.2.1"), QStringLiteral("bob"));
    QVERIFY(again->registerWith());
    QVERIFY(a->sync());
    QCOMPARE(a->presenceCount(), 0); // neither its leaving nor its return
}

void TestPresence::mutualWatchMakesBothSidesSeeEachOther()
{
    auto a = client("127.0.1.1", "alice");
    auto b = client("127.0.2.1", "bob");
    QVERIFY(a->registerWith());
    QVERIFY(b->registerWith({a->id()})); // bob has alice as a contact
    QVERIFY(a->sync());
    QCOMPARE(a->presenceCount(), 0);

    a->send(Watch {{b->id()}}); // and now alice has bob
    QTRY_COMPARE_WITH_TIMEOUT(a->joined(b->id()).size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(b->joined(a->id()).size(), 1, 5000); // symmetric
    QCOMPARE(b->joined(a->id()).constFirst().name, QStringLiteral("alice"));

    // The same list again changes nothing.
    a->send(Watch {{b->id()}});
    QVERIFY(a->sync());
    QVERIFY(b->sync());
    QCOMPARE(a->joined(b->id()).size(), 1);
    QCOMPARE(b->joined(a->id()).size(), 1);

    a->disconnect();
    QTRY_COMPARE_WITH_TIMEOUT(b->leftCount(a->id()), 1, 5000);
}

void TestPresence::helloWatchListsPeerOnlineAndNotifiesOnJoin()
{
    auto b = client("127.0.2.1", "bob");
    auto a = client("127.0.1.1", "alice");
    auto c = client("127.0.3.1", "carol");
    QVERIFY(b->registerWith({a->id()}));
    QVERIFY(a->registerWith({b->id(), c->id()})); // carol is not online yet
    QCOMPARE(a->initialPeers(), QSet<DeviceId> {b->id()});
    QTRY_COMPARE_WITH_TIMEOUT(b->joined(a->id()).size(), 1, 5000);

    QVERIFY(c->registerWith({a->id()}));
    QCOMPARE(c->initialPeers(), QSet<DeviceId> {a->id()}); // they watch each other
    QTRY_COMPARE_WITH_TIMEOUT(a->joined(c->id()).size(), 1, 5000);
    QVERIFY(b->sync());
    QCOMPARE(b->joined(c->id()).size(), 0);

    // Unwatching: both sides hear the other is gone for them.
    a->send(Watch {{c->id()}});
    QTRY_COMPARE_WITH_TIMEOUT(a->leftCount(b->id()), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(b->leftCount(a->id()), 1, 5000);
    QVERIFY(c->sync());
    QCOMPARE(c->leftCount(a->id()), 0);
}

void TestPresence::sameAddressSeesEachOther()
{
    auto a = client("127.0.4.1", "alice");
    QVERIFY(a->registerWith());
    auto b = client("127.0.4.1", "bob");
    QVERIFY(b->registerWith());
    QCOMPARE(b->initialPeers(), QSet<DeviceId> {a->id()});
    QTRY_COMPARE_WITH_TIMEOUT(a->joined(b->id()).size(), 1, 5000);
    b->disconnect();
    QTRY_COMPARE_WITH_TIMEOUT(a->leftCount(b->id()), 1, 5000);
}

void TestPresence::joinNotifiesOnlyVisiblePeers()
{
    auto x = client("127.0.9.1", "xavier");
    auto watcher = client("127.0.1.1", "watcher");
    auto neighbour = client("127.0.9.1", "neighbour"); // same home as xavier
    auto stranger = client("127.0.2.1", "stranger");
    QVERIFY(watcher->registerWith({x->id()}));
    QVERIFY(neighbour->registerWith());
    QVERIFY(stranger->registerWith({x->id()})); // one-sided: xavier does not watch it
    QVERIFY(x->registerWith({watcher->id()}));
    QCOMPARE(x->initialPeers(), (QSet<DeviceId> {watcher->id(), neighbour->id()}));
    QTRY_COMPARE_WITH_TIMEOUT(watcher->joined(x->id()).size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(neighbour->joined(x->id()).size(), 1, 5000);
    QVERIFY(stranger->sync());
    QCOMPARE(stranger->presenceCount(), 0);
    QVERIFY(watcher->sync());
    QCOMPARE(watcher->joined(neighbour->id()).size(), 0); // it watches xavier, not his home
}

void TestPresence::reRegistrationFromElsewhereTellsOldWatchersItLeft()
{
    auto home = client("127.0.5.1", "housemate");
    QVERIFY(home->registerWith());
    auto laptop = client("127.0.5.1", "laptop");
    QVERIFY(laptop->registerWith());
    QTRY_COMPARE_WITH_TIMEOUT(home->joined(laptop->id()).size(), 1, 5000);

    // The same device (same key) registers again from another network.
    Test::RawControlClient again(
        m_port, laptop->identity, QStringLiteral("127.0.6.1"), QStringLiteral("laptop"));
    QVERIFY(again.registerWith());
    QVERIFY(!again.initialPeers().contains(home->id()));
    QTRY_COMPARE_WITH_TIMEOUT(home->leftCount(laptop->id()), 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(laptop->link->isClosed(), 5000);
}

void TestPresence::lookup_data()
{
    QTest::addColumn<QString>("query"); // "$bob" = bob's full ID, "$bob:5" = its first 5 chars
    QTest::addColumn<QString>("code");
    QTest::addColumn<QStringList>("names"); // of the peers in the answer

    QTest::newRow("exact id") << QStringLiteral("$bob") << QStringLiteral("ok")
                              << QStringList {QStringLiteral("bob")};
    QTest::newRow("id prefix") << QStringLiteral("$bob:12") << QStringLiteral("ok")
                               << QStringList {QStringLiteral("bob")};
    QTest::newRow("id prefix marked id:") << QStringLiteral("ID: $bob:12") << QStringLiteral("ok")
                                          << QStringList {QStringLiteral("bob")};
    QTest::newRow("id: never matches a name")
        << QStringLiteral("id:twin") << QStringLiteral("not-found") << QStringList {};
    QTest::newRow("unique name, other case")
        << QStringLiteral("BOB") << QStringLiteral("ok") << QStringList {QStringLiteral("bob")};
    QTest::newRow("ambiguous name") << QStringLiteral("twin") << QStringLiteral("ambiguous")
                                    << QStringList {QStringLiteral("twin"), QStringLiteral("Twin")};
    QTest::newRow("not found") << QStringLiteral("nobody") << QStringLiteral("not-found")
                               << QStringList {};
    QTest::newRow("own name is not a match")
        << QStringLiteral("asker") << QStringLiteral("not-found") << QStringList {};
    QTest::newRow("blank") << QStringLiteral("  ") << QStringLiteral("bad-query") << QStringList {};
}

void TestPresence::lookup()
{
    QFETCH(QString, query);
    QFETCH(QString, code);
    QFETCH(QStringList, names);
    auto asker = client("127.0.1.1", "asker");
    auto bob = client("127.0.2.1", "bob");
    auto twin1 = client("127.0.3.1", "twin");
    auto twin2 = client("127.0.3.2", "Twin");
    QVERIFY(asker->registerWith());
    QVERIFY(bob->registerWith());
    QVERIFY(twin1->registerWith());
    QVERIFY(twin2->registerWith());
    if (query == u"$bob")
        query = bob->id().toString();
    else
        query.replace(QStringLiteral("$bob:12"), bob->id().toString().left(12));

    const auto result = asker->lookup(query);
    QVERIFY(result.has_value());
    QCOMPARE(lookupStatusName(result->code), code);
    QStringList got;
    for (const PeerEntry &e : result->peers)
        got << e.name;
    got.sort();
    names.sort();
    QCOMPARE(got, names);
    if (code == u"ok")
        QCOMPARE(result->peers.constFirst().id, bob->id());
    else
        QVERIFY(!result->message.isEmpty());
    // A lookup shows, it does not subscribe: nobody's presence changed.
    QVERIFY(asker->sync());
    QCOMPARE(asker->presenceCount(), 0);
}

void TestPresence::lookupIsRateLimited()
{
    auto asker = client("127.0.1.1", "asker");
    auto bob = client("127.0.2.1", "bob");
    QVERIFY(asker->registerWith());
    QVERIFY(bob->registerWith());
    // The server allows 3 per second (burst 3) in this test.
    int ok = 0;
    int busy = 0;
    for (int i = 0; i < 5; ++i) {
        const auto r = asker->lookup(QStringLiteral("bob"));
        QVERIFY(r.has_value());
        if (r->code == LookupStatus::Ok)
            ++ok;
        else if (r->code == LookupStatus::Busy)
            ++busy;
    }
    QVERIFY2(ok >= 3 && ok <= 4, qPrintable(QString::number(ok)));
    QVERIFY(busy >= 1);
    QCOMPARE(ok + busy, 5);
    // The budget refills (a QTRY_ macro would evaluate the lookup once more at the end).
    QVERIFY(QTest::qWaitFor(
        [&] {
            const auto r = asker->lookup(QStringLiteral("bob"));
            return r && r->code == LookupStatus::Ok;
        },
        5000));
}

void TestPresence::lookupIsRateLimitedPerAddress()
{
    // Three connections from one network (/24): 3 per connection, but only 5 for the network.
    // Before, each address of the /24 had a budget of its own.
    auto first = client("127.0.1.1", "first");
    auto second = client("127.0.1.2", "second");
    auto third = client("127.0.1.3", "third");
    auto bob = client("127.0.2.1", "bob");
    QVERIFY(first->registerWith());
    QVERIFY(second->registerWith());
    QVERIFY(third->registerWith());
    QVERIFY(bob->registerWith());
    int ok = 0;
    QElapsedTimer asking;
    asking.start();
    for (Test::RawControlClient *c : {first.get(), second.get(), third.get()}) {
        for (int i = 0; i < 3; ++i) {
            const auto r = c->lookup(QStringLiteral("bob"));
            QVERIFY(r.has_value());
            if (r->code == LookupStatus::Ok)
                ++ok;
            else
                QCOMPARE(r->code, LookupStatus::Busy);
        }
    }
    // 9 asked, each within its connection's budget; 5 allowed for the address, plus one per
    // 200 ms the nine round trips took (and one for a refill under way when they began).
    const qint64 took = asking.elapsed();
    const qint64 refilled = took / 200 + 1;
    QVERIFY2(ok >= 5 && ok <= 5 + refilled,
        qPrintable(QStringLiteral("%1 allowed in %2 ms").arg(ok).arg(took)));
    // Another network is not affected.
    auto other = client("127.0.3.1", "other");
    QVERIFY(other->registerWith());
    QCOMPARE(other->lookup(QStringLiteral("bob"))->code, LookupStatus::Ok);
}

void TestPresence::natChangesAreThrottledAndCoalesced()
{
    auto watcher = client("127.0.1.1", "watcher");
    auto flapper = client("127.0.2.1", "flapper");
    QVERIFY(flapper->registerWith({watcher->id()}));
    QVERIFY(watcher->registerWith({flapper->id()}));
    QVERIFY(watcher->initialPeers().contains(flapper->id()));
    for (int i = 1; i <= 6; ++i)
        flapper->send(Nat {QStringLiteral("nat-%1").arg(i)});
    QVERIFY(flapper->sync()); // all six handled by the server
    QVERIFY(watcher->sync());
    // One change per second in this test: the first goes out, the rest wait.
    QCOMPARE(watcher->joined(flapper->id()).size(), 1);
    QCOMPARE(watcher->joined(flapper->id()).constFirst().nat, QStringLiteral("nat-1"));
    // Later the newest type, once: the four in between are never sent.
    QTRY_COMPARE_WITH_TIMEOUT(watcher->joined(flapper->id()).size(), 2, 5000);
    QCOMPARE(watcher->joined(flapper->id()).constLast().nat, QStringLiteral("nat-6"));
}

void TestPresence::connectNeedsNoVisibility()
{
    auto a = client("127.0.1.1", "alice");
    auto b = client("127.0.2.1", "bob");
    QVERIFY(a->registerWith());
    QVERIFY(b->registerWith());
    a->send(Connect {1, b->id(), ConnectMode::Auto});
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(a->received.cbegin(), a->received.cend(),
            [](const ControlMessage &m) { return std::holds_alternative<Go>(m); }),
        5000);
}

void TestPresence::lookupTellsStrangersNoNatType()
{
    auto bob = client("127.0.2.1", "bob");
    auto stranger = client("127.0.1.1", "stranger");
    auto contact = client("127.0.3.1", "contact");
    auto housemate = client("127.0.2.1", "housemate");
    QVERIFY(bob->registerWith({contact->id()}, {}, QStringLiteral("full-cone")));
    QVERIFY(stranger->registerWith());
    QVERIFY(contact->registerWith());
    QVERIFY(housemate->registerWith());
    struct Case
    {
        Test::RawControlClient *asker;
        QString nat;
    };
    for (const Case &c :
        {Case {stranger.get(), QString()}, Case {contact.get(), QStringLiteral("full-cone")},
            Case {housemate.get(), QStringLiteral("full-cone")}}) {
        const auto r = c.asker->lookup(QStringLiteral("bob"));
        QVERIFY(r.has_value());
        QCOMPARE(r->code, LookupStatus::Ok);
        QCOMPARE(r->peers.size(), 1);
        QCOMPARE(r->peers.constFirst().id, bob->id()); // what it takes to connect
        QCOMPARE(r->peers.constFirst().nat, c.nat);
    }
}

void TestPresence::strangersConnectHandsOnlyVouchedCandidates()
{
    // Before: a stranger registered with endpoints of its choosing, connected, and the target
    // dialled them (3 dials to a chosen loopback port); and the stranger's go carried the
    // target's LAN addresses and NAT type.
    const QList<Endpoint> lies {{QHostAddress(QStringLiteral("127.0.0.1")), 9},
        {QHostAddress(QStringLiteral("10.0.0.5")), 7000},
        {QHostAddress(QStringLiteral("169.254.1.1")), 5},
        {QHostAddress(QStringLiteral("224.0.0.1")), 5},
        {QHostAddress(QStringLiteral("0.0.0.0")), 5},
        {QHostAddress(QStringLiteral("8.8.8.8")), 53}};
    auto victim = client("127.0.2.1", "victim");
    auto stranger = client("127.0.1.1", "stranger");
    auto housemate = client("127.0.2.1", "housemate");
    const QList<Endpoint> victimLan {{QHostAddress(QStringLiteral("192.168.1.20")), 4000}};
    QVERIFY(victim->registerWith({}, victimLan, QStringLiteral("symmetric")));
    QVERIFY(stranger->registerWith({}, lies, QStringLiteral("full-cone")));
    QVERIFY(housemate->registerWith({}, lies, QStringLiteral("full-cone")));

    stranger->send(Connect {1, victim->id(), ConnectMode::Auto});
    const auto strangerGo = stranger->first<Go>();
    QVERIFY(strangerGo.has_value());
    QCOMPARE(strangerGo->peer, victim->id());
    QCOMPARE(strangerGo->peerPublic.address, QHostAddress(QStringLiteral("127.0.2.1")));
    QVERIFY(strangerGo->peerPrivate.isEmpty()); // no LAN addresses to strangers
    QVERIFY(strangerGo->peerNat.isEmpty()); // nor the NAT type
    const auto victimGo = victim->first<Go>();
    QVERIFY(victimGo.has_value());
    QCOMPARE(victimGo->peer, stranger->id());
    // Only what the server saw itself: the connection's own address and port.
    QCOMPARE(victimGo->peerPublic.address, QHostAddress(QStringLiteral("127.0.1.1")));
    QCOMPARE(victimGo->peerPublic.port, stranger->link->localPort());
    QVERIFY(victimGo->peerPrivate.isEmpty());

    // Same public address (one home): its private-range LAN addresses are handed over, but
    // never loopback, link-local, multicast, unspecified or public ones.
    victim->clearReceived();
    housemate->send(Connect {2, victim->id(), ConnectMode::Auto});
    const auto fromHousemate = victim->first<Go>();
    QVERIFY(fromHousemate.has_value());
    QCOMPARE(fromHousemate->peerPrivate,
        (QList<Endpoint> {{QHostAddress(QStringLiteral("10.0.0.5")), 7000}}));
    const auto housemateGo = housemate->first<Go>();
    QVERIFY(housemateGo.has_value());
    QCOMPARE(housemateGo->peerPrivate, victimLan);
    QCOMPARE(housemateGo->peerNat, QStringLiteral("symmetric"));
}

void TestPresence::portGuessingPartsFollowBothNatTypes()
{
    // The server knows both NAT types even where the go hides the target's from a stranger,
    // so it hands out the parts: the symmetric side spreads, the port-restricted one probes.
    auto hard = client("127.0.2.1", "hard");
    auto easy = client("127.0.1.1", "easy");
    auto other = client("127.0.3.1", "other");
    QVERIFY(hard->registerWith({}, {}, QStringLiteral("symmetric")));
    QVERIFY(easy->registerWith({}, {}, QStringLiteral("cone (port-restricted)")));
    QVERIFY(other->registerWith({}, {}, QStringLiteral("cone (port-restricted)")));

    easy->send(Connect {1, hard->id(), ConnectMode::Auto});
    const auto easyGo = easy->first<Go>();
    QVERIFY(easyGo.has_value());
    QVERIFY(easyGo->peerNat.isEmpty()); // still hidden from a stranger
    QCOMPARE(easyGo->guess, PortGuess::Probe);
    const auto hardGo = hard->first<Go>();
    QVERIFY(hardGo.has_value());
    QCOMPARE(hardGo->guess, PortGuess::Spread);

    // The other way round, the same parts.
    easy->clearReceived();
    hard->clearReceived();
    hard->send(Connect {2, easy->id(), ConnectMode::DirectOnly});
    const auto fromHard = hard->first<Go>();
    QVERIFY(fromHard.has_value());
    QCOMPARE(fromHard->guess, PortGuess::Spread);
    const auto toEasy = easy->first<Go>();
    QVERIFY(toEasy.has_value());
    QCOMPARE(toEasy->guess, PortGuess::Probe);

    // Two port-restricted cones punch the ordinary way; the relay-only mode punches not at all.
    easy->clearReceived();
    other->clearReceived();
    easy->send(Connect {3, other->id(), ConnectMode::Auto});
    const auto cones = easy->first<Go>();
    QVERIFY(cones.has_value());
    QCOMPARE(cones->guess, PortGuess::None);
    easy->clearReceived();
    hard->clearReceived();
    easy->send(Connect {4, hard->id(), ConnectMode::RelayOnly});
    const auto relayed = easy->first<Go>();
    QVERIFY(relayed.has_value());
    QVERIFY(!relayed->punch);
    QCOMPARE(relayed->guess, PortGuess::None);
}

void TestPresence::upgradesGuessPortsOnlyAFewTimes()
{
    // A relayed transfer between a symmetric and a port-restricted NAT looks for a direct path
    // every 30 s for as long as it runs, and a go with a guessing part costs hundreds of SYNs a
    // side. The server hands out parts for a session's first 3 upgrade connects only, and none
    // for a session it does not know.
    auto a = client("127.0.1.1", "prc");
    auto b = client("127.0.2.1", "sym");
    QVERIFY(a->registerWith({}, {}, QStringLiteral("cone (port-restricted)")));
    QVERIFY(b->registerWith({}, {}, QStringLiteral("symmetric")));
    const auto connectOnce
        = [&](quint32 request, ConnectMode mode, const QByteArray &upgrade) -> std::optional<Go> {
        a->clearReceived();
        a->send(Connect {request, b->id(), mode, upgrade});
        static_cast<void>(
            QTest::qWaitFor([&] { return a->count<Go>() + a->count<ConnectError>() > 0; }, 5000));
        return a->first<Go>(0);
    };
    const auto first = connectOnce(1, ConnectMode::Auto, {});
    QVERIFY(first.has_value());
    QCOMPARE(first->guess, PortGuess::Probe);
    for (quint32 i = 2; i <= 6; ++i) {
        const auto go = connectOnce(i, ConnectMode::DirectOnly, first->sessionId);
        QVERIFY2(go.has_value(), qPrintable(QStringLiteral("upgrade %1 got no go").arg(i - 1)));
        QCOMPARE(go->upgrade, first->sessionId);
        QCOMPARE(go->guess, i <= 4 ? PortGuess::Probe : PortGuess::None);
    }
    // New sessions still guess; an upgrade for a session the server never introduced does not.
    const auto fresh = connectOnce(7, ConnectMode::Auto, {});
    QVERIFY(fresh.has_value());
    QCOMPARE(fresh->guess, PortGuess::Probe);
    const auto stranger = connectOnce(8, ConnectMode::DirectOnly, QByteArray(16, '\x5a'));
    QVERIFY(stranger.has_value());
    QCOMPARE(stranger->guess, PortGuess::None);
}

void TestPresence::directOutcomeReleasesTheRelaySlot()
{
    // Every go carries a relay token, charged to the initiator (4 slots by default) until it is
    // used or expires (120 s). A script that sends file after file, directly, used to run out of
    // slots: the one transfer that then needed the relay found none. A direct outcome from a
    // participant now gives the slot back; anybody else's report does not.
    auto a = client("127.0.1.1", "sender");
    auto b = client("127.0.2.1", "receiver");
    auto c = client("127.0.3.1", "bystander");
    QVERIFY(a->registerWith());
    QVERIFY(b->registerWith());
    QVERIFY(c->registerWith());
    const auto connectOnce = [&](quint32 request, ConnectMode mode) -> std::optional<Go> {
        a->clearReceived();
        a->send(Connect {request, b->id(), mode});
        static_cast<void>(
            QTest::qWaitFor([&] { return a->count<Go>() + a->count<ConnectError>() > 0; }, 5000));
        return a->first<Go>(0);
    };
    for (quint32 i = 1; i <= 6; ++i) {
        const auto go = connectOnce(i, ConnectMode::Auto);
        QVERIFY2(go.has_value(), qPrintable(QStringLiteral("connect %1 got no go").arg(i)));
        QVERIFY2(!go->relayToken.isEmpty(), qPrintable(QStringLiteral("connect %1").arg(i)));
        // The bystander cannot release it, the sender can.
        c->send(Outcome {go->sessionId, OutcomeKind::Direct, PathKind::DirectPunch, 5, {}});
        QVERIFY(c->sync());
        a->send(Outcome {go->sessionId, OutcomeKind::Direct, PathKind::DirectPunch, 5, {}});
        QVERIFY(a->sync());
    }
    const auto relayed = connectOnce(7, ConnectMode::RelayOnly);
    QVERIFY2(relayed.has_value(), "the 7th connect (relay-only) found no relay slot");
    QVERIFY(!relayed->relayToken.isEmpty());

    // Without the outcome the slots stay taken: the 4 default slots run out.
    int refused = 0;
    for (quint32 i = 8; i <= 12; ++i) {
        const auto go = connectOnce(i, ConnectMode::RelayOnly);
        refused += go.has_value() ? 0 : 1;
    }
    QVERIFY2(refused >= 1, "unused relay tokens were never charged");
}

void TestPresence::watchListsAreBoundedServerWide()
{
    RendezvousServerConfig config = Test::loopbackServerConfig();
    config.presence.maxWatchPerClient = 3;
    config.presence.maxWatchTotal = 5;
    Test::TestServer server;
    QString error;
    QVERIFY2(server.start(config, &error), qPrintable(error));
    QList<DeviceId> four;
    for (quint32 i = 0; i < 4; ++i)
        four << DeviceId::fromDigest(Test::randomBytes(32, 900 + i));
    Test::RawControlClient a(
        server.port(), Test::ephemeralIdentity(), QStringLiteral("127.0.1.1"), QStringLiteral("a"));
    QVERIFY(a.registerWith(four + four)); // duplicates count once
    const auto cutA = a.first<WatchLimited>();
    QVERIFY(cutA.has_value());
    QCOMPARE(cutA->kept, 3);
    QCOMPARE(cutA->asked, 4);
    QVERIFY(!cutA->message.isEmpty());

    Test::RawControlClient b(
        server.port(), Test::ephemeralIdentity(), QStringLiteral("127.0.2.1"), QStringLiteral("b"));
    QVERIFY(b.registerWith());
    b.send(Watch {four});
    const auto cutB = b.first<WatchLimited>();
    QVERIFY(cutB.has_value());
    QCOMPARE(cutB->kept, 2); // what the server-wide budget has left
    QCOMPARE(server->presence().watchEntries(), 5);
    QVERIFY(server->presence().watchBytes() <= 5 * qint64(sizeof(quint64)));

    // A leaving client gives its share back.
    a.disconnect();
    QTRY_COMPARE_WITH_TIMEOUT(server->registeredCount(), 1, 5000);
    QCOMPARE(server->presence().watchEntries(), 2);
    b.clearReceived();
    b.send(Watch {four.mid(0, 3)});
    QTRY_COMPARE_WITH_TIMEOUT(server->presence().watchEntries(), 3, 5000);
    QVERIFY(b.sync());
    QCOMPARE(b.count<WatchLimited>(), 0); // all kept: nothing to report
}

void TestPresence::controlClientWatchAndLookup()
{
    // The ControlClient connects from 127.0.0.1; the others live elsewhere.
    const DeviceIdentity identity = Test::ephemeralIdentity();
    auto far = client("127.0.7.1", "faraway");
    QVERIFY(far->registerWith({identity.id()})); // far has cc as a contact
    const ControlClientConfig config = m_server.clientConfig(QStringLiteral("cc"));
    ControlClient cc(identity, config);
    const auto notRegistered = QCoro::waitFor(cc.lookup(QStringLiteral("faraway")));
    QCOMPARE(notRegistered.code, LookupStatus::NotRegistered);

    cc.setWatchList({far->id(), far->id(), identity.id()}); // duplicates and self are dropped
    QCOMPARE(cc.watchList(), QList<DeviceId> {far->id()});
    cc.start();
    QVERIFY(QCoro::waitFor(cc.waitRegistered(5s)));
    QTRY_COMPARE_WITH_TIMEOUT(cc.peers().size(), 1, 5000); // from hello.watch
    QCOMPARE(cc.peers().constFirst().id, far->id());

    cc.setWatchList({}); // sent as `watch` while connected
    QTRY_VERIFY_WITH_TIMEOUT(cc.peers().isEmpty(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(far->leftCount(identity.id()), 1, 5000);

    const LookupReply found = QCoro::waitFor(cc.lookup(QStringLiteral("FARAWAY")));
    QVERIFY2(found.ok(), qPrintable(lookupStatusName(found.code) + u' ' + found.message));
    QCOMPARE(found.peers.size(), 1);
    QCOMPARE(found.peers.constFirst().id, far->id());
    QVERIFY(found.peers.constFirst().online);
    const LookupReply missing = QCoro::waitFor(cc.lookup(QStringLiteral("nobody")));
    QCOMPARE(missing.code, LookupStatus::NotFound);
    cc.stop();
}

void TestPresence::engineFindPeerAsksTheServer()
{
    const DeviceIdentity identity = Test::ephemeralIdentity();
    auto far = client("127.0.8.1", "faraway");
    QVERIFY(far->registerWith({identity.id()})); // far has the engine's device as a contact
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EngineConfig config;
    config.serverHost = QStringLiteral("127.0.0.1");
    config.serverPort = m_port;
    config.displayName = QStringLiteral("engine");
    config.downloadDir = dir.filePath(QStringLiteral("dl"));
    config.probeNat = false;
    TransferEngine engine(identity, ConfigDir(dir.filePath(QStringLiteral("conf"))), config);
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    QVERIFY(QCoro::waitFor(engine.controlClient()->waitRegistered(5s)));

    QCOMPARE(engine.resolvePeer(QStringLiteral("faraway")).code, PeerResolver::Code::NotFound);
    const PeerResolver::Result r = QCoro::waitFor(engine.findPeer(QStringLiteral("faraway")));
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.id, far->id());
    // In the engine's list at once, and watched from now on: as far watches us too, the server
    // shows it to us (and us to it), so its leaving is seen.
    QCOMPARE(engine.resolvePeer(QStringLiteral("faraway")).id, far->id());
    QVERIFY(engine.controlClient()->watchList().contains(far->id()));
    QTRY_COMPARE_WITH_TIMEOUT(engine.controlClient()->peers().size(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(far->joined(identity.id()).size(), 1, 5000);
    far->disconnect();
    QTRY_VERIFY_WITH_TIMEOUT(
        engine.resolvePeer(QStringLiteral("faraway")).code == PeerResolver::Code::NotFound, 5000);

    const PeerResolver::Result missing = QCoro::waitFor(engine.findPeer(QStringLiteral("nobody")));
    QCOMPARE(missing.code, PeerResolver::Code::NotFound);
    engine.stop();
}

void TestPresence::controlClientLookupEndsWhenTheServerGoes()
{
    ControlClientConfig config = m_server.clientConfig({});
    config.reconnectMin = 60s; // no reconnect within the test
    ControlClient cc(Test::ephemeralIdentity(), config);
    cc.start();
    QVERIFY(QCoro::waitFor(cc.waitRegistered(5s)));
    // The lookup is on its way when the server closes every connection without reading it.
    LookupReply reply;
    bool done = false;
    QCoro::connect(cc.lookup(QStringLiteral("anyone"), 10s), &cc, [&](const LookupReply &r) {
        reply = r;
        done = true;
    });
    m_server->close();
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QCOMPARE(reply.code, LookupStatus::ConnectionLost);
}

namespace {
//! Runs the punchdrop binary without blocking the event loop (the server lives in this process).
struct CliRun
{
    int exitCode = -1;
    QList<QJsonObject> events;
};

CliRun runCli(const QStringList &arguments)
{
    CliRun run;
    QProcess process;
    process.start(
        QProcessEnvironment::systemEnvironment().value(QStringLiteral("PUNCHDROP_BINARY")),
        arguments);
    if (!process.waitForStarted(5000))
        return run;
    if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 30000)) {
        process.kill();
        process.waitForFinished(5000);
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    for (const QByteArray &line : process.readAllStandardOutput().split('\n')) {
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (doc.isObject())
            run.events.append(doc.object());
    }
    return run;
}

QStringList listedIds(const CliRun &run)
{
    QStringList ids;
    for (const QJsonObject &e : run.events)
        if (e.value(QStringLiteral("event")).toString() == u"peers")
            for (const QJsonValue &p : e.value(QStringLiteral("peers")).toArray())
                ids << p.toObject().value(QStringLiteral("device_id")).toString();
    return ids;
}
} // namespace

void TestPresence::cliPeersShowsTheVisibleAndLooksUpTheRest()
{
    if (QProcessEnvironment::systemEnvironment()
            .value(QStringLiteral("PUNCHDROP_BINARY"))
            .isEmpty())
        QFAIL("PUNCHDROP_BINARY is not set (run through ctest)");
    // The CLI connects from 127.0.0.1: the housemate shares that address, carol does not.
    auto housemate = client("127.0.0.1", "housemate");
    auto carol = client("127.0.9.1", "carol");
    QVERIFY(housemate->registerWith());
    QVERIFY(carol->registerWith());
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QStringList base {QStringLiteral("peers"), QStringLiteral("--server"), m_server.address(),
        QStringLiteral("--json"), QStringLiteral("--config-dir"), dir.path(),
        QStringLiteral("--name"), QStringLiteral("cli"), QStringLiteral("--timeout"),
        QStringLiteral("20")};

    const CliRun list = runCli(base);
    QCOMPARE(list.exitCode, 0);
    QCOMPARE(listedIds(list), QStringList {housemate->id().toString()});

    const CliRun lookup = runCli(base + QStringList {QStringLiteral("Carol")});
    QCOMPARE(lookup.exitCode, 0);
    QCOMPARE(listedIds(lookup), QStringList {carol->id().toString()});

    const CliRun missing = runCli(base + QStringList {QStringLiteral("nobody")});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(listedIds(missing).isEmpty());
    QVERIFY(std::any_of(missing.events.cbegin(), missing.events.cend(), [](const QJsonObject &e) {
        return e.value(QStringLiteral("code")).toString() == u"peer-not-found";
    }));
}

QTEST_GUILESS_MAIN(TestPresence)
#include "tst_presence.moc"
