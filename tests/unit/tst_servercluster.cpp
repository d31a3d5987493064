// SPDX-License-Identifier: GPL-3.0-or-later
// Servers that share a real redis-server (started here on a free loopback port, stopped at the
// end): devices on different servers find each other by name and send files, directly and
// through a relay of the cluster; a server that goes away (stopped, or killed with SIGKILL)
// leaves the cluster and its clients move on; Redis stopped → each server serves its own,
// cross-server connects say why they fail, and all recovers when Redis is back.
#include "net/server/redisconnection.h"
#include "net/server/servercluster.h"
#include "support/enginedevice.h"
#include "support/rawcontrolclient.h"
#include "support/testhelpers.h"
#include "support/testserver.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <qcorotask.h>

#include <csignal>
#include <memory>
#include <optional>

using namespace PunchDrop;
using namespace std::chrono_literals;
using Test::EngineDevice;

namespace {

quint16 freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

//! A real redis-server on a free loopback port, without persistence.
class RedisProcess
{
public:
    ~RedisProcess() { stop(); }

    bool start(QString *error)
    {
        const QString binary = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
        if (binary.isEmpty()) {
            *error = QStringLiteral("redis-server is not installed (scripts/install-deps.sh)");
            return false;
        }
        if (m_port == 0)
            m_port = freeLoopbackPort();
        m_process = std::make_unique<QProcess>();
        m_process->setProcessChannelMode(QProcess::MergedChannels);
        QStringList args {QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
            QStringLiteral("no")};
        if (m_tlsDir.isEmpty()) {
            args << QStringLiteral("--port") << QString::number(m_port);
        } else { // TLS only: no plaintext port
            args << QStringLiteral("--port") << QStringLiteral("0") << QStringLiteral("--tls-port")
                 << QString::number(m_port) << QStringLiteral("--tls-cert-file")
                 << m_tlsDir + QStringLiteral("/server.crt") << QStringLiteral("--tls-key-file")
                 << m_tlsDir + QStringLiteral("/server.key") << QStringLiteral("--tls-ca-cert-file")
                 << caFile() << QStringLiteral("--tls-auth-clients") << QStringLiteral("no");
        }
        if (!m_password.isEmpty())
            args << QStringLiteral("--requirepass") << m_password;
        m_process->start(binary, args);
        if (!m_process->waitForStarted(5000)) {
            *error = QStringLiteral("cannot start redis-server: %1").arg(m_process->errorString());
            return false;
        }
        // Ready when it accepts a connection (bounded).
        for (int i = 0; i < 100; ++i) {
            RedisConnection c(url(), caFile());
            QSignalSpy ready(&c, &RedisConnection::ready);
            QSignalSpy lost(&c, &RedisConnection::lost);
            c.open();
            (void)QTest::qWaitFor([&] { return !ready.isEmpty() || !lost.isEmpty(); }, 2000);
            if (!ready.isEmpty())
                return true;
            QTest::qWait(50);
        }
        *error = QStringLiteral("redis-server did not answer: %1")
                     .arg(QString::fromLocal8Bit(m_process->readAll()));
        return false;
    }

    void stop()
    {
        if (!m_process)
            return;
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
        m_process.reset();
    }

