// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/client/controlclient.h"
#include "net/client/holepuncher.h"
#include "net/security/deviceidentity.h"
#include "net/security/securechannel.h"

#include "net/wire/connectfailure.h"
#include "net/wire/connectmode.h"
#include "net/wire/nattype.h"
#include "net/wire/pathkind.h"

#include <QObject>

#include <qcorotask.h>

#include <chrono>
#include <memory>

class QSslSocket;

namespace PunchDrop {

class ControlClient;

//! Injectable timing of one connection set-up (punch timings included).
struct ConnectTimings
{
    PunchTimings punch;
    std::chrono::milliseconds requestTimeout {10000}; //!< connect request → go
    std::chrono::milliseconds relayJoinTimeout {25000}; //!< relay join → paired
    std::chrono::milliseconds handshakeTimeout {10000}; //!< TLS over the relay or the LAN
    /*!
     * Behind a symmetric NAT, a port mapping is the only way in: a connect made while our
     * gateway is still being asked for one (`send` right after start: NAT-PMP and PCP answer in
     * milliseconds, UPnP's discovery in up to 2 s) waits this long for it first.
     */
    std::chrono::milliseconds mappingWait {2500};
    //! A connect made while our IPv6 address claim is in flight (`send` right after start)
    //! waits this long for it: without it the peer's go lacks our IPv6 endpoint.
    std::chrono::milliseconds claimWait {1000};
    /*!
     * Port guessing ("birthday" punching) when the server's go asks for it: the sockets this
     * side opens (--punch-budget); 0 turns it off (--no-birthday).
     */
    int guessBudget = kDefaultGuessBudget;
    /*!
     * A relayed transfer keeps looking for a direct path (TransferEngine): the first try this
     * long after the session started, then after a pause that doubles up to upgradeMaxPause.
     */
    std::chrono::milliseconds upgradeFirst {1000};
    std::chrono::milliseconds upgradeMaxPause {30000};
    //! The punch deadline of such a try (a go that names a running session): nobody waits on
    //! it, the session runs on the relay meanwhile.
    std::chrono::milliseconds upgradePunchDeadline {4000};
    /*!
     * One connect() attempt of such a try: long enough for the kernel's SYN resends, so a
     * socket is not dropped mid-handshake. Dropping one whose peer's SYN already crossed ours
     * sends a RST, which in the NAT lab left both routers' conntrack entries unusable for the
     * rest of the try (the two peers have tried the same pair of endpoints for a while then).
     */
    std::chrono::milliseconds upgradeAttemptTimeout {3000};
    /*!
     * A direct path whose sent data stays unacknowledged this long is given up as dead
     * (ReusableSocket::limitUnacknowledged), and a running transfer falls back to the relay.
     */
    std::chrono::milliseconds deadPathTimeout {10000};
};

//! An authenticated, end-to-end encrypted stream to a peer, and how it was made.
struct PeerConnection
{
    std::unique_ptr<QSslSocket> socket; //!< null on failure
    DeviceId peer;
    QString peerName;
    NatType peerNat; //!< the peer's NAT type as the server passed it on
    PathKind path = PathKind::Unknown; //!< also says the method (pathMethodName)
    //! DirectPortMap: whose gateway forwarded, and how (the peer's, or ours when it came in)
    PortMapProtocol mapper = PortMapProtocol::None;
    QString reason; //!< why relayed, in words (translated when the app installed a translator)
    qint64 timeMs = 0; //!< from the request (or go) to the selected connection
    int rttMs = 0; //!< server's RTT estimate of the peer, from go
    QByteArray sessionId {}; //!< the go's session (empty on the LAN): what an upgrade names
    bool initiator = false; //!< we asked for this session (connectTo), the peer answered
    ConnectFailure errorCode = ConnectFailure::None; //!< why not, when !ok()
    QString error; //!< human-readable (translated when the app installed a translator)
    //! errorCode UnexpectedPeer: the device that answered instead of \a peer (the one asked
    //! for), and the name the server gave it (empty when only its key showed it).
    DeviceId answered;
    QString answeredName;

    bool ok() const { return socket != nullptr; }
};

/*!
 * Turns a server "go" into a PeerConnection: TCP hole punch from the control port first, then
 * the server's relay when no direct path forms by the deadline (unless forbidden), with mutual
 * TLS pinned to the expected DeviceId on whichever path wins. Reports the outcome to the server.
 * Also connects directly to a LAN endpoint.
 *
 * Identity is the address: connectTo() and connectLan() remember the device they were asked
 * for. A go that names another device, or a relayed or LAN path whose TLS key is another
 * device's, ends with errorCode UnexpectedPeer (and \c answered) before the caller can send
 * a byte: the server (or whoever answered on the LAN) is not trusted to choose the peer. A
 * punched candidate with the wrong key is only dropped (it may be an unrelated device behind a
 * private address the peer reported); it becomes UnexpectedPeer when no path formed at all.
 */
class PeerConnector : public QObject
{
    Q_OBJECT
public:
    PeerConnector(const DeviceIdentity &identity, ControlClient *control, ConnectTimings timings,
        QObject *parent = nullptr);

