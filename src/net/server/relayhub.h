// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/logthrottle.h"
#include "net/server/relaybandwidth.h"
#include "net/server/relaysession.h"
#include "net/wire/deviceid.h"
#include "net/wire/endpoint.h"

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <chrono>
#include <functional>

class QTcpSocket;

namespace PunchDrop {

struct RelayHubConfig
{
    bool enabled = true;
    int maxSessions = 64; //!< paired sessions + half-joined ones
    RelaySessionLimits limits;
    //! Bytes/s through all sessions together (both directions); 0 = unlimited. Shared fairly:
    //! see RelayBandwidth.
    qint64 totalRateBytesPerSecond = 0;
    std::chrono::milliseconds handshakeTimeout {5000}; //!< to send the 21-byte join
    std::chrono::milliseconds joinTimeout {20000}; //!< a half-joined session waits this long
    std::chrono::milliseconds tokenLifetime {120000}; //!< a token from `go` is usable this long
    //! Relay slots (unused tokens + paired sessions) one device may hold as the initiator of
    //! its sessions, and all devices on one address prefix (AddressPrefix) together: a few
    //! throwaway identities must not take every slot.
    int maxSlotsPerIdentity = 4;
    int maxSlotsPerPrefix = 16;
    //! Relay connections that have not sent their join yet, from one address prefix.
    int maxJoiningPerPrefix = 16;
};

//! Who a relay token is charged to: the initiator of the session and its address prefix.
struct RelayOwner
{
    DeviceId id;
    QHostAddress prefix; //!< AddressPrefix::of(the initiator's observed address)
};

/*!
 * The relay side of the server's TCP port. A relay join is plaintext (net/wire/relayjoin.h):
 *
 *     "PDRL" | u8 version = 1 | 16-byte token
 *
 * The token is a random secret the server gave both peers of one session in `go` (over their
 * authenticated control connections) and registered here with registerToken(). When the second
 * peer joins with the same token the hub answers each side with one byte 0x01 ("paired") and
 * hands both sockets to a RelaySession that splices them. Any failure (unknown or expired token,
 * relay disabled, session limit, bad magic) is answered with one byte 0x00 and the socket is
 * closed. A token pairs at most once.
 */
class RelayHub : public QObject
{
    Q_OBJECT
public:
    explicit RelayHub(const RelayHubConfig &config, QObject *parent = nullptr);
    ~RelayHub() override;

    bool isEnabled() const { return m_config.enabled; }
    //! A fresh random token, registered for one session and charged to \a owner until it
    //! expires or its session ends. Empty (with \a refusal) when the owner or its prefix holds
    //! its share of slots already.
    QByteArray createToken(
        const QString &label, const RelayOwner &owner, QString *refusal = nullptr);
    /*!
     * Withdraws \a token while nobody has joined with it (its session went direct): its slot
     * goes back to the owner at once. False when it is unknown, expired or already joined.
     */
    bool revokeToken(const QByteArray &token);
    //! Takes ownership of a freshly accepted plaintext socket whose first byte looked like a join
    //! (or an address claim: RelayJoin::encodeClaim).
    void acceptJoin(QTcpSocket *socket);
    /*!
     * Who decides an address claim: called with its token and the connection's source, true when
     * the claim is taken. Without a handler every claim is refused. Claims are read with the
     * joins' bounds and deadline, and answered whether or not the relay is enabled.
     */
    using ClaimHandler = std::function<bool(const QByteArray &token, const Endpoint &from)>;
    void setClaimHandler(ClaimHandler handler) { m_claims = std::move(handler); }

    int activeSessions() const { return int(m_sessions.size()); }
    int waitingJoins() const { return int(m_waiting.size()); }
    //! Slots (unused tokens + paired sessions) charged to \a id.
    int slotsOf(const DeviceId &id) const { return m_slotsPerIdentity.value(id); }
    //! Connections that have not sent a complete join yet, at most maxJoining().
    int joinsInProgress() const { return int(m_joining.size()); }
    int maxJoining() const { return 2 * m_config.maxSessions + 16; }
    //! The global budget (`--relay-rate-total`), nullptr when there is no global cap.
    RelayBandwidth *bandwidth() const { return m_bandwidth; }

    //! Closes every session and pending join (server shutdown).
    void closeAll();

Q_SIGNALS:
    void sessionStarted();
    void sessionFinished(qint64 bytesAtoB, qint64 bytesBtoA, const QString &reason);

private:
    struct TokenInfo
    {
        QString label;
        qint64 expiresAtMs = 0;
        RelayOwner owner;
    };
    void charge(const RelayOwner &owner, int delta);
    void stopJoining(QTcpSocket *socket);
    void readJoin(QTcpSocket *socket);
    void refuse(QTcpSocket *socket, const QString &why);
    //! Sends the one-byte \a answer (when still connected) and closes: at once, or within 2 s.
    void answerAndClose(QTcpSocket *socket, char answer);
    void pair(QTcpSocket *first, QTcpSocket *second, const TokenInfo &token);
    void dropExpiredTokens();

    RelayHubConfig m_config;
    RelayBandwidth *m_bandwidth = nullptr; //!< child; sessions hold it by QPointer
    QHash<QByteArray, TokenInfo> m_tokens;
    QHash<QByteArray, QPointer<QTcpSocket>> m_waiting; //!< token → first joiner
    QList<QPointer<RelaySession>> m_sessions;
    QHash<QTcpSocket *, QHostAddress> m_joining; //!< accepted, join not read yet → its prefix
    QHash<QHostAddress, int> m_joiningPerPrefix;
    QHash<DeviceId, int> m_slotsPerIdentity; //!< unused tokens + paired sessions
    QHash<QHostAddress, int> m_slotsPerPrefix;
    LogThrottle m_refusalLog;
    ClaimHandler m_claims;
};

} // namespace PunchDrop
