// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/controlprotocol.h"

#include "net/wire/cborbounds.h"
#include "net/wire/displaytext.h"
#include "net/wire/hostport.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborStreamReader>
#include <QCborValue>
#include <QtEndian>

#include <algorithm>
#include <iterator>
#include <limits>

namespace PunchDrop {

using namespace Control;

namespace {

// ---- encoding helpers -------------------------------------------------------------------------

QCborValue idValue(const DeviceId &id)
{
    return QCborValue(id.digest());
}

QCborArray endpointArray(const QList<Endpoint> &endpoints)
{
    QCborArray array;
    for (const Endpoint &e : endpoints)
        array.append(e.toString());
    return array;
}

QCborArray idArray(const QList<DeviceId> &ids)
{
    QCborArray array;
    for (const DeviceId &id : ids)
        array.append(idValue(id));
    return array;
}

//! The optional "kind" and "os" fields; Unknown ones are left out.
void insertDevice(QCborMap &m, const DeviceDescription &device)
{
    if (device.kind != DeviceKind::Unknown)
        m.insert(QStringLiteral("kind"), deviceKindName(device.kind));
    if (device.os != DeviceOs::Unknown)
        m.insert(QStringLiteral("os"), deviceOsName(device.os));
}

QCborMap entryMap(const PeerEntry &p)
{
    QCborMap m;
    m.insert(QStringLiteral("id"), idValue(p.id));
    m.insert(QStringLiteral("name"), p.name);
    m.insert(QStringLiteral("nat"), p.nat);
    insertDevice(m, p.device);
    return m;
}

QCborMap typed(const char *type)
{
    QCborMap m;
    m.insert(QStringLiteral("t"), QString::fromLatin1(type));
    return m;
}

struct Encoder
{
    QCborMap operator()(const Hello &m) const
    {
        QCborMap c = typed("hello");
        c.insert(QStringLiteral("v"), m.version);
        c.insert(QStringLiteral("name"), m.name);
        c.insert(QStringLiteral("private"), endpointArray(m.privateEndpoints));
        if (!m.nat.isEmpty())
            c.insert(QStringLiteral("nat"), m.nat);
        if (!m.watch.isEmpty())
            c.insert(QStringLiteral("watch"), idArray(m.watch));
        insertDevice(c, m.device);
        return c;
    }
    QCborMap operator()(const Welcome &m) const
    {
        QCborMap c = typed("welcome");
        c.insert(QStringLiteral("v"), m.version);
        c.insert(QStringLiteral("id"), idValue(m.yourId));
        c.insert(QStringLiteral("ip"), m.observed.address.toString());
        c.insert(QStringLiteral("port"), m.observed.port);
        c.insert(QStringLiteral("relay"), m.relayAvailable);
        c.insert(QStringLiteral("server"), idValue(m.serverId));
        c.insert(QStringLiteral("keepalive_ms"), m.keepaliveMs);
        if (m.upgrades)
            c.insert(QStringLiteral("upgrades"), true);
        if (m.claimAt.isValid() && !m.claimToken.isEmpty()) {
            c.insert(QStringLiteral("claim_at"), m.claimAt.toString());
            c.insert(QStringLiteral("claim"), m.claimToken);
        }
        return c;
    }
    QCborMap operator()(const Nat &m) const
    {
        QCborMap c = typed("nat");
        c.insert(QStringLiteral("nat"), m.natType);
        return c;
    }
    QCborMap operator()(const Mapped &m) const
    {
        QCborMap c = typed("mapped");
        if (m.external.isValid()) {
            c.insert(QStringLiteral("endpoint"), m.external.toString());
            c.insert(QStringLiteral("mapper"), portMapProtocolName(m.protocol));
        }
        return c;
    }
    QCborMap operator()(const Peers &m) const
    {
        QCborMap c = typed("peers");
        QCborArray list;
        for (const PeerEntry &p : m.peers)
            list.append(entryMap(p));
        c.insert(QStringLiteral("peers"), list);
        c.insert(QStringLiteral("more"), m.more);
        return c;
    }
    QCborMap operator()(const PeerJoined &m) const
    {
        QCborMap c = typed("peer-joined");
        c.insert(QStringLiteral("id"), idValue(m.peer.id));
        c.insert(QStringLiteral("name"), m.peer.name);
        c.insert(QStringLiteral("nat"), m.peer.nat);
        insertDevice(c, m.peer.device);
        return c;
    }
    QCborMap operator()(const PeerLeft &m) const
    {
        QCborMap c = typed("peer-left");
        c.insert(QStringLiteral("id"), idValue(m.id));
        return c;
    }
    QCborMap operator()(const Connect &m) const
    {
        QCborMap c = typed("connect");
        c.insert(QStringLiteral("req"), qint64(m.requestId));
        c.insert(QStringLiteral("target"), idValue(m.target));
        c.insert(QStringLiteral("mode"), connectModeName(m.mode));
        if (!m.upgrade.isEmpty())
            c.insert(QStringLiteral("upgrade"), m.upgrade);
        return c;
    }
    QCborMap operator()(const ConnectError &m) const
    {
        QCborMap c = typed("connect-error");
        c.insert(QStringLiteral("req"), qint64(m.requestId));
        c.insert(QStringLiteral("code"), connectFailureName(m.code));
        c.insert(QStringLiteral("msg"), m.message);
        return c;
    }
    QCborMap operator()(const Go &m) const
    {
        QCborMap c = typed("go");
        c.insert(QStringLiteral("req"), qint64(m.requestId));
        c.insert(QStringLiteral("session"), m.sessionId);
        c.insert(QStringLiteral("role"),
            m.initiator ? QStringLiteral("initiator") : QStringLiteral("responder"));
        c.insert(QStringLiteral("peer"), idValue(m.peer));
        c.insert(QStringLiteral("name"), m.peerName);
        c.insert(QStringLiteral("public"), m.peerPublic.toString());
        c.insert(QStringLiteral("private"), endpointArray(m.peerPrivate));
        if (m.peerAlso.isValid())
            c.insert(QStringLiteral("also"), m.peerAlso.toString());
        c.insert(QStringLiteral("nat"), m.peerNat);
        if (m.peerMapped.isValid()) {
            c.insert(QStringLiteral("mapped"), m.peerMapped.toString());
            c.insert(QStringLiteral("mapper"), portMapProtocolName(m.peerMapper));
        }
        c.insert(QStringLiteral("punch"), m.punch);
        if (!m.relayToken.isEmpty())
            c.insert(QStringLiteral("token"), m.relayToken);
        if (!m.relay.isEmpty())
            c.insert(QStringLiteral("relay"), m.relay);
        if (m.guess != PortGuess::None)
            c.insert(QStringLiteral("guess"), portGuessName(m.guess));
        if (!m.upgrade.isEmpty())
            c.insert(QStringLiteral("upgrade"), m.upgrade);
        c.insert(QStringLiteral("start_in_ms"), m.startInMs);
        c.insert(QStringLiteral("rtt_ms"), m.rttMs);
        return c;
    }
    QCborMap operator()(const Outcome &m) const
    {
        QCborMap c = typed("outcome");
        c.insert(QStringLiteral("session"), m.sessionId);
        c.insert(QStringLiteral("kind"), outcomeKindName(m.kind));
        c.insert(QStringLiteral("method"), pathMethodName(m.method));
        c.insert(QStringLiteral("time_ms"), m.timeMs);
        if (!m.reason.isEmpty())
            c.insert(QStringLiteral("reason"), m.reason);
        return c;
    }
    QCborMap operator()(const Ping &m) const
    {
        QCborMap c = typed("ping");
        c.insert(QStringLiteral("nonce"), qint64(m.nonce & 0x7fffffffffffffffULL));
        return c;
    }
    QCborMap operator()(const Pong &m) const
    {
        QCborMap c = typed("pong");
        c.insert(QStringLiteral("nonce"), qint64(m.nonce & 0x7fffffffffffffffULL));
        return c;
    }
    QCborMap operator()(const Error &m) const
    {
        QCborMap c = typed("error");
        c.insert(QStringLiteral("code"), serverErrorName(m.code));
        c.insert(QStringLiteral("msg"), m.message);
        return c;
    }
    QCborMap operator()(const Watch &m) const
    {
        QCborMap c = typed("watch");
        c.insert(QStringLiteral("ids"), idArray(m.ids));
        return c;
    }
    QCborMap operator()(const Lookup &m) const
    {
        QCborMap c = typed("lookup");
        c.insert(QStringLiteral("req"), qint64(m.requestId));
        c.insert(QStringLiteral("query"), m.query);
        return c;
    }
    QCborMap operator()(const WatchLimited &m) const
    {
        QCborMap c = typed("watch-limited");
        c.insert(QStringLiteral("kept"), qint64(m.kept));
        c.insert(QStringLiteral("asked"), qint64(m.asked));
        c.insert(QStringLiteral("msg"), m.message);
        return c;
    }
    QCborMap operator()(const LookupResult &m) const
    {
        QCborMap c = typed("lookup-result");
        c.insert(QStringLiteral("req"), qint64(m.requestId));
        QCborArray list;
        for (const PeerEntry &p : m.peers)
            list.append(entryMap(p));
        c.insert(QStringLiteral("peers"), list);
        c.insert(QStringLiteral("code"), lookupStatusName(m.code));
        c.insert(QStringLiteral("msg"), m.message);
        return c;
    }
    QCborMap operator()(const Unknown &) const { return {}; }
};

// ---- decoding helpers -------------------------------------------------------------------------

//! Reads typed fields out of one map and remembers the first problem.
class Fields
{
public:
    explicit Fields(const QCborMap &map)
        : m_map(map)
    { }