    RedisUrl url() const
    {
        RedisUrl u;
        u.host = QStringLiteral("127.0.0.1");
        u.port = m_port;
        u.password = m_password;
        u.tls = !m_tlsDir.isEmpty();
        return u;
    }
    //! TLS only, with a certificate for 127.0.0.1 from a CA made in \a dir (openssl), and a
    //! password; before start().
    bool useTlsAndPassword(const QString &dir, const QString &password, QString *error)
    {
        const auto run = [&](const QStringList &args) {
            QProcess p;
            p.setWorkingDirectory(dir);
            p.start(QStringLiteral("openssl"), args);
            const bool ok = p.waitForFinished(30000) && p.exitCode() == 0;
            if (!ok)
                *error = QStringLiteral("openssl %1: %2")
                             .arg(args.first(), QString::fromLocal8Bit(p.readAllStandardError()));
            return ok;
        };
        QFile ext(dir + QStringLiteral("/san.ext"));
        if (!ext.open(QIODevice::WriteOnly) || ext.write("subjectAltName=IP:127.0.0.1\n") < 0)
            return false;
        ext.close();
        if (!run({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                QStringLiteral("ca.key"), QStringLiteral("-out"), QStringLiteral("ca.crt"),
                QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                QStringLiteral("/CN=punchdrop test CA")})
            || !run({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                QStringLiteral("-nodes"), QStringLiteral("-keyout"), QStringLiteral("server.key"),
                QStringLiteral("-out"), QStringLiteral("server.csr"), QStringLiteral("-subj"),
                QStringLiteral("/CN=127.0.0.1")})
            || !run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                QStringLiteral("server.csr"), QStringLiteral("-CA"), QStringLiteral("ca.crt"),
                QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                QStringLiteral("-CAcreateserial"), QStringLiteral("-out"),
                QStringLiteral("server.crt"), QStringLiteral("-days"), QStringLiteral("2"),
                QStringLiteral("-extfile"), QStringLiteral("san.ext")}))
            return false;
        m_tlsDir = dir;
        m_password = password;
        return true;
    }
    QString caFile() const
    {
        return m_tlsDir.isEmpty() ? QString() : m_tlsDir + QStringLiteral("/ca.crt");
    }
    QString urlText() const { return QStringLiteral("redis://127.0.0.1:%1").arg(m_port); }

    //! One command on a fresh connection, for checks of what Redis holds.
    RedisReply call(const QList<QByteArray> &args) const
    {
        RedisConnection c(url(), caFile());
        QSignalSpy ready(&c, &RedisConnection::ready);
        c.open();
        if (!ready.wait(3000))
            return RedisReply::failure(QStringLiteral("not connected"));
        std::optional<RedisReply> reply;
        c.command(args, [&reply](const RedisReply &r) { reply = r; });
        (void)QTest::qWaitFor([&reply] { return reply.has_value(); }, 3000);
        return reply.value_or(RedisReply::failure(QStringLiteral("no reply")));
    }

private:
    quint16 m_port = 0;
    QString m_tlsDir;
    QString m_password;
    std::unique_ptr<QProcess> m_process;
};

//! One in-process server of the cluster.
struct Node
{
    Test::TestServer server;
    std::unique_ptr<ServerCluster> cluster;

    bool start(const RedisProcess &redis, bool relay = true,
        const std::optional<RedisUrl> &url = std::nullopt)
    {
        RendezvousServerConfig config = Test::loopbackServerConfig();
        config.relay.enabled = relay;
        QString error;
        if (!server.start(config, &error)) {
            qWarning("server: %s", qPrintable(error));
            return false;
        }
        ServerClusterConfig c;
        c.redis = url.value_or(redis.url());
        c.caFile = redis.caFile();
        c.advertise = server.address();
        c.relayEnabled = relay;
        c.presenceTtl = 3000ms;
        c.reconnectInterval = 200ms;
        c.requestTimeout = 2000ms;
        cluster = std::make_unique<ServerCluster>(c);
        server->setCluster(cluster.get());
        cluster->start();
        return QTest::qWaitFor([this] { return cluster->isUp(); }, 5000);
    }
    void stop()
    {
        server.stop();
        cluster.reset(); // leaves the cluster: its devices' records go
    }
};

QString writeFile(const QString &path, int size)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    QByteArray data(size, Qt::Uninitialized);
    for (int i = 0; i < size; ++i)
        data[i] = char((i * 131 + size) & 0xff);
    f.write(data);
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QString sha256Of(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(
        QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex());
}

} // namespace

class TestServerCluster : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void findAndSendAcrossServers();
    void relayOfAnotherServer();
    void lookupRulesAcrossServers();
    void presenceAcrossServers();
    void watchRulesAcrossServers();
    void registeredAgainElsewhere();
    void serverGoneClientsMoveOn();
    void killedServerExpires();
    void redisDownAndBack();
    void passwordAndTls();

private:
    //! Sends \a size bytes from \a from to \a to (found by name first); true when it arrived
    //! whole. \a error gets the transfer's message otherwise.
    bool sendByName(
        EngineDevice &from, EngineDevice &to, int size, ConnectMode mode, QString *error = nullptr);

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<RedisProcess> m_redis;
    int m_sent = 0;
};

