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
#include "net/security/controllink.h"
#include "net/server/rendezvousserver.h"
#include "net/wire/controlprotocol.h"
#include "support/testhelpers.h"
#include "transfer/transferengine.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <qcorotask.h>

#include <memory>

using namespace PunchDrop;
using namespace PunchDrop::Control;
using namespace std::chrono_literals;

namespace {
//! A hand-driven client on its own source address that records every message it receives.
class PresenceClient
{
public:
    PresenceClient(quint16 port, const QString &source, const QString &name,
        const std::optional<DeviceIdentity> &as = std::nullopt)
        : identity(as ? *as : Test::ephemeralIdentity())
        , m_name(name)
    {
        const ControlLinkContext context(ControlLinkContext::Role::Client, identity);
        auto *tcp = new QTcpSocket;
        if (!tcp->bind(QHostAddress(source), 0))
            qWarning("cannot bind %s: %s", qPrintable(source), qPrintable(tcp->errorString()));
        tcp->connectToHost(QHostAddress::LocalHost, port);
        if (!tcp->waitForConnected(5000))
            qWarning("cannot connect: %s", qPrintable(tcp->errorString()));
        link = std::make_unique<ControlLink>(context, tcp);
        QObject::connect(link.get(), &ControlLink::plaintextReady, link.get(),
            [this](const QByteArray &plaintext) {
                m_buffer += plaintext;
                for (;;) {
                    const auto parsed = ControlProtocol::parse(m_buffer);
                    if (parsed.status != ControlProtocol::Status::Ok)
                        break;
                    m_buffer.remove(0, parsed.consumed);
                    received.append(parsed.message);
                }
            });
    }

    DeviceId id() const { return identity.id(); }

    bool registerWith(const QList<DeviceId> &watch = {})
    {
        if (!QTest::qWaitFor([this] { return link->isEstablished(); }, 5000))
            return false;
        send(Hello {ControlProtocol::kVersion, m_name, {}, {}, watch});
        // welcome, then the peers frames (the last one has more == false)
        return QTest::qWaitFor(
            [this] {
                for (const ControlMessage &m : std::as_const(received))
                    if (const auto *p = std::get_if<Peers>(&m); p && !p->more)
                        return true;
                return false;
            },
            5000);
    }

    void send(const ControlMessage &message) { link->write(ControlProtocol::encode(message)); }

    //! Round trip through the server: everything it sent us before is in `received`.
    bool sync()
    {
        const quint64 nonce = ++m_nonce;
        send(Ping {nonce});
        return QTest::qWaitFor(
            [&] {
                for (const ControlMessage &m : std::as_const(received))
                    if (const auto *p = std::get_if<Pong>(&m); p && p->nonce == nonce)
                        return true;
                return false;
            },
            5000);
    }

    //! The IDs in the `peers` list after welcome.
    QSet<DeviceId> initialPeers() const
    {
        QSet<DeviceId> ids;
        for (const ControlMessage &m : received)
            if (const auto *p = std::get_if<Peers>(&m))
                for (const PeerEntry &e : p->peers)
                    ids.insert(e.id);
        return ids;
    }

    QList<PeerEntry> joined(const DeviceId &id) const
    {
        QList<PeerEntry> result;
        for (const ControlMessage &m : received)
            if (const auto *j = std::get_if<PeerJoined>(&m); j && j->peer.id == id)
                result.append(j->peer);
        return result;
    }

    int leftCount(const DeviceId &id) const
    {
        int n = 0;
        for (const ControlMessage &m : received)
            if (const auto *l = std::get_if<PeerLeft>(&m); l && l->id == id)
                ++n;
        return n;
    }

    //! Any presence message about anybody (peer-joined / peer-left).
    int presenceCount() const
    {
        int n = 0;
        for (const ControlMessage &m : received)
            if (std::holds_alternative<PeerJoined>(m) || std::holds_alternative<PeerLeft>(m))
                ++n;
        return n;
    }

    std::optional<LookupResult> lookup(const QString &query)
    {
        const quint32 req = ++m_request;
        send(Lookup {req, query});
        std::optional<LookupResult> result;
        static_cast<void>(QTest::qWaitFor(
            [&] {
                for (const ControlMessage &m : std::as_const(received))
                    if (const auto *r = std::get_if<LookupResult>(&m); r && r->requestId == req) {
                        result = *r;
                        return true;
                    }
                return false;
            },
            5000));
        return result;
    }