    QString error() const { return m_error; }
    bool ok() const { return m_error.isEmpty(); }

    QString text(const char *key, bool required = true)
    {
        const QCborValue v = value(key, required);
        if (v.isUndefined())
            return {};
        if (!v.isString())
            return fail(key, "must be text"), QString();
        const QString s = v.toString();
        if (s.size() > ControlProtocol::kMaxTextLength)
            return fail(key, "is too long"), QString();
        return s;
    }

    //! A display name another party chose: sanitised where it enters (DisplayText), so no
    //! terminal escape or forged log line reaches a person or a log from here on.
    QString name(const char *key)
    {
        return DisplayText::cleanName(text(key), ControlProtocol::kMaxTextLength * 4);
    }

    qint64 integer(const char *key, qint64 max, bool required = true)
    {
        const QCborValue v = value(key, required);
        if (v.isUndefined())
            return 0;
        if (!v.isInteger() || v.toInteger() < 0 || v.toInteger() > max)
            return fail(key, "must be an unsigned integer in range"), 0;
        return v.toInteger();
    }

    bool boolean(const char *key, bool required = true)
    {
        const QCborValue v = value(key, required);
        if (v.isUndefined())
            return false;
        if (!v.isBool())
            return fail(key, "must be a boolean"), false;
        return v.toBool();
    }

