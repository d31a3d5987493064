// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/controlmessage.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace PunchDrop {

/*!
 * The control protocol: the framed messages a client and the rendezvous server exchange over
 * TLS 1.3 on the server's TCP port (default 8877). Pure functions, no I/O.
 *
 * Frame layout
 * ------------
 *     u32 big-endian body length N (1 … 65536) | N bytes body
 * The body is one CBOR map (RFC 8949) and nothing after it, within CborBounds (no container
 * declaring more entries than the bytes left, nesting ≤ 16). Key "t" (text) names the message type;
 * the other keys are its fields. Unknown keys are ignored; an unknown "t" parses as
 * Control::Unknown and is ignored by the receiver (forward compatibility). A length of 0 or above
 * kMaxBodySize, a body that is not exactly one CBOR map, a missing or mistyped required field:
 * Malformed. The server answers Malformed with an `error` frame and closes the connection.
 *
 * Field encodings
 * ---------------
 *  - device IDs: byte string of 32 bytes (the SHA-256 digest, see DeviceId)
 *  - endpoints: text "a.b.c.d:port" or "[v6]:port"
 *  - session IDs and relay tokens: byte strings of 16 bytes
 *  - counters, times and nonces: unsigned integers
 *  - free text (names, NAT types, codes, messages): text of at most kMaxTextLength characters;
 *    names (hello, peer entries, go) are sanitised on decoding (DisplayText::cleanName)
 *
 * Messages (C = client, S = server)
 * ---------------------------------
 *  hello          C→S  v, name, private [endpoint…] (≤ kMaxPrivateEndpoints), nat?,
 *                      watch? [id…] (≤ kMaxWatch; absent = empty), kind?, os? (below)
 *  welcome        S→C  v, id, ip, port (observed public endpoint), relay (bool), server (id),
 *                      keepalive_ms
 *  nat            C→S  nat
 *  mapped         C→S  endpoint? (absent: no mapping any more), mapper ("upnp" | "natpmp" |
 *                      "pcp"; with endpoint): the endpoint the client's gateway forwards to its
 *                      control port P
 *  peers          S→C  peers [{id, name, nat, kind?, os?}…] (≤ kMaxPeersPerFrame), more
 *                      (bool): when true, further `peers` frames extend this list. Only the
 *                      VISIBLE peers: A sees B ⇔ (B ∈ A.watch ∧ A ∈ B.watch) ∨ same observed
 *                      IP address
 *  peer-joined    S→C  id, name, nat, kind?, os? (a peer became visible, or changed its NAT
 *                      type)
 *  peer-left      S→C  id (a peer went offline or is no longer visible)
 *  watch          C→S  ids [id…] (≤ kMaxWatch): replaces the watch list
 *  watch-limited  S→C  kept, asked, msg: the server keeps only the first `kept` of the `asked`
 *                      distinct IDs of the last watch list (a per-client or server-wide bound)
 *  lookup         C→S  req, query (device ID, unique ID prefix ≥ 4 characters, unique name)
 *  lookup-result  S→C  req, peers [{id, name, nat, kind?, os?}…] (≤ kMaxLookupPeers), code
 *                      ("ok" | "ambiguous" | "not-found" | "busy" | "bad-query"), msg
 *  connect        C→S  req, target (id), mode ("auto" | "relay-only" | "direct-only")
 *  connect-error  S→C  req, code, msg
 *  go             S→C  req (0 for the responder), session, role ("initiator" | "responder"),
 *                      peer (id), name, public (endpoint), private [endpoint…], nat,
 *                      mapped? (endpoint), mapper? (with mapped), punch (bool),
 *                      token? (absent: no relay), relay? (host:port: join the relay there,
 *                      another server of the cluster; absent: this server), start_in_ms, rtt_ms
 *  outcome        C→S  session, kind ("direct" | "relay" | "failed"),
 *                      method ("tcp-punch" | "lan" | "relay"), time_ms, reason?
 *  ping / pong    C↔S  nonce
 *  error          S→C  code, msg; the server closes the connection afterwards
 *
 * kind? and os? (hello, peer entries): what the device says it is, for its icon only
 * (DeviceDescription): kind "desktop" | "laptop" | "server", os "linux" | "windows" | "macos" |
 * "other". Text (anything else is Malformed); an unknown token reads as unknown; absent when
 * unknown. The server copies a client's hello values into its peer entries, and leaves them
 * out of lookup-result entries for strangers (like nat).
 *
 * Flow: TLS handshake (the client certificate names the device) → hello → welcome + peers →
 * presence updates, connect → go to both peers (or connect-error), outcome, pings.
 *
 * Version history: 1 — first version (this one). Scoped presence (hello.watch, watch, lookup,
 * lookup-result) was added without a version bump: old servers ignore the new field and
 * message types, old clients ignore lookup-result (and watch-limited, added the same way).
 * Port mapping (`mapped`, go.mapped/mapper) likewise: an old server ignores `mapped`, an old
 * client the two go fields. go.relay (server clusters) likewise: an old client joins its own
 * server, which does not know the token, and that one session fails to relay. hello.kind/os
 * and the peer entries' kind/os likewise: an old server ignores them in hello and sends none
 * (the devices show a generic icon), an old client ignores them in entries.
 */
class ControlProtocol
{
public:
    static constexpr int kVersion = 1;
    static constexpr qsizetype kHeaderSize = 4;
    static constexpr qsizetype kMaxBodySize = 64 * 1024;
    static constexpr int kMaxTextLength = 256;
    static constexpr int kMaxPrivateEndpoints = 16;
    static constexpr int kMaxPeersPerFrame = 100;
    static constexpr int kMaxWatch = 1024; //!< device IDs in hello.watch / watch
    static constexpr int kMaxLookupPeers = 16; //!< entries in one lookup-result
    static constexpr int kSessionIdSize = 16;
    static constexpr int kRelayTokenSize = 16;
    static constexpr int kClaimTokenSize = 16; //!< Welcome::claimToken

    enum class Status { Ok, Incomplete, Malformed };

    struct ParseResult
    {
        Status status = Status::Incomplete;
        qsizetype consumed = 0; //!< bytes of \a data that made up the frame (Ok only)
        ControlMessage message;
        QString error; //!< Malformed: what is wrong, for the log and the error frame
    };

    //! Parses the first frame in \a data.
    static ParseResult parse(QByteArrayView data);
    //! The frame (header + body) for \a message. Unknown messages encode to an empty array.
    static QByteArray encode(const ControlMessage &message);

    //! The message's type name on the wire ("hello", "go", …).
    static QString typeName(const ControlMessage &message);

    //! Parses "1.2.3.4:5" / "[::1]:5". nullopt when malformed or port 0.
    static std::optional<Endpoint> parseEndpoint(QStringView text);
};

inline constexpr int kControlProtocolVersion = ControlProtocol::kVersion;

} // namespace PunchDrop