void TestServerCluster::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_redis = std::make_unique<RedisProcess>();
    QString error;
    if (!m_redis->start(&error)) {
        qWarning("%s", qPrintable(error));
        PUNCHDROP_SKIP_UNLESS_CI("no redis-server to test with");
    }
}

void TestServerCluster::cleanup()
{
    m_redis.reset();
    m_tmp.reset();
}

bool TestServerCluster::sendByName(
    EngineDevice &from, EngineDevice &to, int size, ConnectMode mode, QString *error)
{
    // The other server's record reaches Redis a moment after the registration it follows: ask
    // again for a while, as the CLI does.
    PeerResolver::Result found;
    for (int i = 0; i < 25; ++i) {
        found = QCoro::waitFor(from.engine->findPeer(to.config.displayName));
        if (found.ok() || found.code != PeerResolver::Code::NotFound)
            break;
        QTest::qWait(200);
    }
    if (!found.ok() || found.id != to.identity.id()) {
        if (error)
            *error = QStringLiteral("lookup: %1").arg(found.error);
        return false;
    }
    const QString name = QStringLiteral("file%1.bin").arg(++m_sent);
    const QString source = m_tmp->filePath(QStringLiteral("src/") + name);
    const QString digest = writeFile(source, size);
    const qsizetype before = from.finished->size();
    from.engine->send(to.identity.id(), {source}, mode);
    if (!QTest::qWaitFor([&] { return from.finished->size() > before; }, 30000)) {
        if (error)
            *error = QStringLiteral("the transfer did not finish");
        return false;
    }
    const auto result = from.finished->last().at(1).value<TransferResult>();
    if (!result.ok()) {
        if (error)
            *error = result.message;
        return false;
    }
    const QString arrived = QDir(to.downloadDir).filePath(name);
    if (!QTest::qWaitFor([&] { return sha256Of(arrived) == digest; }, 5000))
        return false;
    // Both ends wind down (the receiver's session ends after the sender's): an engine deleted
    // while its sessions still close would leave their coroutine frames behind (LeakSanitizer).
    return QTest::qWaitFor(
        [&] { return from.engine->incomingSessions() == 0 && to.engine->incomingSessions() == 0; },
        5000);
}

void TestServerCluster::findAndSendAcrossServers()
{
    Node s1, s2, s3;
    QVERIFY(s1.start(*m_redis));
    QVERIFY(s2.start(*m_redis));
    QVERIFY(s3.start(*m_redis));
    EngineDevice alice(m_tmp->path(), QStringLiteral("alice"), s1.server.port());
    EngineDevice bob(m_tmp->path(), QStringLiteral("bob"), s3.server.port());
    QSignalSpy aliceUp(&*s1.server, &RendezvousServer::clientRegistered);
    QSignalSpy bobUp(&*s3.server, &RendezvousServer::clientRegistered);
    QVERIFY(alice.start());
    QVERIFY(bob.start());
    QTRY_VERIFY_WITH_TIMEOUT(!aliceUp.isEmpty() && !bobUp.isEmpty(), 10000);

    // What Redis holds for bob: his server's instance, name, NAT type, public address.
    const RedisReply record
        = m_redis->call({"HGETALL", "pd:dev:" + bob.identity.id().toString().toLatin1()});
    QCOMPARE(record.type, RedisReply::Type::Array);
    QStringList fields;
    for (const RedisReply &e : record.elements)
        fields << QString::fromUtf8(e.string);
    QVERIFY2(fields.contains(s3.cluster->instance()), qPrintable(fields.join(u' ')));
    QVERIFY(fields.contains(QStringLiteral("bob")));
    QVERIFY(fields.contains(QStringLiteral("127.0.0.1")));
    const RedisReply ttl
        = m_redis->call({"PTTL", "pd:dev:" + bob.identity.id().toString().toLatin1()});
    QVERIFY2(ttl.integer > 0 && ttl.integer <= 3000, qPrintable(QString::number(ttl.integer)));

    QSignalSpy s1Relays(s1.server->relayHub(), &RelayHub::sessionStarted);
    QSignalSpy s3Relays(s3.server->relayHub(), &RelayHub::sessionStarted);
    QString error;
    QVERIFY2(sendByName(alice, bob, 300000, ConnectMode::Auto, &error), qPrintable(error));
    QVERIFY2(sendByName(bob, alice, 200000, ConnectMode::Auto, &error), qPrintable(error));
    // On loopback the punch always works: nothing was relayed.
    QCOMPARE(s1Relays.size() + s3Relays.size(), 0);
}