    QByteArray bytes(const char *key, qsizetype size, bool required = true)
    {
        const QCborValue v = value(key, required);
        if (v.isUndefined())
            return {};
        if (!v.isByteArray() || v.toByteArray().size() != size)
            return fail(key, "must be a byte string of the right size"), QByteArray();
        return v.toByteArray();
    }

    DeviceId id(const char *key)
    {
        const QByteArray digest = bytes(key, DeviceId::kDigestSize);
        return digest.isEmpty() ? DeviceId() : DeviceId::fromDigest(digest);
    }

    Endpoint endpoint(const char *key, bool required = true)
    {
        const QString s = text(key, required);
        if (!ok() || (!required && s.isEmpty()))
            return {};
        const auto e = ControlProtocol::parseEndpoint(s);
        if (!e)
            return fail(key, "is not an ip:port endpoint"), Endpoint();
        return *e;
    }

    QList<Endpoint> endpoints(const char *key)
    {
        const QCborValue v = value(key, true);
        if (v.isUndefined())
            return {};
        if (!v.isArray())
            return fail(key, "must be an array"), QList<Endpoint>();
        const QCborArray array = v.toArray();
        if (array.size() > ControlProtocol::kMaxPrivateEndpoints)
            return fail(key, "has too many endpoints"), QList<Endpoint>();
        QList<Endpoint> result;
        for (const QCborValue &item : array) {
            const auto e
                = item.isString() ? ControlProtocol::parseEndpoint(item.toString()) : std::nullopt;
            if (!e)
                return fail(key, "holds something that is not an ip:port endpoint"),
                       QList<Endpoint>();
            result.append(*e);
        }
        return result;
    }

    QList<DeviceId> ids(const char *key, bool required)
    {
        const QCborValue v = value(key, required);
        if (v.isUndefined())
            return {};
        if (!v.isArray())
            return fail(key, "must be an array"), QList<DeviceId>();
        const QCborArray array = v.toArray();
        if (array.size() > ControlProtocol::kMaxWatch)
            return fail(key, "has too many device IDs"), QList<DeviceId>();
        QList<DeviceId> result;
        result.reserve(array.size());
        for (const QCborValue &item : array) {
            if (!item.isByteArray() || item.toByteArray().size() != DeviceId::kDigestSize)
                return fail(key, "holds something that is not a device ID"), QList<DeviceId>();
            result.append(DeviceId::fromDigest(item.toByteArray()));
        }
        return result;
    }