    void disconnect() { link->abort(); }

    DeviceIdentity identity;
    std::unique_ptr<ControlLink> link;
    QList<ControlMessage> received;

private:
    QString m_name;
    QByteArray m_buffer;
    quint64 m_nonce = 0;
    quint32 m_request = 0;
};

} // namespace

class TestPresence : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void differentAddressesDoNotSeeEachOther();
    void watchMakesBothSidesSeeEachOther();
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
    void controlClientWatchAndLookup();
    void engineFindPeerAsksTheServer();
    void controlClientLookupEndsWhenTheServerGoes();
    void cliPeersShowsTheVisibleAndLooksUpTheRest();

private:
    std::unique_ptr<PresenceClient> client(const char *source, const char *name)
    {
        return std::make_unique<PresenceClient>(
            m_port, QString::fromLatin1(source), QString::fromLatin1(name));
    }

    DeviceIdentity m_serverIdentity = Test::ephemeralIdentity();
    std::unique_ptr<RendezvousServer> m_server;
    quint16 m_port = 0;
};

void TestPresence::init()
{
    RendezvousServerConfig config;
    config.address = QHostAddress::LocalHost;
    config.port = 0;
    config.lookupsPerSecond = 3;
    config.lookupsPerAddressPerSecond = 5;
    config.presenceChangesPerSecond = 1;
    config.rttProbeTimeout = 300ms;
    m_server = std::make_unique<RendezvousServer>(m_serverIdentity, config);
    QString error;
    QVERIFY2(m_server->listen(&error), qPrintable(error));
    m_port = m_server->serverPort();
}

void TestPresence::cleanup()
{
    m_server.reset();
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

void TestPresence::watchMakesBothSidesSeeEachOther()
{
    auto a = client("127.0.1.1", "alice");
    auto b = client("127.0.2.1", "bob");
    QVERIFY(a->registerWith());
    QVERIFY(b->registerWith());
    QVERIFY(a->sync());
    QCOMPARE(a->presenceCount(), 0);

    a->send(Watch {{b->id()}});
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
    QVERIFY(b->registerWith());
    auto a = client("127.0.1.1", "alice");
    auto c = client("127.0.3.1", "carol");
    QVERIFY(a->registerWith({b->id(), c->id()})); // carol is not online yet
    QCOMPARE(a->initialPeers(), QSet<DeviceId> {b->id()});
    QTRY_COMPARE_WITH_TIMEOUT(b->joined(a->id()).size(), 1, 5000);

    QVERIFY(c->registerWith());
    QCOMPARE(c->initialPeers(), QSet<DeviceId> {a->id()}); // carol sees who watches her
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
    QVERIFY(stranger->registerWith());
    QVERIFY(x->registerWith());
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
    PresenceClient again(
        m_port, QStringLiteral("127.0.6.1"), QStringLiteral("laptop"), laptop->identity);
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
    else if (query == u"$bob:12")
        query = bob->id().toString().left(12);

    const auto result = asker->lookup(query);
    QVERIFY(result.has_value());
    QCOMPARE(result->code, code);
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
        if (r->code == u"ok")
            ++ok;
        else if (r->code == u"busy")
            ++busy;
    }
    QVERIFY2(ok >= 3 && ok <= 4, qPrintable(QString::number(ok)));
    QVERIFY(busy >= 1);
    QCOMPARE(ok + busy, 5);
    // The budget refills (a QTRY_ macro would evaluate the lookup once more at the end).
    QVERIFY(QTest::qWaitFor(
        [&] {
            const auto r = asker->lookup(QStringLiteral("bob"));
            return r && r->code == u"ok";
        },
        5000));
}

