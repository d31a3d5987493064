// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/servercluster.h"

#include "core/logging.h"
#include "net/server/redisconnection.h"
#include "net/wire/peerresolver.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSet>

#include <memory>

namespace PunchDrop {

namespace {

//! Deletes a device's record and index entries only while this server is still its owner: a
//! device that moved to another server in the meantime keeps its new record.
constexpr const char *kWithdrawScript = R"lua(
if redis.call('HGET', KEYS[1], 'srv') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('SREM', KEYS[3], ARGV[2])
  redis.call('SREM', KEYS[4], ARGV[2])
  return 1
end
return 0
)lua";

//! A message between servers is small (an introduction with two encoded `go`s is ~1 KiB); the
//! largest, a presence request with 1024 watched and 256 same-address IDs, is ~75 KiB.
constexpr qsizetype kMaxMessageSize = 256 * 1024;
// The fields of a device record that a lookup reads, in this order. kind and os came later: a
// record written by an older server of the cluster has none (nil), which reads as unknown.
constexpr int kRecordFields = 6; // srv, name, nat, addr, kind, os

std::optional<ClusterDevice> deviceOf(const QByteArray &id, const RedisReply &fields)
{
    if (fields.type != RedisReply::Type::Array || fields.elements.size() != kRecordFields
        || fields.elements.at(0).isNil())
        return std::nullopt;
    ClusterDevice d;
    d.id = DeviceId::fromString(QString::fromLatin1(id));
    d.server = QString::fromUtf8(fields.elements.at(0).string);
    d.name = QString::fromUtf8(fields.elements.at(1).string);
    d.natType = QString::fromUtf8(fields.elements.at(2).string);
    d.address = QHostAddress(QString::fromLatin1(fields.elements.at(3).string));
    d.device.kind = deviceKindFromName(QString::fromLatin1(fields.elements.at(4).string));
    d.device.os = deviceOsFromName(QString::fromLatin1(fields.elements.at(5).string));
    if (d.id.isNull() || d.server.isEmpty())
        return std::nullopt;
    return d;
}

} // namespace

