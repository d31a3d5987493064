// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/connectfailure.h"
#include "net/wire/connectmode.h"
#include "net/wire/devicedescription.h"
#include "net/wire/deviceid.h"
#include "net/wire/endpoint.h"
#include "net/wire/lookupstatus.h"
#include "net/wire/pathkind.h"
#include "net/wire/portguess.h"
#include "net/wire/portmapprotocol.h"
#include "net/wire/servererror.h"

#include <chrono>
#include <optional>

#include <QByteArray>
#include <QList>
#include <QString>

#include <variant>

/*!
 * The messages of the control protocol between a client and the rendezvous server, as plain
 * structs. ControlProtocol (controlprotocol.h) turns them into frames and back; the wire format
 * of every field is written down there and in docs/protocol/control.md.
 */
namespace PunchDrop::Control {

//! C→S, first message after the TLS handshake. The device ID comes from the client certificate.
struct Hello
{
    int version = 0;
    QString name;
    QList<Endpoint> privateEndpoints; //!< the client's LAN endpoints for its control port P
    QString nat; //!< optional: NAT type text if already known
    //! optional: the devices whose presence this client wants (its contacts), ≤ kMaxWatch
    QList<DeviceId> watch;
    //! optional: what kind of device this is and its OS (DeviceDescription; icon only)
    DeviceDescription device {};
};

//! S→C, the answer to hello: the client is registered.
struct Welcome
{
    int version = 0;
    DeviceId yourId;
    Endpoint observed; //!< the public endpoint of the control connection as the server sees it
    bool relayAvailable = false;
    DeviceId serverId;
    int keepaliveMs = 0;
    //! optional: the server copies `connect.upgrade` into the go's (path upgrades); absent
    //! (false) from older servers, whose clients then never ask for one.
    bool upgrades = false;
    /*!
     * optional: where the client can show the server its other address family (IPv6 when this
     * connection is IPv4): a plain TCP connection from its control port to \a claimAt that
     * sends an address claim with \a claimToken (RelayJoin::encodeClaim). The server then hands
     * the address it saw to peers as Go::peerAlso. Both absent when the server has no such
     * address; older servers never send them.
     */
    Endpoint claimAt {};
    QByteArray claimToken {}; //!< ControlProtocol::kClaimTokenSize random bytes, or empty
};

//! C→S: the client's NAT type (from STUN probing), shown to others in presence.
struct Nat
{
    QString natType;
};

/*!
 * C→S: the endpoint the client's gateway forwards to its control port P (UPnP-IGD, NAT-PMP or
 * PCP), or none (\a external invalid) when the mapping is gone. The server hands it to peers in
 * `go` only when its address is the client's observed public address.
 */
struct Mapped
{
    Endpoint external;
    PortMapProtocol protocol = PortMapProtocol::None;
};

//! One online device in presence messages.
struct PeerEntry
{
    DeviceId id;
    QString name;
    QString nat;
    //! optional: what the device said about itself in hello (icon only; Unknown when absent)
    DeviceDescription device {};
    friend bool operator==(const PeerEntry &, const PeerEntry &) = default;
};

//! S→C: the online devices the receiver may see (see `watch`), sent right after welcome.
struct Peers
{
    QList<PeerEntry> peers;
    bool more = false; //!< further `peers` frames extend this list (large presence lists)
};

//! S→C: a device became visible: it came online, or a watch list changed (or it changed its
//! NAT type).
struct PeerJoined
{
    PeerEntry peer;
};

//! S→C: a device went offline or is no longer visible.
struct PeerLeft
{
    DeviceId id;
};

//! C→S: replaces the client's watch list (the devices whose presence it wants) while connected.
struct Watch
{
    QList<DeviceId> ids; //!< ≤ kMaxWatch
};

//! S→C: the server keeps presence for fewer devices than the last watch list (or hello.watch)
//! asked for: a per-client or server-wide bound. The first \a kept distinct IDs of the list
//! were kept.
struct WatchLimited
{
    int kept = 0;
    int asked = 0;
    QString message;
};

//! C→S: find a registered device by ID, unique ID prefix or unique name (PeerResolver's rules).
struct Lookup
{
    quint32 requestId = 0;
    QString query;
};

//! S→C: the answer to lookup \a requestId.
struct LookupResult
{
    quint32 requestId = 0;
    QList<PeerEntry> peers; //!< Ok: the match; Ambiguous: candidates (≤ kMaxLookupPeers)
    //! Ok, Ambiguous, NotFound, Busy or BadQuery; Unknown for a newer code
    LookupStatus code = LookupStatus::Unknown;
    QString message;
};

//! C→S: please introduce me to \a target.
struct Connect
{
    quint32 requestId = 0;
    DeviceId target;
    ConnectMode mode = ConnectMode::Auto; //!< "auto", "relay-only" or "direct-only"
    //! optional: the session (its go's session ID) whose relayed path this connect tries to
    //! replace with a direct one; the server copies it into both peers' go (Go::upgrade).
    QByteArray upgrade {};
};

//! S→C: the connect request \a requestId failed.
struct ConnectError
{
    quint32 requestId = 0;
    //! UnknownPeer, Offline, Self, RelayDisabled, Busy or BadMode; Unknown for a newer code
    ConnectFailure code = ConnectFailure::Unknown;
    QString message;
};

//! S→both peers of a session: who the other side is and when to start punching.
struct Go
{
    quint32 requestId = 0; //!< the initiator's connect request; 0 for the responder
    QByteArray sessionId; //!< 16 random bytes
    bool initiator = false;
    DeviceId peer;
    QString peerName;
    Endpoint peerPublic;
    QList<Endpoint> peerPrivate;
    QString peerNat;
    bool punch = true;
    QByteArray relayToken; //!< 16 bytes, or empty: no relay for this session
    int startInMs = 0;
    int rttMs = 0;
    //! optional: the peer's port mapping (vouched by the server: its public address), a
    //! candidate that needs no punch: the gateway forwards it. Invalid when there is none.
    Endpoint peerMapped;
    PortMapProtocol peerMapper = PortMapProtocol::None;
    //! optional: where to join the relay with relayToken ("host:port"), when another server of
    //! the cluster serves this session; empty: the server this client is registered with.
    QString relay;
    //! optional: this peer's part in port guessing ("birthday" punching), when the two NAT
    //! types need it (portGuessFor); None when absent or a text this build does not know.
    PortGuess guess = PortGuess::None;
    //! optional: the running session this go is for (Connect::upgrade): a direct path for it,
    //! not a new session. Empty for an ordinary go.
    QByteArray upgrade {};
    //! optional: the peer's public endpoint in its other address family (its IPv6 address when
    //! it registered over IPv4), as the server saw it in the peer's address claim. Invalid when
    //! there is none.
    Endpoint peerAlso {};
    //! Local, never on the wire: when this client decoded the go (ControlClient). The punch
    //! starts startInMs after that instant, however long the go took from there to the
    //! HolePuncher. Absent (a go built elsewhere): startInMs counts from when the punch begins.
    std::optional<std::chrono::steady_clock::time_point> receivedAt {};
};

//! C→S: how a session ended up (for the server's log).
struct Outcome
{
    QByteArray sessionId;
    OutcomeKind kind = OutcomeKind::Unknown; //!< "direct", "relay" or "failed"
    //! The path taken or last tried: "tcp-punch", "lan" or "relay"; Unknown is "none"
    PathKind method = PathKind::Unknown;
    qint64 timeMs = 0;
    QString reason;
};

//! Either direction: liveness and RTT probe; the receiver answers with a Pong carrying the nonce.
struct Ping
{
    quint64 nonce = 0;
};

struct Pong
{
    quint64 nonce = 0;
};

//! S→C: a fatal problem; the server closes the connection after sending it.
struct Error
{
    ServerError code = ServerError::Unknown;
    QString message;
};

//! A well-formed frame whose type this build does not know (ignored for forward compatibility).
struct Unknown
{
    QString type;
};

} // namespace PunchDrop::Control

namespace PunchDrop {

using ControlMessage = std::variant<Control::Hello, Control::Welcome, Control::Nat, Control::Peers,
    Control::PeerJoined, Control::PeerLeft, Control::Connect, Control::ConnectError, Control::Go,
    Control::Outcome, Control::Ping, Control::Pong, Control::Error, Control::Watch, Control::Lookup,
    Control::LookupResult, Control::WatchLimited, Control::Mapped, Control::Unknown>;

} // namespace PunchDrop
