// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/logthrottle.h"
#include "net/server/redisurl.h"
#include "net/wire/devicedescription.h"
#include "net/wire/deviceid.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <chrono>
#include <functional>
#include <optional>

namespace PunchDrop {

class RedisConnection;
struct RedisReply;

struct ServerClusterConfig
{
    RedisUrl redis;
    QString caFile; //!< rediss://: CA certificates (PEM) instead of the system's
    //! What peers dial to reach this server ("host:port"): the relay of a cross-server session
    //! may be this one.
    QString advertise;
    bool relayEnabled = true;
    //! Presence records expire this long after the last refresh (a dead server's devices are
    //! gone from the cluster within it); refreshed every ttl / 3.
    std::chrono::milliseconds presenceTtl {30000};
    std::chrono::milliseconds reconnectInterval {1000};
    //! A cross-server request (introduction, relay token) waits this long for its answer.
    std::chrono::milliseconds requestTimeout {3000};
    std::chrono::milliseconds healthInterval {60000}; //!< the health line in the log
    QString keyPrefix = QStringLiteral("pd:"); //!< several clusters can share one Redis
};

//! A device registered with some server of the cluster, as Redis records it.
struct ClusterDevice
{
    DeviceId id;
    QString name;
    QString natType;
    QHostAddress address; //!< observed public address
    QString server; //!< the instance that holds its control connection
    //! What it said about itself in hello (absent in records of servers older than this field)
    DeviceDescription device {};
};

/*!
 * One server's membership in a cluster of `punchdrop --server` processes that share a Redis
 * (`--redis URL`): presence records, lookups across servers, messages between servers (one
 * pub/sub channel per server instance, with request/answer pairs) and relay load.
 *
 * What Redis holds (KEYS under keyPrefix, default "pd:"): per registered device a hash
 * `dev:<ID>` {srv, name, nat, addr} with a TTL; the ID text in the sorted set `ids` (prefix
 * lookups) and in `name:<case-folded name>` sets; per server `srv:<instance>` {addr, relay,
 * sessions, devices} with a TTL and its load in the sorted set `relayload`. No file data, no
 * keys, no watch lists, no private addresses: those travel only inside an introduction.
 *
 * Redis away: isUp() turns false, upChanged() tells the server (which then serves its own
 * clients only), every open request fails, and the connections are tried again every
 * reconnectInterval. When Redis is back every local device is published again.
 */
class ServerCluster : public QObject
{
    Q_OBJECT
public:
    ServerCluster(const ServerClusterConfig &config, QObject *parent = nullptr);
    ~ServerCluster() override;

    void start();
    void stop();
    bool isUp() const { return m_up; }
    //! Random per process: a restarted server is a new instance.
    QString instance() const { return m_instance; }
    QString advertise() const { return m_config.advertise; }
    const ServerClusterConfig &config() const { return m_config; }
    //! One line for the log: up or why not, devices here, servers seen.
    QString health() const;

    // ---- presence ------------------------------------------------------------------------
    //! Records (or updates) a device registered here. Remembered, and published again after
    //! an outage. If the device was registered with another live server, that one hears
    //! "replaced" (so it drops the older connection, as one server does).
    void publish(const ClusterDevice &device);
    //! Removes the device's record, unless another server has recorded it since.
    void withdraw(const DeviceId &id);
    qsizetype localCount() const { return m_local.size(); }

    using LocateFn = std::function<void(std::optional<ClusterDevice>, bool ok)>;
    //! Where \a id is registered; nullopt when nowhere. ok is false when Redis failed.
    void locate(const DeviceId &id, LocateFn done);
    using CandidatesFn = std::function<void(const QList<ClusterDevice> &found, bool ok)>;
    //! The devices that can match \a query (PeerResolver's rules: exact ID, ID prefix, name), at
    //! most PeerResolver::kMaxCandidates of each kind; the caller feeds them to a resolver.
    void candidates(const QString &query, CandidatesFn done);