    //! The optional "kind" and "os" fields: text (else Malformed); a token this build does not
    //! know, or an absent field, reads as Unknown.
    DeviceDescription device()
    {
        DeviceDescription d;
        d.kind = deviceKindFromName(text("kind", false));
        d.os = deviceOsFromName(text("os", false));
        return d;
    }

    //! A list of peer entries (`peers` of peers / lookup-result), at most \a max.
    QList<PeerEntry> entries(const char *key, qsizetype max);

    QCborValue value(const char *key, bool required)
    {
        if (!ok())
            return QCborValue(QCborValue::Undefined);
        const QCborValue v = m_map.value(QLatin1String(key));
        if (v.isUndefined() && required)
            fail(key, "is missing");
        return v;
    }

    void fail(const char *key, const char *what)
    {
        if (m_error.isEmpty())
            m_error
                = QStringLiteral("field \"%1\" %2").arg(QLatin1String(key), QLatin1String(what));
    }

private:
    QCborMap m_map;
    QString m_error;
};

PeerEntry readEntry(Fields &f);

QList<PeerEntry> Fields::entries(const char *key, qsizetype max)
{
    const QCborValue list = value(key, true);
    if (!ok())
        return {};
    if (!list.isArray())
        return fail(key, "must be an array"), QList<PeerEntry>();
    const QCborArray array = list.toArray();
    if (array.size() > max)
        return fail(key, "has too many entries"), QList<PeerEntry>();
    QList<PeerEntry> result;
    for (const QCborValue &item : array) {
        if (!item.isMap())
            return fail(key, "holds something that is not a map"), QList<PeerEntry>();
        Fields entry(item.toMap());
        result.append(readEntry(entry));
        if (!entry.ok()) {
            if (m_error.isEmpty())
                m_error = QLatin1String(key) + QStringLiteral(" entry: ") + entry.error();
            return {};
        }
    }
    return result;
}

constexpr qint64 kMaxU32 = 0xffffffffLL;
constexpr qint64 kMaxMs = 0x7fffffffLL;

PeerEntry readEntry(Fields &f)
{
    PeerEntry p;
    p.id = f.id("id");
    p.name = f.name("name");
    p.nat = f.text("nat");
    p.device = f.device();
    return p;
}

// ---- one decoder per message type: each reads its fields; Fields remembers the first problem --

ControlMessage decodeHello(Fields &f)
{
    Hello m;
    m.version = int(f.integer("v", kMaxU32 >> 1));
    m.name = f.name("name");
    m.privateEndpoints = f.endpoints("private");
    m.nat = f.text("nat", false);
    m.watch = f.ids("watch", false);
    m.device = f.device();
    return m;
}

ControlMessage decodeWelcome(Fields &f)
{
    Welcome m;
    m.version = int(f.integer("v", kMaxU32 >> 1));
    m.yourId = f.id("id");
    const QString ip = f.text("ip");
    m.observed.address = QHostAddress(ip);
    m.observed.port = quint16(f.integer("port", 65535));
    if (f.ok() && m.observed.address.isNull())
        f.fail("ip", "is not an IP address");
    m.relayAvailable = f.boolean("relay");
    m.serverId = f.id("server");
    m.keepaliveMs = int(f.integer("keepalive_ms", kMaxMs));
    m.upgrades = f.boolean("upgrades", false);
    m.claimAt = f.endpoint("claim_at", false);
    m.claimToken = f.bytes("claim", ControlProtocol::kClaimTokenSize, false);
    if (f.ok() && m.claimAt.isValid() != !m.claimToken.isEmpty())
        f.fail("claim", "and claim_at come together");
    return m;
}

ControlMessage decodeNat(Fields &f)
{
    return Nat {f.text("nat")};
}

ControlMessage decodeMapped(Fields &f)
{
    Mapped m;
    m.external = f.endpoint("endpoint", false);
    m.protocol
        = m.external.isValid() ? portMapProtocolFromName(f.text("mapper")) : PortMapProtocol::None;
    return m;
}

ControlMessage decodePeers(Fields &f)
{
    Peers m;
    m.peers = f.entries("peers", ControlProtocol::kMaxPeersPerFrame);
    m.more = f.boolean("more");
    return m;
}

ControlMessage decodePeerJoined(Fields &f)
{
    return PeerJoined {readEntry(f)};
}

ControlMessage decodePeerLeft(Fields &f)
{
    return PeerLeft {f.id("id")};
}

ControlMessage decodeConnect(Fields &f)
{
    Connect m;
    m.requestId = quint32(f.integer("req", kMaxU32));
    m.target = f.id("target");
    m.mode = connectModeFromName(f.text("mode"));
    m.upgrade = f.bytes("upgrade", ControlProtocol::kSessionIdSize, false);
    return m;
}

ControlMessage decodeConnectError(Fields &f)
{
    ConnectError m;
    m.requestId = quint32(f.integer("req", kMaxU32));
    m.code = connectFailureFromName(f.text("code"));
    m.message = f.text("msg");
    return m;
}

ControlMessage decodeGo(Fields &f)
{
    Go m;
    m.requestId = quint32(f.integer("req", kMaxU32));
    m.sessionId = f.bytes("session", ControlProtocol::kSessionIdSize);
    const QString role = f.text("role");
    if (f.ok() && role != u"initiator" && role != u"responder")
        f.fail("role", "must be \"initiator\" or \"responder\"");
    m.initiator = role == u"initiator";
    m.peer = f.id("peer");
    m.peerName = f.name("name");
    m.peerPublic = f.endpoint("public");
    m.peerPrivate = f.endpoints("private");
    m.peerAlso = f.endpoint("also", false);
    m.peerNat = f.text("nat");
    m.peerMapped = f.endpoint("mapped", false);
    if (m.peerMapped.isValid())
        m.peerMapper = portMapProtocolFromName(f.text("mapper"));
    m.punch = f.boolean("punch");
    m.relayToken = f.bytes("token", ControlProtocol::kRelayTokenSize, false);
    m.relay = f.text("relay", false);
    if (f.ok() && !m.relay.isEmpty() && !parseHostPort(m.relay))
        f.fail("relay", "is not a host:port address");
    m.guess = portGuessFromName(f.text("guess", false));
    m.upgrade = f.bytes("upgrade", ControlProtocol::kSessionIdSize, false);
    m.startInMs = int(f.integer("start_in_ms", kMaxMs));
    m.rttMs = int(f.integer("rtt_ms", kMaxMs));
    return m;
}

ControlMessage decodeOutcome(Fields &f)
{
    Outcome m;
    m.sessionId = f.bytes("session", ControlProtocol::kSessionIdSize);
    m.kind = outcomeKindFromName(f.text("kind"));
    m.method = pathFromMethodName(f.text("method"));
    m.timeMs = f.integer("time_ms", std::numeric_limits<qint64>::max());
    m.reason = f.text("reason", false);
    return m;
}

ControlMessage decodePing(Fields &f)
{
    return Ping {quint64(f.integer("nonce", std::numeric_limits<qint64>::max()))};
}

ControlMessage decodePong(Fields &f)
{
    return Pong {quint64(f.integer("nonce", std::numeric_limits<qint64>::max()))};
}

ControlMessage decodeWatch(Fields &f)
{
    return Watch {f.ids("ids", true)};
}

ControlMessage decodeLookup(Fields &f)
{
    Lookup m;
    m.requestId = quint32(f.integer("req", kMaxU32));
    m.query = f.text("query");
    return m;
}

ControlMessage decodeWatchLimited(Fields &f)
{
    WatchLimited m;
    m.kept = int(f.integer("kept", ControlProtocol::kMaxWatch));
    m.asked = int(f.integer("asked", ControlProtocol::kMaxWatch));
    m.message = f.text("msg");
    return m;
}

ControlMessage decodeLookupResult(Fields &f)
{
    LookupResult m;
    m.requestId = quint32(f.integer("req", kMaxU32));
    m.peers = f.entries("peers", ControlProtocol::kMaxLookupPeers);
    m.code = lookupStatusFromName(f.text("code"));
    m.message = f.text("msg");
    return m;
}

ControlMessage decodeError(Fields &f)
{
    Error m;
    m.code = serverErrorFromName(f.text("code"));
    m.message = f.text("msg");
    return m;
}

struct Decoder
{
    QStringView type; //!< the frame's "t"
    ControlMessage (*decode)(Fields &);
};

constexpr Decoder kDecoders[] = {
    {u"hello", decodeHello},
    {u"welcome", decodeWelcome},
    {u"nat", decodeNat},
    {u"peers", decodePeers},
    {u"peer-joined", decodePeerJoined},
    {u"peer-left", decodePeerLeft},
    {u"connect", decodeConnect},
    {u"connect-error", decodeConnectError},
    {u"go", decodeGo},
    {u"outcome", decodeOutcome},
    {u"ping", decodePing},
    {u"pong", decodePong},
    {u"watch", decodeWatch},
    {u"lookup", decodeLookup},
    {u"watch-limited", decodeWatchLimited},
    {u"lookup-result", decodeLookupResult},
    {u"error", decodeError},
    {u"mapped", decodeMapped},
};

std::optional<ControlMessage> decode(const QString &type, const QCborMap &map, QString *error)
{
    const auto found = std::find_if(std::begin(kDecoders), std::end(kDecoders),
        [&type](const Decoder &d) { return d.type == type; });
    if (found == std::end(kDecoders))
        return Unknown {type}; // forward compatibility: ignored by the receiver
    Fields f(map);
    ControlMessage message = found->decode(f);
    if (!f.ok()) {
        *error = type + QLatin1Char(' ') + f.error();
        return std::nullopt;
    }
    return message;
}

ControlProtocol::ParseResult malformed(const QString &error)
{
    ControlProtocol::ParseResult r;
    r.status = ControlProtocol::Status::Malformed;
    r.error = error;
    return r;
}

} // namespace

ControlProtocol::ParseResult ControlProtocol::parse(QByteArrayView data)
{
    if (data.size() < kHeaderSize)
        return {};
    const quint32 length = qFromBigEndian<quint32>(data.data());
    if (length == 0)
        return malformed(QStringLiteral("empty frame"));
    if (length > quint32(kMaxBodySize))
        return malformed(QStringLiteral("frame body of %1 bytes exceeds the limit of %2")
                             .arg(length)
                             .arg(kMaxBodySize));
    if (data.size() < kHeaderSize + qsizetype(length))
        return {};

    const QByteArray body = data.sliced(kHeaderSize, length).toByteArray();
    // Before Qt's decoder: it would trust the container lengths the body declares (L4).
    if (const QString excess = CborBounds::check(body); !excess.isEmpty())
        return malformed(excess);
    QCborStreamReader reader(body);
    const QCborValue value = QCborValue::fromCbor(reader);
    if (reader.lastError() != QCborError::NoError)
        return malformed(QStringLiteral("invalid CBOR: ") + reader.lastError().toString());
    if (reader.currentOffset() != body.size())
        return malformed(QStringLiteral("trailing bytes after the CBOR map"));
    if (!value.isMap())
        return malformed(QStringLiteral("body is not a CBOR map"));
    const QCborMap map = value.toMap();
    const QCborValue type = map.value(QLatin1String("t"));
    if (!type.isString() || type.toString().isEmpty() || type.toString().size() > kMaxTextLength)
        return malformed(QStringLiteral("missing message type \"t\""));

    QString error;
    const auto message = decode(type.toString(), map, &error);
    if (!message)
        return malformed(error);
    ParseResult r;
    r.status = Status::Ok;
    r.consumed = kHeaderSize + qsizetype(length);
    r.message = *message;
    return r;
}

QByteArray ControlProtocol::encode(const ControlMessage &message)
{
    if (std::holds_alternative<Unknown>(message))
        return {};
    const QByteArray body = std::visit(Encoder {}, message).toCborValue().toCbor();
    QByteArray frame(kHeaderSize, Qt::Uninitialized);
    qToBigEndian<quint32>(quint32(body.size()), frame.data());
    frame += body;
    return frame;
}

QString ControlProtocol::typeName(const ControlMessage &message)
{
    if (const auto *unknown = std::get_if<Unknown>(&message))
        return unknown->type;
    return std::visit(Encoder {}, message).value(QLatin1String("t")).toString();
}

std::optional<Endpoint> ControlProtocol::parseEndpoint(QStringView text)
{
    QStringView host;
    QStringView port;
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(u']');
        if (close < 0 || close + 1 >= text.size() || text.at(close + 1) != u':')
            return std::nullopt;
        host = text.sliced(1, close - 1);
        port = text.sliced(close + 2);
    } else {
        const qsizetype colon = text.lastIndexOf(u':');
        if (colon <= 0 || text.left(colon).contains(u':'))
            return std::nullopt;
        host = text.left(colon);
        port = text.sliced(colon + 1);
    }
    bool ok = false;
    const uint p = port.toUInt(&ok);
    if (!ok || p == 0 || p > 65535)
        return std::nullopt;
    QHostAddress address;
    if (!address.setAddress(host.toString()))
        return std::nullopt;
    return Endpoint {address, quint16(p)};
}

} // namespace PunchDrop