ServerCluster::ServerCluster(const ServerClusterConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_instance(QString::number(QRandomGenerator::system()->generate64(), 16)
                     .rightJustified(16, QLatin1Char('0')))
{
    m_reconnect.setSingleShot(true);
    connect(&m_reconnect, &QTimer::timeout, this, &ServerCluster::connectBoth);
    connect(&m_refresh, &QTimer::timeout, this, &ServerCluster::refresh);
    connect(&m_healthTimer, &QTimer::timeout, this,
        [this] { qCInfo(lcCluster).noquote() << health(); });
}

ServerCluster::~ServerCluster()
{
    stop();
}

void ServerCluster::start()
{
    m_running = true;
    m_downReason = QStringLiteral("connecting");
    qCInfo(lcCluster).noquote() << "joining the cluster at" << m_config.redis.toDisplayString()
                                << "as instance" << m_instance;
    connectBoth();
    m_healthTimer.start(m_config.healthInterval);
}

void ServerCluster::stop()
{
    if (!m_running)
        return;
    m_running = false;
    m_reconnect.stop();
    m_refresh.stop();
    m_healthTimer.stop();
    // Leave cleanly: our devices and our server record go now, not when their TTLs run out.
    // The commands are written before the socket closes; nobody waits for the answers.
    if (m_up) {
        for (const ClusterDevice &d : std::as_const(m_local))
            m_commands->command(withdrawCommand(d));
        m_commands->command({"DEL", key(QStringLiteral("srv:") + m_instance)});
        m_commands->command({"ZREM", key(QStringLiteral("relayload")), m_instance.toUtf8()});
    }
    m_up = false;
    m_subscribed = false;
    failRequests();
    delete m_subscriber;
    m_subscriber = nullptr;
    if (m_commands) {
        m_commands->disconnect(this);
        m_commands->flushAndClose(500); // bounded: the process is about to exit
        delete m_commands;
        m_commands = nullptr;
    }
}

QString ServerCluster::health() const
{
    if (m_up)
        return QStringLiteral("cluster: up (%1, instance %2): %3 devices here, %4 relay "
                              "sessions")
            .arg(m_config.redis.toDisplayString(), m_instance)
            .arg(m_local.size())
            .arg(m_relaySessions);
    return QStringLiteral("cluster: DOWN (%1: %2) - serving this server's %3 devices only")
        .arg(m_config.redis.toDisplayString(), m_downReason)
        .arg(m_local.size());
}

// ---- connections ------------------------------------------------------------------------------

void ServerCluster::connectBoth()
{
    if (!m_running)
        return;
    delete m_commands;
    delete m_subscriber;
    m_subscribed = false;
    m_commands = new RedisConnection(m_config.redis, m_config.caFile, this);
    m_subscriber = new RedisConnection(m_config.redis, m_config.caFile, this);
    m_subscriber->setSubscriber(true);
    for (RedisConnection *c : {m_commands, m_subscriber}) {
        connect(c, &RedisConnection::ready, this, &ServerCluster::onReady);
        connect(c, &RedisConnection::lost, this, &ServerCluster::onLost);
    }
    connect(m_subscriber, &RedisConnection::pushed, this, &ServerCluster::onPushed);
    m_commands->open();
    m_subscriber->open();
}

void ServerCluster::onReady()
{
    if (!m_commands->isReady() || !m_subscriber->isReady() || m_subscribed)
        return;
    m_subscribed = true; // asked; confirmed below
    m_subscriber->command(
        {"SUBSCRIBE", key(QStringLiteral("bus:") + m_instance)}, [this](const RedisReply &reply) {
            if (reply.isError()) {
                onLost(QStringLiteral("cannot subscribe: %1").arg(QString::fromUtf8(reply.string)));
                return;
            }
            setUp(true, {});
        });
}

void ServerCluster::onLost(const QString &reason)
{
    if (!m_running)
        return;
    // Both connections go: a half-connected server would miss messages or fail every command.
    for (RedisConnection *c : {m_commands, m_subscriber})
        if (c) {
            c->disconnect(this);
            c->close();
            c->deleteLater();
        }
    m_commands = nullptr;
    m_subscriber = nullptr;
    m_subscribed = false;
    if (m_up || m_downReason != reason)
        setUp(false, reason);
    m_reconnect.start(m_config.reconnectInterval);
}

void ServerCluster::setUp(bool up, const QString &reason)
{
    const bool changed = up != m_up;
    m_up = up;
    if (up) {
        m_downReason.clear();
        qCInfo(lcCluster).noquote() << "connected to Redis at" << m_config.redis.toDisplayString()
                                    << "- publishing" << m_local.size() << "devices";
        for (const ClusterDevice &d : std::as_const(m_local))
            writeDevice(d);
        writeServerRecord();
        // A round of refreshes every TTL / 3, in about 40 slices (at least 50 ms apart).
        m_refreshQueue.clear();
        m_roundClock.invalidate();
        m_refresh.start(std::max<qint64>(50, m_config.presenceTtl.count() / 3 / 40));
    } else {
        m_downReason = reason;
        m_refresh.stop();
        failRequests();
        int suppressed = 0;
        if (m_messageLog.allow(&suppressed))
            qCWarning(lcCluster).noquote()
                << QStringLiteral("Redis at %1 unreachable (%2) - serving this server's "
                                  "devices only, retrying every %3 ms")
                        .arg(m_config.redis.toDisplayString(), reason)
                        .arg(m_config.reconnectInterval.count())
                    + LogThrottle::suffix(suppressed);
    }
    if (changed)
        Q_EMIT upChanged(up);
}

// ---- presence ---------------------------------------------------------------------------------

void ServerCluster::writeDevice(const ClusterDevice &d)
{
    const QByteArray id = d.id.toString().toUtf8();
    const QByteArray devKey = deviceKey(d.id);
    m_commands->command({"HSET", devKey, "srv", m_instance.toUtf8(), "name", d.name.toUtf8(), "nat",
        d.natType.toUtf8(), "addr", d.address.toString().toLatin1(), "kind",
        deviceKindName(d.device.kind).toLatin1(), "os", deviceOsName(d.device.os).toLatin1()});
    m_commands->command({"PEXPIRE", devKey, QByteArray::number(m_config.presenceTtl.count())});
    m_commands->command({"ZADD", key(QStringLiteral("ids")), "0", id});
    m_commands->command({"SADD", nameKey(d.name), id});
    m_commands->command({"SADD", addressKey(d.address), id});
}

void ServerCluster::publish(const ClusterDevice &device)
{
    ClusterDevice d = device;
    d.server = m_instance;
    const bool isNew = !m_local.contains(d.id);
    m_local.insert(d.id, d);
    if (!m_up)
        return;
    if (isNew) {
        // Registered with another live server before? That one drops its older connection.
        m_commands->command(
            {"HGET", deviceKey(d.id), "srv"}, [this, id = d.id](const RedisReply &reply) {
                const QString owner = QString::fromUtf8(reply.string);
                if (reply.type == RedisReply::Type::String && !owner.isEmpty()
                    && owner != m_instance)
                    post(owner,
                        {{QStringLiteral("t"), QStringLiteral("replaced")},
                            {QStringLiteral("id"), id.toString()}});
            });
    }
    writeDevice(d);
}

QList<QByteArray> ServerCluster::withdrawCommand(const ClusterDevice &d) const
{
    return {"EVAL", kWithdrawScript, "4", deviceKey(d.id), key(QStringLiteral("ids")),
        nameKey(d.name), addressKey(d.address), m_instance.toUtf8(), d.id.toString().toUtf8()};
}

void ServerCluster::withdraw(const DeviceId &id)
{
    const auto it = m_local.constFind(id);
    if (it == m_local.cend())
        return;
    const ClusterDevice d = *it;
    m_local.erase(it);
    if (!m_up)
        return; // its record expires with the TTL; a republish after the outage leaves it out
    m_commands->command(withdrawCommand(d));
}

void ServerCluster::refresh()
{
    if (!m_up)
        return;
    // Every record is refreshed once per round (TTL / 3), in slices spread over the round:
    // 10 000 PEXPIREs and their answers at once held the event loop for ~100-300 ms, and every
    // introduction waiting behind them (bench/cluster_capacity.sh, docs/benchmarks-server.md).
    const qint64 round = std::max<qint64>(100, m_config.presenceTtl.count() / 3);
    if (m_refreshQueue.isEmpty()) {
        if (m_roundClock.isValid() && m_roundClock.elapsed() < round - m_refresh.interval())
            return;
        m_roundClock.start();
        writeServerRecord();
        m_refreshQueue = m_local.keys();
        const qint64 ticks = std::max<qint64>(1, round / m_refresh.interval() - 1);
        m_refreshSlice
            = qsizetype(std::max<qint64>(1, (m_refreshQueue.size() + ticks - 1) / ticks));
    }
    const QByteArray ttl = QByteArray::number(m_config.presenceTtl.count());
    for (qsizetype i = 0; i < m_refreshSlice && !m_refreshQueue.isEmpty(); ++i) {
        const DeviceId id = m_refreshQueue.takeLast();
        if (!m_local.contains(id))
            continue; // gone since the round began
        // 0: the record is gone (Redis restarted without its data, or we were late): write it.
        m_commands->command({"PEXPIRE", deviceKey(id), ttl}, [this, id](const RedisReply &reply) {
            if (reply.type == RedisReply::Type::Integer && reply.integer == 0 && m_up
                && m_local.contains(id))
                writeDevice(m_local.value(id));
        });
    }
}

void ServerCluster::writeServerRecord()
{
    const QByteArray srvKey = key(QStringLiteral("srv:") + m_instance);
    m_commands->command({"HSET", srvKey, "addr", m_config.advertise.toUtf8(), "relay",
        m_config.relayEnabled ? "1" : "0", "sessions", QByteArray::number(m_relaySessions),
        "devices", QByteArray::number(m_local.size())});
    m_commands->command({"PEXPIRE", srvKey, QByteArray::number(m_config.presenceTtl.count())});
    setRelayLoad(m_relaySessions);
}

void ServerCluster::setRelayLoad(int sessions)
{
    m_relaySessions = sessions;
    if (!m_up || !m_config.relayEnabled)
        return;
    m_commands->command({"ZADD", key(QStringLiteral("relayload")), QByteArray::number(sessions),
        m_instance.toUtf8()});
}

void ServerCluster::leastLoadedRelay(RelayFn done)
{
    const RelayChoice here {m_instance, m_config.advertise};
    if (!m_up) {
        done(m_config.relayEnabled ? here : RelayChoice {});
        return;
    }
    // The five least loaded; the first whose server record still exists wins (a crashed
    // server's entry stays until someone finds it dead here, and removes it).
    m_commands->command({"ZRANGE", key(QStringLiteral("relayload")), "0", "4", "WITHSCORES"},
        [this, here, done = std::move(done)](const RedisReply &reply) mutable {
            if (reply.type != RedisReply::Type::Array || !m_up) {
                done(m_config.relayEnabled ? here : RelayChoice {});
                return;
            }
            QList<QByteArray> order;
            qint64 ownLoad = -1;
            QHash<QByteArray, qint64> load;
            for (qsizetype i = 0; i + 1 < reply.elements.size(); i += 2) {
                const QByteArray inst = reply.elements.at(i).string;
                load.insert(inst, reply.elements.at(i + 1).string.toLongLong());
                order.append(inst);
                if (inst == m_instance.toUtf8())
                    ownLoad = load.value(inst);
            }
            // This server wins a tie: no cross-server hop for nothing.
            if (m_config.relayEnabled && ownLoad >= 0)
                order.removeAll(m_instance.toUtf8()), order.prepend(m_instance.toUtf8());
            std::stable_sort(
                order.begin(), order.end(), [&load](const QByteArray &a, const QByteArray &b) {
                    return load.value(a) < load.value(b);
                });
            auto pending = std::make_shared<qsizetype>(order.size());
            auto answers = std::make_shared<QHash<QByteArray, QByteArray>>();
            if (order.isEmpty()) {
                done(m_config.relayEnabled ? here : RelayChoice {});
                return;
            }
            for (const QByteArray &inst : std::as_const(order)) {
                m_commands->command({"HMGET", key(QStringLiteral("srv:") + QString::fromUtf8(inst)),
                                        "addr", "relay"},
                    [this, inst, order, pending, answers, here, done](const RedisReply &r) {
                        const bool alive = r.type == RedisReply::Type::Array
                            && r.elements.size() == 2 && !r.elements.at(0).isNil();
                        if (alive && r.elements.at(1).string == "1")
                            answers->insert(inst, r.elements.at(0).string);
                        else if (!alive && m_up)
                            m_commands->command({"ZREM", key(QStringLiteral("relayload")), inst});
                        if (--*pending > 0)
                            return;
                        for (const QByteArray &candidate : order)
                            if (answers->contains(candidate)) {
                                done({QString::fromUtf8(candidate),
                                    QString::fromUtf8(answers->value(candidate))});
                                return;
                            }
                        done(m_config.relayEnabled ? here : RelayChoice {});
                    });
            }
        });
}

// ---- lookups ----------------------------------------------------------------------------------

void ServerCluster::locate(const DeviceId &id, LocateFn done)
{
    if (!m_up) {
        done(std::nullopt, false);
        return;
    }
    m_commands->command({"HMGET", deviceKey(id), "srv", "name", "nat", "addr", "kind", "os"},
        [id, done = std::move(done)](const RedisReply &reply) {
            if (reply.isError()) {
                done(std::nullopt, false);
                return;
            }
            done(deviceOf(id.toString().toLatin1(), reply), true);
        });
}

void ServerCluster::fetchRecords(
    const QList<QByteArray> &ids, CandidatesFn done, const QString &name)
{
    if (ids.isEmpty() || !m_up) {
        done({}, m_up);
        return;
    }
    auto found = std::make_shared<QList<ClusterDevice>>();
    auto pending = std::make_shared<qsizetype>(ids.size());
    auto failed = std::make_shared<bool>(false);
    for (const QByteArray &id : ids) {
        m_commands->command({"HMGET", key(QLatin1String("dev:") + QString::fromLatin1(id)), "srv",
                                "name", "nat", "addr", "kind", "os"},
            [this, id, found, pending, failed, done, name](const RedisReply &reply) {
                const auto d = reply.isError() ? std::nullopt : deviceOf(id, reply);
                if (reply.isError())
                    *failed = true;
                else if (d)
                    found->append(*d);
                else if (m_up) // expired (a server that died): its index entries go too
                    m_commands->command({"ZREM", key(QStringLiteral("ids")), id});
                // A name set keeps an ID until someone finds it stale: expired, or renamed.
                if (!name.isEmpty() && !reply.isError() && m_up
                    && (!d || d->name.trimmed().toCaseFolded() != name.trimmed().toCaseFolded()))
                    m_commands->command({"SREM", nameKey(name), id});
                if (--*pending == 0)
                    done(*found, !*failed);
            });
    }
}

void ServerCluster::candidates(const QString &query, CandidatesFn done)
{
    const PeerResolver resolver(query);
    if (!m_up) {
        done({}, false);
        return;
    }
    if (!resolver.exactId().isNull()) {
        fetchRecords({resolver.exactId().toString().toLatin1()}, std::move(done));
        return;
    }
    const QString prefix = resolver.idPrefix();
    const bool byName = !resolver.idOnly();
    const QByteArray limit = QByteArray::number(PeerResolver::kMaxCandidates);
    auto ids = std::make_shared<QList<QByteArray>>();
    auto byNameStep = [this, query, byName, limit, ids, done]() {
        if (!byName || !m_up) {
            fetchRecords(*ids, done);
            return;
        }
        m_commands->command({"SRANDMEMBER", nameKey(query), limit},
            [this, ids, done, query](const RedisReply &reply) {
                for (const RedisReply &e : reply.elements)
                    if (!ids->contains(e.string))
                        ids->append(e.string);
                fetchRecords(*ids, done, query);
            });
    };
    if (prefix.size() < PeerResolver::kMinPrefixLength) {
        byNameStep();
        return;
    }
    const QByteArray p = prefix.toLatin1();
    m_commands->command(
        {"ZRANGEBYLEX", key(QStringLiteral("ids")), "[" + p, "[" + p + "\xff", "LIMIT", "0", limit},
        [ids, byNameStep](const RedisReply &reply) {
            for (const RedisReply &e : reply.elements)
                ids->append(e.string);
            byNameStep();
        });
}

void ServerCluster::presenceCandidates(
    const QList<DeviceId> &watched, const QHostAddress &address, PresenceFn done)
{
    if (!m_up) {
        done({}, false);
        return;
    }
    // Devices on the same public address (a bounded sample: a carrier-grade NAT may put
    // thousands behind one), then where each candidate is registered.
    m_commands->command({"SRANDMEMBER", addressKey(address), QByteArray::number(kMaxSameAddress)},
        [this, watched, address, done = std::move(done)](const RedisReply &reply) {
            if (reply.isError() || !m_up) {
                done({}, false);
                return;
            }
            QList<QPair<DeviceId, bool>> all; // bool: same address (not watched)
            QSet<DeviceId> seen;
            for (const DeviceId &id : watched)
                if (!seen.contains(id)) {
                    seen.insert(id);
                    all.append({id, false});
                }
            for (const RedisReply &e : reply.elements) {
                const DeviceId id = DeviceId::fromString(QString::fromLatin1(e.string));
                if (!id.isNull() && !seen.contains(id)) {
                    seen.insert(id);
                    all.append({id, true});
                }
            }
            if (all.isEmpty()) {
                done({}, true);
                return;
            }
            auto result = std::make_shared<QHash<QString, PresenceCandidates>>();
            auto pending = std::make_shared<qsizetype>(all.size());
            auto failed = std::make_shared<bool>(false);
            for (const auto &[id, sameAddress] : all) {
                m_commands->command({"HMGET", deviceKey(id), "srv", "addr"},
                    [this, id, sameAddress, address, result, pending, failed, done](
                        const RedisReply &r) {
                        if (r.isError()) {
                            *failed = true;
                        } else if (r.elements.size() == 2 && !r.elements.at(0).isNil()) {
                            const QString server = QString::fromUtf8(r.elements.at(0).string);
                            const QHostAddress at(QString::fromLatin1(r.elements.at(1).string));
                            if (server != m_instance) {
                                PresenceCandidates &c = (*result)[server];
                                if (!sameAddress)
                                    c.watched.append(id);
                                if (at == address)
                                    c.sameAddress.append(id);
                            }
                        }
                        if (--*pending == 0)
                            done(*result, !*failed);
                    });
            }
        });
}

void ServerCluster::checkAlive(const QSet<QString> &servers, AliveFn done)
{
    if (!m_up || servers.isEmpty())
        return;
    auto dead = std::make_shared<QSet<QString>>();
    auto pending = std::make_shared<qsizetype>(servers.size());
    for (const QString &server : servers)
        m_commands->command({"EXISTS", key(QStringLiteral("srv:") + server)},
            [server, dead, pending, done](const RedisReply &r) {
                if (r.type == RedisReply::Type::Integer && r.integer == 0)
                    dead->insert(server);
                if (--*pending == 0 && !dead->isEmpty())
                    done(*dead);
            });
}

// ---- messages ---------------------------------------------------------------------------------

void ServerCluster::post(const QString &server, QJsonObject message)
{
    if (!m_up)
        return;
    message.insert(QStringLiteral("from"), m_instance);
    m_commands->command({"PUBLISH", key(QStringLiteral("bus:") + server),
        QJsonDocument(message).toJson(QJsonDocument::Compact)});
}

void ServerCluster::request(const QString &server, QJsonObject message, AnswerFn done)
{
    if (!m_up) {
        QMetaObject::invokeMethod(
            this, [done] { done(std::nullopt); }, Qt::QueuedConnection);
        return;
    }
    const quint64 rid = m_nextRequest++;
    message.insert(QStringLiteral("rid"), QString::number(rid));
    message.insert(QStringLiteral("from"), m_instance);
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, rid] { finishRequest(rid, std::nullopt); });
    m_waiting.insert(rid, {std::move(done), timer});
    timer->start(m_config.requestTimeout);
    m_commands->command({"PUBLISH", key(QStringLiteral("bus:") + server),
                            QJsonDocument(message).toJson(QJsonDocument::Compact)},
        [this, rid](const RedisReply &reply) {
            // Nobody subscribed (the server is gone) or Redis failed: no need to wait.
            if (reply.type != RedisReply::Type::Integer || reply.integer <= 0)
                finishRequest(rid, std::nullopt);
        });
}

