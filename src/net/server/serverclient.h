// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/controllinkcontext.h"
#include "net/server/presencemember.h"
#include "net/wire/controlmessage.h"
#include "net/wire/deviceid.h"
#include "net/wire/endpoint.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSet>

#include <chrono>

namespace PunchDrop {

class ControlLink;

/*!
 * The server's side of one control connection: a ControlLink (TLS 1.3 handshake, the client
 * certificate gives the DeviceId; then the lean record layer), frame buffering and parsing, the
 * handshake deadline and the idle timeout. Protocol
 * violations are answered with an `error` frame, logged and the connection is closed; the
 * RendezvousServer does the rest (registry, presence, introductions).
 */
class ServerClient : public QObject, public PresenceMember
{
    Q_OBJECT
public:
    struct Timeouts
    {
        //! TLS handshake + hello. Each connection holds ~48 KiB until then; 3 s is still ample
        //! for the two round trips of a TLS 1.3 handshake and hello on a slow mobile link.
        std::chrono::milliseconds handshake {3000};
        std::chrono::milliseconds idle {60000}; //!< no frame at all → close
    };

    //! Takes over \a fd (accepted, not yet read from) and starts the server-side handshake.
    ServerClient(qintptr fd, const ControlLinkContext &link, const Timeouts &timeouts,
        QObject *parent = nullptr);
    ~ServerClient() override;

    bool isRegistered() const { return m_registered; }
    void setRegistered() { m_registered = true; }

    DeviceId id() const override { return m_id; }
    QString name() const override { return m_name; }
    QString natType() const override { return m_nat; }
    void setNatType(const QString &nat) { m_nat = nat; }
    DeviceDescription device() const override { return m_device; }
    QList<Endpoint> privateEndpoints() const { return m_private; }
    //! The port mapping the client reported (`mapped`), as the server vouched for it.
    Endpoint mapped() const { return m_mapped; }
    PortMapProtocol mapper() const { return m_mapper; }
    void setMapped(const Endpoint &external, PortMapProtocol mapper)
    {
        m_mapped = external;
        m_mapper = mapper;
    }
    Endpoint observed() const { return m_observed; }
    QHostAddress peerAddress() const override { return m_observed.address; }
    //! The public endpoint of the client's other address family, seen in its address claim
    //! (RendezvousServer::onClaim); invalid when it made none.
    Endpoint also() const { return m_also; }
    void setAlso(const Endpoint &also) { m_also = also; }
    //! The token of its address claims (Welcome::claimToken), empty when none was offered.
    QByteArray claimToken() const { return m_claimToken; }
    void setClaimToken(const QByteArray &token) { m_claimToken = token; }
    //! The watch list hello carried, until the server has stored it (PresenceIndex keeps the
    //! watch lists, as digests).
    const QList<DeviceId> &helloWatch() const { return m_helloWatch; }
    void clearHelloWatch() { m_helloWatch = {}; }
    //! The last measured round-trip time, -1 if none yet.
    int lastRttMs() const { return m_lastRttMs; }

    void send(const ControlMessage &message);
    //! Sends a ping and returns its nonce; pongReceived() reports the answer.
    quint64 ping();
    //! Sends `error`, logs \a code / \a message and closes the connection.
    void fail(ServerError code, const QString &message);
    //! Closes without a message (server shutdown).
    void close();

    //! Short text for logs: "MFRGG2DF "alice" 1.2.3.4:5555".
    QString describe() const;

Q_SIGNALS:
    //! A valid hello arrived (the first message); the server answers with welcome.
    void helloReceived(PunchDrop::ServerClient *client);
    //! Any later message except ping/pong, which the client handles itself.
    void messageReceived(PunchDrop::ServerClient *client, const PunchDrop::ControlMessage &message);
    void pongReceived(PunchDrop::ServerClient *client, quint64 nonce, int rttMs);
    //! The connection is gone; emitted once. The server deletes the object afterwards.
    void closed(PunchDrop::ServerClient *client, const QString &reason);

private:
    void onHandshakeDone(const DeviceId &peer);
    void onPlaintext(const QByteArray &plaintext);
    void handle(const ControlMessage &message);
    void finish(const QString &reason);
    // Deadlines are timestamps checked by one coarse sweep timer per thread (serverclient.cpp),
    // not two QTimers per client: at 10 000 clients those cost ~1.4 KiB each and an O(n)
    // timer-list update per received frame.
    static qint64 nowMs();
    static void sweepAll();
    void watchDeadlines();
    void onDeadline(qint64 nowMs);

    ControlLink *m_link = nullptr;
    Timeouts m_timeouts;
    qint64 m_deadlineAtMs = -1; //!< handshake + hello (nowMs()), -1: none
    qint64 m_idleAtMs = -1; //!< idle timeout (nowMs()), -1: none

    QByteArray m_buffer;
    DeviceId m_id;
    QString m_name;
    QString m_nat;
    DeviceDescription m_device;
    QList<Endpoint> m_private;
    Endpoint m_mapped;
    PortMapProtocol m_mapper = PortMapProtocol::None;
    QList<DeviceId> m_helloWatch;
    Endpoint m_observed;
    Endpoint m_also;
    QByteArray m_claimToken;
    bool m_helloDone = false;
    bool m_registered = false;
    bool m_closing = false;
    bool m_finished = false;
    int m_lastRttMs = -1;
    QHash<quint64, qint64> m_pendingPings; //!< nonce → send time (ms of m_clock)
    QElapsedTimer m_clock;
};

} // namespace PunchDrop