void TestPresence::lookupIsRateLimitedPerAddress()
{
    // Three connections from one address: 3 per connection, but only 5 for the address.
    auto first = client("127.0.1.1", "first");
    auto second = client("127.0.1.1", "second");
    auto third = client("127.0.1.1", "third");
    auto bob = client("127.0.2.1", "bob");
    QVERIFY(first->registerWith());
    QVERIFY(second->registerWith());
    QVERIFY(third->registerWith());
    QVERIFY(bob->registerWith());
    int ok = 0;
    for (PresenceClient *c : {first.get(), second.get(), third.get()}) {
        for (int i = 0; i < 3; ++i) {
            const auto r = c->lookup(QStringLiteral("bob"));
            QVERIFY(r.has_value());
            if (r->code == u"ok")
                ++ok;
            else
                QCOMPARE(r->code, QStringLiteral("busy"));
        }
    }
    // 9 asked, each within its connection's budget; 5 allowed for the address (plus one per
    // 200 ms the nine round trips took, at most two on a loaded machine).
    QVERIFY2(ok >= 5 && ok <= 7, qPrintable(QString::number(ok)));
    // A third address is not affected.
    auto other = client("127.0.3.1", "other");
    QVERIFY(other->registerWith());
    QCOMPARE(other->lookup(QStringLiteral("bob"))->code, QStringLiteral("ok"));
}

void TestPresence::natChangesAreThrottledAndCoalesced()
{
    auto watcher = client("127.0.1.1", "watcher");
    auto flapper = client("127.0.2.1", "flapper");
    QVERIFY(flapper->registerWith());
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
    a->send(Connect {1, b->id(), QStringLiteral("auto")});
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(a->received.cbegin(), a->received.cend(),
            [](const ControlMessage &m) { return std::holds_alternative<Go>(m); }),
        5000);
}

void TestPresence::controlClientWatchAndLookup()
{
    // The ControlClient connects from 127.0.0.1; the others live elsewhere.
    auto far = client("127.0.7.1", "faraway");
    QVERIFY(far->registerWith());
    ControlClientConfig config;
    config.host = QStringLiteral("127.0.0.1");
    config.port = m_port;
    config.displayName = QStringLiteral("cc");
    const DeviceIdentity identity = Test::ephemeralIdentity();
    ControlClient cc(identity, config);
    const auto notRegistered = QCoro::waitFor(cc.lookup(QStringLiteral("faraway")));
    QCOMPARE(notRegistered.code, QStringLiteral("not-registered"));

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
    QVERIFY2(found.ok(), qPrintable(found.code + u' ' + found.message));
    QCOMPARE(found.peers.size(), 1);
    QCOMPARE(found.peers.constFirst().id, far->id());
    QVERIFY(found.peers.constFirst().online);
    const LookupReply missing = QCoro::waitFor(cc.lookup(QStringLiteral("nobody")));
    QCOMPARE(missing.code, QStringLiteral("not-found"));
    cc.stop();
}

void TestPresence::engineFindPeerAsksTheServer()
{
    auto far = client("127.0.8.1", "faraway");
    QVERIFY(far->registerWith());
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EngineConfig config;
    config.serverHost = QStringLiteral("127.0.0.1");
    config.serverPort = m_port;
    config.displayName = QStringLiteral("engine");
    config.downloadDir = dir.filePath(QStringLiteral("dl"));
    config.probeNat = false;
    const DeviceIdentity identity = Test::ephemeralIdentity();
    TransferEngine engine(identity, ConfigDir(dir.filePath(QStringLiteral("conf"))), config);
    QString error;
    QVERIFY2(engine.start(&error), qPrintable(error));
    QVERIFY(QCoro::waitFor(engine.controlClient()->waitRegistered(5s)));

    QCOMPARE(engine.resolvePeer(QStringLiteral("faraway")).code, PeerResolver::Code::NotFound);
    const PeerResolver::Result r = QCoro::waitFor(engine.findPeer(QStringLiteral("faraway")));
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.id, far->id());
    // In the engine's list at once, and watched from now on: the server shows it to us (and us
    // to it), so its leaving is seen.
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
    ControlClientConfig config;
    config.host = QStringLiteral("127.0.0.1");
    config.port = m_port;
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
    QCOMPARE(reply.code, QStringLiteral("connection-lost"));
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
    const QStringList base {QStringLiteral("peers"), QStringLiteral("--server"),
        QStringLiteral("127.0.0.1:%1").arg(m_port), QStringLiteral("--json"),
        QStringLiteral("--config-dir"), dir.path(), QStringLiteral("--name"), QStringLiteral("cli"),
        QStringLiteral("--timeout"), QStringLiteral("20")};

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