void ServerCluster::finishRequest(quint64 rid, const std::optional<QJsonObject> &answer)
{
    const auto it = m_waiting.find(rid);
    if (it == m_waiting.end())
        return; // answered, timed out or failed already
    const Waiting w = *it;
    m_waiting.erase(it);
    w.timer->deleteLater();
    w.done(answer);
}

void ServerCluster::answer(const QJsonObject &requestMessage, QJsonObject reply)
{
    reply.insert(QStringLiteral("re"), requestMessage.value(QStringLiteral("rid")));
    post(requestMessage.value(QStringLiteral("from")).toString(), reply);
}

void ServerCluster::failRequests()
{
    const auto waiting = std::exchange(m_waiting, {});
    for (const Waiting &w : waiting) {
        w.timer->deleteLater();
        w.done(std::nullopt);
    }
}

void ServerCluster::onPushed(const RedisReply &message)
{
    // ["message", channel, payload]
    if (message.elements.size() != 3 || message.elements.at(2).string.size() > kMaxMessageSize)
        return;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(message.elements.at(2).string, &error);
    if (!doc.isObject()) {
        int suppressed = 0;
        if (m_messageLog.allow(&suppressed))
            qCWarning(lcCluster).noquote() << "ignoring a malformed cluster message:"
                                           << error.errorString() + LogThrottle::suffix(suppressed);
        return;
    }
    const QJsonObject object = doc.object();
    if (object.contains(QStringLiteral("re"))) {
        finishRequest(object.value(QStringLiteral("re")).toString().toULongLong(), object);
        return;
    }
    Q_EMIT messageReceived(object);
}

} // namespace PunchDrop