    void setOwnNatType(const NatType &natType) { m_ownNat = natType; }

    /*!
     * Initiator: asks the server for \a target and establishes the path. \a upgrade: the
     * session whose relayed path this connection is to replace (use ConnectMode::DirectOnly);
     * a go that does not name it back (a server without path upgrades) is refused unpunched.
     */
    QCoro::Task<PeerConnection> connectTo(
        DeviceId target, ConnectMode mode, QByteArray upgrade = {});
    //! Responder: follows a go that arrived over the control connection.
    QCoro::Task<PeerConnection> answer(GoMessage go);
    //! LAN: a direct TCP connection to \a endpoint, TLS client, pinned to \a expected.
    QCoro::Task<PeerConnection> connectLan(Endpoint endpoint, DeviceId expected);

    /*!
     * Whether no TCP punch can work between NATs of these kinds: symmetric ×
     * symmetric, or symmetric × port-restricted (the symmetric side's SYN comes from a port the
     * other never opened). Symmetric against a full or restricted cone still works through the
     * cone side's listener; anything unknown is worth a try. Symmetric in its arguments, so both
     * peers reach the same verdict from the same two types.
     */
    static bool punchHopeless(const NatType &a, const NatType &b);

private:
    //! Why the bytes will not travel directly: the English text for the server's report and the
    //! log, the one for people, and a device that answered a punch with another key.
    struct Detour
    {
        QString reason;
        QString reasonShown;
        DeviceId impostor;
    };

    QCoro::Task<PeerConnection> establish(GoMessage go, ConnectMode mode, qint64 startedMs);
    //! Waits up to \a timeout for the control client's signal \a settled; false when the
    //! client, its registration or this object went away meanwhile.
    QCoro::Task<bool> awaitControl(
        void (ControlClient::*settled)(), std::chrono::milliseconds timeout);
    /*!
     * The hole punch of establish(): every candidate of \a go from the control port, the peer's
     * port mapping first. \a mappedOnly (the NATs rule out a punch, but a gateway forwards):
     * only the peer's mapping is dialled (none when only ours exists: the peer dials in), within
     * PunchTimings::mappedDeadline.
     */
    QCoro::Task<PunchResult> punch(const GoMessage &go, bool mappedOnly, PortGuess guess);
    /*!
     * The part in port guessing this side plays for \a go: go.guess, unless guessing is off,
     * another session is guessing right now, either side offers a port mapping (that is tried
     * instead), or our own NAT type contradicts the part (a server can thus not make us send
     * hundreds of SYNs where they cannot help).
     */
    //! The sockets this side opens for \a guess (the sequential parts need few).
    int guessBudget(PortGuess guess) const;
    PortGuess guessPart(const GoMessage &go, ConnectMode mode) const;
    //! The peer's IPv6 endpoints in \a go (Go::peerAlso, or its public one when it registered
    //! over IPv6), when we have IPv6 too; empty otherwise.
    QList<Endpoint> ipv6Candidates(const GoMessage &go) const;
    //! Which direct path \a punched is: DirectPortMap when it went to the peer's mapping, or
    //! came in through ours when nothing else could (\a mappedOnly); DirectPunch otherwise.
    PathKind directPathOf(const PunchResult &punched, const GoMessage &go, bool mappedOnly) const;
    //! Why establish() did not even try to punch (\a hopeless, relay-only, no punch in go).
    Detour unpunched(const NatType &peerNat, ConnectMode mode, bool hopeless) const;
    //! Neither a direct path nor the relay: fills in \a c's error.
    void failNoPath(
        PeerConnection &c, const GoMessage &go, ConnectMode mode, const Detour &detour) const;
    //! The relay half of establish(): joins with go's token and runs the pinned TLS handshake.
    //! \a c carries what establish() knew; \a startedMs is the time spent before the join.
    QCoro::Task<PeerConnection> viaRelay(
        GoMessage go, PeerConnection c, Detour detour, qint64 startedMs);
    //! The error code of a failed TLS handshake on a relayed or LAN path.
    static void failSecure(PeerConnection &c, const SecureChannel::Result &secured);
    //! Why relayed: in English for the server's report and the log (\a forPeople false), or
    //! translated (context "PeerConnector") for PeerConnection::reason.
    QString relayReason(const NatType &peerNat, const QString &punchFailure, bool forPeople) const;

    DeviceIdentity m_identity;
    QPointer<ControlClient> m_control;
    ConnectTimings m_timings;
    NatType m_ownNat;
    bool m_guessing = false; //!< a session guesses ports now (one at a time)
};

} // namespace PunchDrop