    //! Devices on one other server that may see a device: those it watches, those on its public
    //! address (whether they see it is decided by their own server, which holds their watch lists).
    struct PresenceCandidates
    {
        QList<DeviceId> watched;
        QList<DeviceId> sameAddress;
    };
    using PresenceFn
        = std::function<void(const QHash<QString, PresenceCandidates> &byServer, bool ok)>;
    //! Where the devices \a watched and those on \a address are registered, grouped by server
    //! (this one left out); at most kMaxSameAddress of the latter.
    void presenceCandidates(
        const QList<DeviceId> &watched, const QHostAddress &address, PresenceFn done);
    static constexpr int kMaxSameAddress = 256;
    using AliveFn = std::function<void(const QSet<QString> &dead)>;
    //! Calls \a done with those of \a servers whose record has expired (none: not called).
    void checkAlive(const QSet<QString> &servers, AliveFn done);

    // ---- relay load ----------------------------------------------------------------------
    void setRelayLoad(int sessions);
    struct RelayChoice
    {
        QString server; //!< instance; empty: none known (use the local relay)
        QString advertise;
    };
    using RelayFn = std::function<void(const RelayChoice &)>;
    //! The live server with the fewest relay sessions (this one on a tie).
    void leastLoadedRelay(RelayFn done);

    // ---- messages between servers --------------------------------------------------------
    //! Sends \a message (a JSON object with a "t" type) to \a server's channel.
    void post(const QString &server, QJsonObject message);
    using AnswerFn = std::function<void(const std::optional<QJsonObject> &)>;
    //! Posts \a message and waits for the answer (answer()); nullopt after requestTimeout, or
    //! when Redis goes away first.
    void request(const QString &server, QJsonObject message, AnswerFn done);
    //! Answers \a requestMessage (as received by messageReceived()).
    void answer(const QJsonObject &requestMessage, QJsonObject reply);

Q_SIGNALS:
    void upChanged(bool up);
    //! A message from another server (answers to request() are not reported here).
    void messageReceived(const QJsonObject &message);

private:
    QByteArray key(const QString &suffix) const { return (m_config.keyPrefix + suffix).toUtf8(); }
    QByteArray deviceKey(const DeviceId &id) const
    {
        return key(QLatin1String("dev:") + id.toString());
    }
    QByteArray addressKey(const QHostAddress &address) const
    {
        return key(QLatin1String("addr:") + address.toString());
    }
    QList<QByteArray> withdrawCommand(const ClusterDevice &device) const;
    QByteArray nameKey(const QString &name) const
    {
        return key(QLatin1String("name:") + name.trimmed().toCaseFolded());
    }
    void connectBoth();
    void onReady();
    void onLost(const QString &reason);
    void setUp(bool up, const QString &reason);
    void onPushed(const RedisReply &message);
    void writeDevice(const ClusterDevice &device);
    void refresh();
    void writeServerRecord();
    //! The records of \a ids; with \a name, stale entries of that name's set are removed.
    void fetchRecords(const QList<QByteArray> &ids, CandidatesFn done, const QString &name = {});
    void failRequests();
    //! Ends request \a rid with \a answer (nullopt: none), unless it has ended already.
    void finishRequest(quint64 rid, const std::optional<QJsonObject> &answer);

    struct Waiting
    {
        AnswerFn done;
        QTimer *timer = nullptr;
    };

    ServerClusterConfig m_config;
    QString m_instance;
    RedisConnection *m_commands = nullptr;
    RedisConnection *m_subscriber = nullptr;
    bool m_running = false;
    bool m_up = false;
    bool m_subscribed = false;
    QString m_downReason;
    QTimer m_reconnect;
    QTimer m_refresh; //!< one slice of a refresh round per tick
    QList<DeviceId> m_refreshQueue; //!< the round's devices not refreshed yet
    qsizetype m_refreshSlice = 1;
    QElapsedTimer m_roundClock;
    QTimer m_healthTimer;
    QHash<DeviceId, ClusterDevice> m_local;
    QHash<quint64, Waiting> m_waiting;
    quint64 m_nextRequest = 1;
    int m_relaySessions = 0;
    int m_serversSeen = 0;
    LogThrottle m_messageLog;
};

} // namespace PunchDrop