void TestServerCluster::relayOfAnotherServer()
{
    // s1 does not relay: a relayed session of its clients runs on s2 or s3, whichever is less
    // loaded, and both peers are told where to join.
    Node s1, s2, s3;
    QVERIFY(s1.start(*m_redis, false));
    QVERIFY(s2.start(*m_redis));
    QVERIFY(s3.start(*m_redis));
    EngineDevice alice(m_tmp->path(), QStringLiteral("alice"), s1.server.port());
    EngineDevice bob(m_tmp->path(), QStringLiteral("bob"), s2.server.port());
    EngineDevice carol(m_tmp->path(), QStringLiteral("carol"), s1.server.port());
    QSignalSpy up1(&*s1.server, &RendezvousServer::clientRegistered);
    QSignalSpy up2(&*s2.server, &RendezvousServer::clientRegistered);
    QVERIFY(alice.start());
    QVERIFY(bob.start());
    QVERIFY(carol.start());
    QTRY_VERIFY_WITH_TIMEOUT(up1.size() == 2 && up2.size() == 1, 10000);

    QSignalSpy relays2(s2.server->relayHub(), &RelayHub::sessionFinished);
    QSignalSpy relays3(s3.server->relayHub(), &RelayHub::sessionFinished);
    QString error;
    // Across servers, relay only.
    QVERIFY2(sendByName(alice, bob, 400000, ConnectMode::RelayOnly, &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(relays2.size() + relays3.size(), 1, 5000);
    QCOMPARE(s1.server->relayHub()->activeSessions(), 0);
    // Both on s1, which cannot relay: another server does.
    QVERIFY2(sendByName(alice, carol, 100000, ConnectMode::RelayOnly, &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(relays2.size() + relays3.size(), 2, 5000);
    for (const auto *spy : {&relays2, &relays3})
        for (const QList<QVariant> &session : *spy)
            QVERIFY(std::max(session.at(0).toLongLong(), session.at(1).toLongLong())
                >= 100000); // the file crossed that relay
}

void TestServerCluster::lookupRulesAcrossServers()
{
    // PeerResolver's rules over the whole cluster: two devices called "dana" on two servers are
    // ambiguous; an ID prefix finds the one on another server; nobody finds itself. (The asker
    // is alone on its server: on loopback everyone on one server shares an address and so sees
    // the others without asking.)
    Node s1, s2, s3;
    QVERIFY(s1.start(*m_redis));
    QVERIFY(s2.start(*m_redis));
    QVERIFY(s3.start(*m_redis));
    EngineDevice asker(m_tmp->path(), QStringLiteral("asker"), s3.server.port());
    EngineDevice dana1(m_tmp->path(), QStringLiteral("dana"), s1.server.port());
    dana1.configDir = ConfigDir(m_tmp->filePath(QStringLiteral("conf-dana1")));
    EngineDevice dana2(m_tmp->path(), QStringLiteral("dana"), s2.server.port());
    dana2.configDir = ConfigDir(m_tmp->filePath(QStringLiteral("conf-dana2")));
    QSignalSpy up1(&*s1.server, &RendezvousServer::clientRegistered);
    QSignalSpy up2(&*s2.server, &RendezvousServer::clientRegistered);
    QSignalSpy up3(&*s3.server, &RendezvousServer::clientRegistered);
    QVERIFY(asker.start());
    QVERIFY(dana1.start());
    QVERIFY(dana2.start());
    QTRY_VERIFY_WITH_TIMEOUT(up1.size() == 1 && up2.size() == 1 && up3.size() == 1, 10000);

    // Each server's record reaches Redis a moment after the registration it follows: until
    // both have, one "dana" (or none) is found. Ask again for a while, as sendByName() does.
    PeerResolver::Result ambiguous;
    for (int i = 0; i < 25; ++i) {
        ambiguous = QCoro::waitFor(asker.engine->findPeer(QStringLiteral("dana")));
        if (ambiguous.code == PeerResolver::Code::Ambiguous)
            break;
        QTest::qWait(200);
    }
    QCOMPARE(ambiguous.code, PeerResolver::Code::Ambiguous);
    QCOMPARE(ambiguous.candidates.size(), 2);
    const QString prefix = QStringLiteral("id:") + dana2.identity.id().toString().left(10);
    const auto byPrefix = QCoro::waitFor(asker.engine->findPeer(prefix));
    QVERIFY2(byPrefix.ok(), qPrintable(byPrefix.error));
    QCOMPARE(byPrefix.id, dana2.identity.id());
    const auto self = QCoro::waitFor(asker.engine->findPeer(QStringLiteral("asker")));
    QVERIFY(!self.ok());
}

namespace {
bool seesOnline(const EngineDevice &device, const DeviceId &id)
{
    for (const PeerInfo &p : device.engine->peers())
        if (p.id == id)
            return p.online;
    return false;
}
} // namespace

void TestServerCluster::presenceAcrossServers()
{
    // One server's rules across servers: on loopback every device has the public address
    // 127.0.0.1, so each sees the others (same address), wherever they are registered; a
    // device that leaves, or whose server dies, is gone for the others.
    Node s1, s2, s3;
    QVERIFY(s1.start(*m_redis));
    QVERIFY(s2.start(*m_redis));
    QVERIFY(s3.start(*m_redis));
    EngineDevice alice(m_tmp->path(), QStringLiteral("alice"), s1.server.port());
    EngineDevice bob(m_tmp->path(), QStringLiteral("bob"), s2.server.port());
    EngineDevice carol(m_tmp->path(), QStringLiteral("carol"), s3.server.port());
    QVERIFY(alice.start());
    QVERIFY(bob.start());
    QTRY_VERIFY_WITH_TIMEOUT(seesOnline(alice, bob.identity.id()), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(seesOnline(bob, alice.identity.id()), 10000);
    QVERIFY(carol.start());
    QTRY_VERIFY_WITH_TIMEOUT(seesOnline(carol, alice.identity.id())
            && seesOnline(carol, bob.identity.id()) && seesOnline(alice, carol.identity.id())
            && seesOnline(bob, carol.identity.id()),
        10000);
    QCOMPARE(m_redis->call({"SCARD", "pd:addr:127.0.0.1"}).integer, qint64(3));

    // bob quits: alice and carol hear it from his server.
    bob.finished.reset();
    bob.engine.reset();
    QTRY_VERIFY_WITH_TIMEOUT(
        !seesOnline(alice, bob.identity.id()) && !seesOnline(carol, bob.identity.id()), 10000);
    QVERIFY(seesOnline(alice, carol.identity.id()));

    // carol's server stops (her engine has nowhere else to go): alice hears she left.
    s3.server.stop(); // her connection drops: s3 says "presence-gone" while Redis is there
    QTRY_VERIFY_WITH_TIMEOUT(!seesOnline(alice, carol.identity.id()), 10000);
}

void TestServerCluster::watchRulesAcrossServers()
{
    // Three homes (127.0.x.1 source addresses): a and b watch each other and see each other
    // across servers; c watches a, who does not watch c, and learns nothing of a; a NAT change
    // reaches the other server; a watch list emptied undoes it on both sides.
    Node s1, s2;
    QVERIFY(s1.start(*m_redis));
    QVERIFY(s2.start(*m_redis));
    const auto aId = Test::ephemeralIdentity();
    const auto bId = Test::ephemeralIdentity();
    const auto cId = Test::ephemeralIdentity();
    Test::RawControlClient a(
        s1.server.port(), aId, QStringLiteral("127.0.1.1"), QStringLiteral("a"));
    Test::RawControlClient b(
        s2.server.port(), bId, QStringLiteral("127.0.2.1"), QStringLiteral("b"));
    Test::RawControlClient c(
        s2.server.port(), cId, QStringLiteral("127.0.3.1"), QStringLiteral("c"));
    a.device = {DeviceKind::Laptop, DeviceOs::Windows};
    b.device = {DeviceKind::Server, DeviceOs::Linux};
    QVERIFY(a.registerWith({bId.id()}));
    QVERIFY(c.registerWith({aId.id()}));
    QVERIFY(b.registerWith({aId.id()}));
    QTRY_VERIFY_WITH_TIMEOUT(!a.joined(bId.id()).isEmpty() && !b.joined(aId.id()).isEmpty(), 5000);
    // What each said it is crosses the servers with its entry (presence request and answer).
    QCOMPARE(b.joined(aId.id()).last().device, a.device);
    QCOMPARE(a.joined(bId.id()).last().device, b.device);
    // And through the device record in Redis: a lookup by a device on a's address (here on
    // server 2, where a is not registered) finds a with its description.
    Test::RawControlClient d(s2.server.port(), Test::ephemeralIdentity(),
        QStringLiteral("127.0.1.1"), QStringLiteral("d"));
    QVERIFY(d.registerWith());
    const auto found = d.lookup(QStringLiteral("a"));
    QVERIFY(found);
    QCOMPARE(found->peers.size(), 1);
    QCOMPARE(found->peers.first().id, aId.id());
    QCOMPARE(found->peers.first().device, a.device);
    QVERIFY(a.sync() && c.sync());
    QVERIFY(a.joined(cId.id()).isEmpty());
    QVERIFY(c.joined(aId.id()).isEmpty());

    a.send(Control::Nat {QStringLiteral("symmetric")});
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto seen = b.joined(aId.id());
            return !seen.isEmpty() && seen.last().nat == QStringLiteral("symmetric");
        }(),
        5000);

    b.send(Control::Watch {});
    QTRY_VERIFY_WITH_TIMEOUT(a.leftCount(bId.id()) == 1 && b.leftCount(aId.id()) == 1, 5000);
    QVERIFY(a.sync() && c.sync());
    QVERIFY(a.joined(cId.id()).isEmpty());
}

void TestServerCluster::registeredAgainElsewhere()
{
    // One device, two connections on two servers: the newer wins, as on one server; the older
    // connection is told "replaced" by its server, and Redis names the newer server.
    Node s1, s2;
    QVERIFY(s1.start(*m_redis));
    QVERIFY(s2.start(*m_redis));
    const auto me = Test::ephemeralIdentity();
    Test::RawControlClient older(s1.server.port(), me, QStringLiteral("127.0.4.1"));
    QVERIFY(older.registerWith());
    const QByteArray key = "pd:dev:" + me.id().toString().toLatin1();
    QTRY_COMPARE_WITH_TIMEOUT(QString::fromUtf8(m_redis->call({"HGET", key, "srv"}).string),
        s1.cluster->instance(), 5000);
    Test::RawControlClient newer(s2.server.port(), me, QStringLiteral("127.0.4.2"));
    QVERIFY(newer.registerWith());
    const auto error = older.nextError(5000);
    QVERIFY(error.has_value());
    QCOMPARE(error->code, ServerError::Replaced);
    QCOMPARE(QString::fromUtf8(m_redis->call({"HGET", key, "srv"}).string), s2.cluster->instance());
    QVERIFY(newer.sync()); // the newer one stays
    QCOMPARE(s1.server->registeredCount(), 0);
    QCOMPARE(s2.server->registeredCount(), 1);
}

void TestServerCluster::serverGoneClientsMoveOn()
{
    Node s1, s2, s3;
    QVERIFY(s1.start(*m_redis));
    QVERIFY(s2.start(*m_redis));
    QVERIFY(s3.start(*m_redis));
    EngineDevice alice(m_tmp->path(), QStringLiteral("alice"), s1.server.port());
    alice.config.moreServers = {HostPort {QStringLiteral("127.0.0.1"), s2.server.port()}};
    alice.config.control.reconnectMin = 200ms;
    EngineDevice bob(m_tmp->path(), QStringLiteral("bob"), s3.server.port());
    QSignalSpy up1(&*s1.server, &RendezvousServer::clientRegistered);
    QSignalSpy up3(&*s3.server, &RendezvousServer::clientRegistered);
    QVERIFY(alice.start());
    QVERIFY(bob.start());
    QTRY_VERIFY_WITH_TIMEOUT(!up1.isEmpty() && !up3.isEmpty(), 10000);
    QString error;
    QVERIFY2(sendByName(alice, bob, 100000, ConnectMode::Auto, &error), qPrintable(error));

    // s1 goes away: alice's record leaves Redis with it, and she registers with s2.
    QSignalSpy up2(&*s2.server, &RendezvousServer::clientRegistered);
    s1.stop();
    QTRY_VERIFY_WITH_TIMEOUT(!up2.isEmpty(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const RedisReply r = m_redis->call(
                {"HGET", "pd:dev:" + alice.identity.id().toString().toLatin1(), "srv"});
            return QString::fromUtf8(r.string) == s2.cluster->instance();
        }(),
        5000);
    QVERIFY2(sendByName(alice, bob, 100000, ConnectMode::Auto, &error), qPrintable(error));
    QVERIFY2(sendByName(bob, alice, 100000, ConnectMode::RelayOnly, &error), qPrintable(error));
}

void TestServerCluster::killedServerExpires()
{
    // A real `punchdrop --server --redis` process, killed with SIGKILL: it cannot say goodbye,
    // so its devices leave the cluster when their TTL (--redis-ttl 2) runs out.
    Node s1;
    QVERIFY(s1.start(*m_redis));
    const quint16 port = freeLoopbackPort();
    QProcess server;
    server.setProcessChannelMode(QProcess::ForwardedChannels);
    server.start(qEnvironmentVariable("PUNCHDROP_BINARY"),
        {QStringLiteral("--server"), QStringLiteral("--listen"),
            QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--alt-port"),
            QString::number(freeLoopbackPort()), QStringLiteral("--config-dir"),
            m_tmp->filePath(QStringLiteral("proc-server")), QStringLiteral("--redis"),
            m_redis->urlText(), QStringLiteral("--redis-ttl"), QStringLiteral("2")});
    QVERIFY(server.waitForStarted(5000));
    // It listens before it joins the cluster: two server records mean it is ready.
    QTRY_COMPARE_WITH_TIMEOUT(m_redis->call({"KEYS", "pd:srv:*"}).elements.size(), 2, 10000);
    EngineDevice bob(m_tmp->path(), QStringLiteral("bob"), port); // that server only
    EngineDevice alice(m_tmp->path(), QStringLiteral("alice"), s1.server.port());
    QVERIFY(alice.start());
    QVERIFY(bob.start());
    const QByteArray bobKey = "pd:dev:" + bob.identity.id().toString().toLatin1();
    QString processInstance;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            processInstance = QString::fromUtf8(m_redis->call({"HGET", bobKey, "srv"}).string);
            return !processInstance.isEmpty();
        }(),
        10000);
    QVERIFY(processInstance != s1.cluster->instance());
    QString error;
    QVERIFY2(sendByName(alice, bob, 100000, ConnectMode::Auto, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(seesOnline(alice, bob.identity.id()), 5000); // same address

    // Killed: no goodbye, bob's record stays until its TTL (refreshed every 2/3 s) runs out.
    ::kill(pid_t(server.processId()), SIGKILL);
    QVERIFY(server.waitForFinished(5000));
    QElapsedTimer gone;
    gone.start();
    QTRY_VERIFY_WITH_TIMEOUT(m_redis->call({"EXISTS", bobKey}).integer == 0, 6000);
    qInfo("the killed server's device left Redis %lld ms after the kill", gone.elapsed());
    QVERIFY(gone.elapsed() >= 500); // by expiry, not by a clean leave
    // s1 finds the dead server's record expired too, and alice no longer sees bob.
    QTRY_VERIFY_WITH_TIMEOUT(!seesOnline(alice, bob.identity.id()), 5000);
    qInfo("alice saw bob leave %lld ms after the kill", gone.elapsed());
    QVERIFY(gone.elapsed() <= 3000);
}

void TestServerCluster::redisDownAndBack()
{
    Node s1, s2;
    QVERIFY(s1.start(*m_redis));
    QVERIFY(s2.start(*m_redis));
    EngineDevice alice(m_tmp->path(), QStringLiteral("alice"), s1.server.port());
    EngineDevice carol(m_tmp->path(), QStringLiteral("carol"), s1.server.port());
    EngineDevice bob(m_tmp->path(), QStringLiteral("bob"), s2.server.port());
    QSignalSpy up1(&*s1.server, &RendezvousServer::clientRegistered);
    QSignalSpy up2(&*s2.server, &RendezvousServer::clientRegistered);
    QVERIFY(alice.start());
    QVERIFY(carol.start());
    QVERIFY(bob.start());
    QTRY_VERIFY_WITH_TIMEOUT(up1.size() == 2 && up2.size() == 1, 10000);
    QString error;
    QVERIFY2(sendByName(alice, bob, 100000, ConnectMode::Auto, &error), qPrintable(error));

    m_redis->stop();
    QTRY_VERIFY_WITH_TIMEOUT(!s1.cluster->isUp() && !s2.cluster->isUp(), 5000);
    QVERIFY2(
        s1.cluster->health().contains(QStringLiteral("DOWN")), qPrintable(s1.cluster->health()));
    // Same server: as ever.
    QVERIFY2(sendByName(alice, carol, 100000, ConnectMode::Auto, &error), qPrintable(error));
    // Across servers: a clear error (bob is known from the lookup before, so no lookup now).
    const QString source = m_tmp->filePath(QStringLiteral("src/down.bin"));
    writeFile(source, 1000);
    const qsizetype before = alice.finished->size();
    alice.engine->send(bob.identity.id(), {source});
    QTRY_VERIFY_WITH_TIMEOUT(alice.finished->size() > before, 30000);
    const auto failed = alice.finished->last().at(1).value<TransferResult>();
    QVERIFY(!failed.ok());
    QVERIFY2(failed.message.contains(QStringLiteral("Redis is unreachable")),
        qPrintable(failed.message));

    // Redis back (empty: it kept nothing): the servers publish their devices again.
    QString startError;
    QVERIFY2(m_redis->start(&startError), qPrintable(startError));
    QTRY_VERIFY_WITH_TIMEOUT(s1.cluster->isUp() && s2.cluster->isUp(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_redis->call({"EXISTS", "pd:dev:" + bob.identity.id().toString().toLatin1()}).integer,
        qint64(1), 3000);
    QVERIFY2(sendByName(alice, bob, 100000, ConnectMode::Auto, &error), qPrintable(error));
}

void TestServerCluster::passwordAndTls()
{
    // rediss:// with --redis-ca and a password, as a cluster in the open would run: two servers
    // join and a file crosses them. A wrong password and a Redis whose CA is not given keep a
    // server out, each saying why.
    m_redis.reset(); // this test's Redis speaks TLS only
    auto redis = std::make_unique<RedisProcess>();
    QString error;
    QVERIFY2(redis->useTlsAndPassword(m_tmp->path(), QStringLiteral("s3cret"), &error),
        qPrintable(error));
    QVERIFY2(redis->start(&error), qPrintable(error));
    Node s1, s2;
    QVERIFY(s1.start(*redis));
    QVERIFY(s2.start(*redis));
    EngineDevice alice(m_tmp->path(), QStringLiteral("alice"), s1.server.port());
    EngineDevice bob(m_tmp->path(), QStringLiteral("bob"), s2.server.port());
    QVERIFY(alice.start());
    QVERIFY(bob.start());
    QString sendError;
    QTRY_VERIFY_WITH_TIMEOUT(
        QCoro::waitFor(alice.engine->findPeer(QStringLiteral("bob"))).ok(), 10000);
    QVERIFY2(sendByName(alice, bob, 100000, ConnectMode::Auto, &sendError), qPrintable(sendError));

    RedisUrl wrong = redis->url();
    wrong.password = QStringLiteral("guess");
    Node intruder;
    QVERIFY(!intruder.start(*redis, true, wrong));
    QVERIFY2(intruder.cluster->health().contains(QStringLiteral("refused the password")),
        qPrintable(intruder.cluster->health()));

    Node untrusting; // the system's CAs: the test CA is not among them
    ServerClusterConfig c;
    c.redis = redis->url();
    c.advertise = QStringLiteral("127.0.0.1:9");
    untrusting.cluster = std::make_unique<ServerCluster>(c);
    untrusting.cluster->start();
    QTRY_VERIFY_WITH_TIMEOUT(untrusting.cluster->health().contains(QStringLiteral("TLS")), 5000);
    QVERIFY(!untrusting.cluster->isUp());
}

QTEST_GUILESS_MAIN(TestServerCluster)
#include "tst_servercluster.moc"
