// SPDX-License-Identifier: GPL-3.0-or-later
// The control protocol codec: golden bytes (computed independently from RFC 8949), round trips
// of every message type, malformed input that must be rejected without a crash, and the typed
// fields (connect mode, connect-error code, outcome) whose unknown texts decode to Unknown.

#include "net/wire/controlprotocol.h"
#include "net/wire/relayjoin.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QTest>
#include <QtEndian>

using namespace PunchDrop;
using namespace PunchDrop::Control;

Q_DECLARE_METATYPE(PunchDrop::ControlMessage)

namespace {
DeviceId sequentialId()
{
    QByteArray digest;
    for (int i = 0; i < 32; ++i)
        digest.append(char(i));
    return DeviceId::fromDigest(digest);
}

DeviceId otherId()
{
    return DeviceId::fromDigest(QByteArray(32, '\x7f'));
}

Endpoint ep(const char *address, quint16 port)
{
    return {QHostAddress(QString::fromLatin1(address)), port};
}

QByteArray frameOf(const QByteArray &body)
{
    QByteArray frame(4, Qt::Uninitialized);
    qToBigEndian<quint32>(quint32(body.size()), frame.data());
    return frame + body;
}

QByteArray frameOf(const QCborMap &map)
{
    return frameOf(map.toCborValue().toCbor());
}

QCborMap goMap()
{
    QCborMap m;
    m.insert(QStringLiteral("t"), QStringLiteral("go"));
    m.insert(QStringLiteral("req"), 1);
    m.insert(QStringLiteral("session"), QByteArray(16, 's'));
    m.insert(QStringLiteral("role"), QStringLiteral("initiator"));
    m.insert(QStringLiteral("peer"), QByteArray(32, 'p'));
    m.insert(QStringLiteral("name"), QStringLiteral("bob"));
    m.insert(QStringLiteral("public"), QStringLiteral("1.2.3.4:5"));
    m.insert(QStringLiteral("private"), QCborArray {QStringLiteral("10.0.0.2:5")});
    m.insert(QStringLiteral("nat"), QString());
    m.insert(QStringLiteral("punch"), true);
    m.insert(QStringLiteral("start_in_ms"), 10);
    m.insert(QStringLiteral("rtt_ms"), 3);
    return m;
}

QCborMap with(QCborMap m, const char *key, const QCborValue &value)
{
    if (value.isUndefined())
        m.remove(QLatin1String(key));
    else
        m.insert(QLatin1String(key), value);
    return m;
}

QCborMap connectMap(const QString &mode)
{
    QCborMap m;
    m.insert(QStringLiteral("t"), QStringLiteral("connect"));
    m.insert(QStringLiteral("req"), 1);
    m.insert(QStringLiteral("target"), QByteArray(32, 't'));
    m.insert(QStringLiteral("mode"), mode);
    return m;
}

QCborMap connectErrorMap(const QString &code)
{
    QCborMap m;
    m.insert(QStringLiteral("t"), QStringLiteral("connect-error"));
    m.insert(QStringLiteral("req"), 1);
    m.insert(QStringLiteral("code"), code);
    m.insert(QStringLiteral("msg"), QStringLiteral("x"));
    return m;
}

QCborMap lookupResultMap(const QString &code)
{
    QCborMap m;
    m.insert(QStringLiteral("t"), QStringLiteral("lookup-result"));
    m.insert(QStringLiteral("req"), 1);
    m.insert(QStringLiteral("peers"), QCborArray());
    m.insert(QStringLiteral("code"), code);
    m.insert(QStringLiteral("msg"), QStringLiteral("x"));
    return m;
}

QCborMap errorMap(const QString &code)
{
    QCborMap m;
    m.insert(QStringLiteral("t"), QStringLiteral("error"));
    m.insert(QStringLiteral("code"), code);
    m.insert(QStringLiteral("msg"), QStringLiteral("x"));
    return m;
}

QCborMap outcomeMap(const QString &kind, const QString &method)
{
    QCborMap m;
    m.insert(QStringLiteral("t"), QStringLiteral("outcome"));
    m.insert(QStringLiteral("session"), QByteArray(16, 's'));
    m.insert(QStringLiteral("kind"), kind);
    m.insert(QStringLiteral("method"), method);
    m.insert(QStringLiteral("time_ms"), 5);
    return m;
}

template<typename Message> Message parsedAs(const QCborMap &map)
{
    const auto parsed = ControlProtocol::parse(frameOf(map));
    if (parsed.status != ControlProtocol::Status::Ok
        || !std::holds_alternative<Message>(parsed.message))
        return {};
    return std::get<Message>(parsed.message);
}
} // namespace

class TestControlProtocol : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void goldenBytes_data();
    void goldenBytes();
    void roundTrip_data();
    void roundTrip();
    void malformed_data();
    void malformed();
    void incomplete();
    void consumesOneFrameAtATime();
    void unknownTypeAndExtraFieldsAreTolerated();
    void endpointText_data();
    void endpointText();
    void goFieldsSurvive();
    // The typed fields: every wire text maps to its value and back; others to Unknown.
    void connectModeText_data();
    void connectModeText();
    void connectFailureText_data();
    void connectFailureText();
    void lookupStatusText_data();
    void lookupStatusText();
    void serverErrorText_data();
    void serverErrorText();
    void outcomeText_data();
    void outcomeText();
    void portMapProtocolText_data();
    void portMapProtocolText();
    void goMappedCandidateSurvives();
    void goGuessSurvives();
    void addressClaimFields();
    // kind and os: optional, for the contact card's icon only.
    void deviceKindText_data();
    void deviceKindText();
    void deviceOsText_data();
    void deviceOsText();
    void helloOfAnOldClientHasNoDevice();
    void unknownDeviceTokensReadAsUnknown();
};

void TestControlProtocol::goldenBytes_data()
{
    QTest::addColumn<ControlMessage>("message");
    QTest::addColumn<QByteArray>("hex");
    QTest::newRow("ping nonce 1") << ControlMessage(Ping {1})
                                  << QByteArray("0000000fa261746470696e67656e6f6e636501");
    QTest::newRow("nat symmetric")
        << ControlMessage(Nat {QStringLiteral("symmetric")})
        << QByteArray("00000015a26174636e6174636e61746973796d6d6574726963");
    QTest::newRow("peer-left id 00..1f") << ControlMessage(PeerLeft {sequentialId()})
                                         << QByteArray("00000032a2617469706565722d6c656674626964582"
                                                       "0000102030405060708090a0b0c0d0e0f10111213"
                                                       "1415161718191a1b1c1d1e1f");
    QTest::newRow("connect req 7 auto")
        << ControlMessage(Connect {7, sequentialId(), ConnectMode::Auto})
        << QByteArray(
               "00000043a4617467636f6e6e6563746372657107667461726765745820000102030405060708090a0b"
               "0c0d0e0f101112131415161718191a1b1c1d1e1f646d6f6465646175746f");
    QTest::newRow("hello without nat")
        << ControlMessage(Hello {1, QStringLiteral("alice"), {ep("192.168.1.5", 40000)}, {}, {}})
        << QByteArray(
               "00000032a461746568656c6c6f617601646e616d6565616c6963656770726976617465817131393"
               "22e3136382e312e353a3430303030");
    // Computed independently (a 20-line RFC 8949 encoder), not by ControlProtocol.
    QTest::newRow("watch one id 00..1f")
        << ControlMessage(Watch {{sequentialId()}})
        << QByteArray("00000030a2617465776174636863696473815820000102030405060708090a0b0c0d0e"
                      "0f101112131415161718191a1b1c1d1e1f");
    QTest::newRow("hello with watch")
        << ControlMessage(Hello {1, QStringLiteral("a"), {}, {}, {sequentialId()}})
        << QByteArray("00000045a561746568656c6c6f617601646e616d656161677072697661746580657761"
                      "746368815820000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
                      "1e1f");
    // Computed independently (the same small RFC 8949 encoder), not by ControlProtocol.
    QTest::newRow("hello laptop linux")
        << ControlMessage(
               Hello {1, QStringLiteral("a"), {}, {}, {}, {DeviceKind::Laptop, DeviceOs::Linux}})
        << QByteArray("00000031a661746568656c6c6f617601646e616d65616167707269766174658064"
                      "6b696e64666c6170746f70626f73656c696e7578");
    QTest::newRow("peer-joined server other")
        << ControlMessage(PeerJoined {
               {sequentialId(), QStringLiteral("b"), {}, {DeviceKind::Server, DeviceOs::Other}}})
        << QByteArray("00000055a661746b706565722d6a6f696e65646269645820000102030405060708090a"
                      "0b0c0d0e0f101112131415161718191a1b1c1d1e1f646e616d656162636e617460646b"
                      "696e6466736572766572626f73656f74686572");
    QTest::newRow("lookup req 2 bob")
        << ControlMessage(Lookup {2, QStringLiteral("bob")})
        << QByteArray("00000019a36174666c6f6f6b7570637265710265717565727963626f62");
    QTest::newRow("lookup-result busy")
        << ControlMessage(LookupResult {9, {}, LookupStatus::Busy, QStringLiteral("x")})
        << QByteArray("0000002da561746d6c6f6f6b75702d726573756c7463726571096570656572738064636f"
                      "64656462757379636d73676178");
    // Computed independently (the same small RFC 8949 encoder), not by ControlProtocol.
    QTest::newRow("mapped upnp")
        << ControlMessage(Mapped {ep("203.0.113.1", 40001), PortMapProtocol::Upnp})
        << QByteArray("00000031a36174666d617070656468656e64706f696e74713230332e302e3131332e313a"
                      "3430303031666d61707065726475706e70");
    QTest::newRow("mapped none") << ControlMessage(Mapped {})
                                 << QByteArray("0000000aa16174666d6170706564");
    QTest::newRow("error protocol")
        << ControlMessage(Error {ServerError::Protocol, QStringLiteral("x")})
        << QByteArray("0000001da36174656572726f7264636f64656870726f746f636f6c636d73676178");
}

void TestControlProtocol::goldenBytes()
{
    QFETCH(ControlMessage, message);
    QFETCH(QByteArray, hex);
    const QByteArray expected = QByteArray::fromHex(hex);
    QCOMPARE(ControlProtocol::encode(message).toHex(), expected.toHex());
    const auto parsed = ControlProtocol::parse(expected);
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    QCOMPARE(parsed.consumed, expected.size());
    QCOMPARE(ControlProtocol::encode(parsed.message).toHex(), expected.toHex());
}

void TestControlProtocol::roundTrip_data()
{
    QTest::addColumn<ControlMessage>("message");
    QTest::addColumn<QString>("type");
    const DeviceId a = sequentialId();
    const DeviceId b = otherId();
    QTest::newRow("hello with nat and v6 endpoint") << ControlMessage(
        Hello {1, QStringLiteral("Ælice's laptop"), {ep("10.0.0.2", 1), ep("fe80::1", 65535)},
            QStringLiteral("cone"), {}}) << QStringLiteral("hello");
    QTest::newRow("hello with watch list")
        << ControlMessage(Hello {1, QStringLiteral("w"), {}, {}, {a, b}})
        << QStringLiteral("hello");
    QList<DeviceId> fullWatch;
    for (int i = 0; i < ControlProtocol::kMaxWatch; ++i)
        fullWatch.append(DeviceId::fromDigest(QByteArray(32, char(i))));
    QTest::newRow("hello with the largest watch list")
        << ControlMessage(Hello {1, QStringLiteral("w"), {}, {}, fullWatch})
        << QStringLiteral("hello");
    QTest::newRow("watch two") << ControlMessage(Watch {{a, b}}) << QStringLiteral("watch");
    QTest::newRow("watch empty") << ControlMessage(Watch {}) << QStringLiteral("watch");
    QTest::newRow("watch largest") << ControlMessage(Watch {fullWatch}) << QStringLiteral("watch");
    QTest::newRow("watch-limited") << ControlMessage(WatchLimited {3, 1024, QStringLiteral("cut")})
                                   << QStringLiteral("watch-limited");
    QTest::newRow("lookup") << ControlMessage(Lookup {0xffffffffu, QStringLiteral("Bob's pc")})
                            << QStringLiteral("lookup");
    QTest::newRow("lookup-result ok") << ControlMessage(LookupResult {
        1, {{a, QStringLiteral("bob"), QStringLiteral("cone")}}, LookupStatus::Ok, {}})
                                      << QStringLiteral("lookup-result");
    QList<PeerEntry> candidates;
    for (int i = 0; i < ControlProtocol::kMaxLookupPeers; ++i)
        candidates.append(
            {DeviceId::fromDigest(QByteArray(32, char(i))), QStringLiteral("bob"), {}});
    QTest::newRow("lookup-result ambiguous, 16 candidates") << ControlMessage(
        LookupResult {2, candidates, LookupStatus::Ambiguous, QStringLiteral("several")})
                                                            << QStringLiteral("lookup-result");
    QTest::newRow("lookup-result not-found")
        << ControlMessage(LookupResult {3, {}, LookupStatus::NotFound, QStringLiteral("no")})
        << QStringLiteral("lookup-result");
    QTest::newRow("welcome") << ControlMessage(Welcome {1, a, ep("203.0.113.7", 61000), true, b,
        15000}) << QStringLiteral("welcome");
    QTest::newRow("welcome with upgrades")
        << ControlMessage(Welcome {1, a, ep("203.0.113.7", 61000), true, b, 15000, true})
        << QStringLiteral("welcome");
    QTest::newRow("welcome with an address claim") << ControlMessage(
        Welcome {1, a, ep("203.0.113.7", 61000), true, b, 15000, true, ep("2001:db8::10", 8877),
            QByteArray(16, '\x0c')}) << QStringLiteral("welcome");
    QTest::newRow("nat empty") << ControlMessage(Nat {}) << QStringLiteral("nat");
    QTest::newRow("peers two, more") << ControlMessage(Peers {
        {{a, QStringLiteral("a"), QStringLiteral("symmetric")}, {b, QStringLiteral("b"), {}}},
        true}) << QStringLiteral("peers");
    QTest::newRow("peers empty") << ControlMessage(Peers {}) << QStringLiteral("peers");
    QTest::newRow("peers with device descriptions") << ControlMessage(
        Peers {{{a, QStringLiteral("a"), {}, {DeviceKind::Desktop, DeviceOs::Windows}},
                   {b, QStringLiteral("b"), {}, {DeviceKind::Unknown, DeviceOs::Macos}},
                   {b, QStringLiteral("c"), {}, {DeviceKind::Laptop, DeviceOs::Unknown}}},
            false}) << QStringLiteral("peers");
    QTest::newRow("hello with every device field") << ControlMessage(Hello {1, QStringLiteral("s"),
        {}, QStringLiteral("open"), {a}, {DeviceKind::Server, DeviceOs::Linux}})
                                                   << QStringLiteral("hello");
    QTest::newRow("lookup-result with a device description") << ControlMessage(
        LookupResult {4, {{a, QStringLiteral("bob"), {}, {DeviceKind::Laptop, DeviceOs::Macos}}},
            LookupStatus::Ok, {}}) << QStringLiteral("lookup-result");
    QTest::newRow("peer-joined") << ControlMessage(
        PeerJoined {{a, QStringLiteral("x"), QStringLiteral("cone")}})
                                 << QStringLiteral("peer-joined");
    QTest::newRow("peer-left") << ControlMessage(PeerLeft {b}) << QStringLiteral("peer-left");
    QTest::newRow("connect max request id")
        << ControlMessage(Connect {0xffffffffu, b, ConnectMode::RelayOnly})
        << QStringLiteral("connect");
    QTest::newRow("connect upgrade")
        << ControlMessage(Connect {7, b, ConnectMode::DirectOnly, QByteArray(16, '\x09')})
        << QStringLiteral("connect");
    QTest::newRow("connect-error")
        << ControlMessage(ConnectError {3, ConnectFailure::Offline, QStringLiteral("not online")})
        << QStringLiteral("connect-error");
    QTest::newRow("go initiator with token") << ControlMessage(
        Go {5, QByteArray(16, '\x01'), true, b, QStringLiteral("bob"), ep("198.51.100.1", 4000),
            {ep("192.168.0.9", 4000)}, QStringLiteral("cone"), true, QByteArray(16, '\x02'), 42, 17,
            {}, PortMapProtocol::None, {}}) << QStringLiteral("go");
    QTest::newRow("go responder without token")
        << ControlMessage(Go {0, QByteArray(16, '\x03'), false, a, QStringLiteral("alice"),
               ep("::1", 9), {}, {}, false, {}, 0, 0, {}, PortMapProtocol::None, {}})
        << QStringLiteral("go");
    Go mappedGo {1, QByteArray(16, '\x05'), true, b, QStringLiteral("bob"),
        ep("198.51.100.1", 4000), {}, QStringLiteral("symmetric"), true, {}, 1, 2, {},
        PortMapProtocol::None, {}};
    mappedGo.peerMapped = ep("198.51.100.1", 4444);
    mappedGo.peerMapper = PortMapProtocol::NatPmp;
    QTest::newRow("go with a mapped candidate") << ControlMessage(mappedGo) << QStringLiteral("go");
    Go clusterGo = mappedGo;
    clusterGo.relay = QStringLiteral("relay-2.example.org:8877");
    QTest::newRow("go with another server's relay")
        << ControlMessage(clusterGo) << QStringLiteral("go");
    Go spreadGo = mappedGo;
    spreadGo.guess = PortGuess::Spread;
    QTest::newRow("go spread") << ControlMessage(spreadGo) << QStringLiteral("go");
    Go probeGo = mappedGo;
    probeGo.guess = PortGuess::Probe;
    QTest::newRow("go probe") << ControlMessage(probeGo) << QStringLiteral("go");
    Go upgradeGo = mappedGo;
    upgradeGo.upgrade = QByteArray(16, '\x0a');
    QTest::newRow("go upgrade") << ControlMessage(upgradeGo) << QStringLiteral("go");
    QTest::newRow("mapped natpmp")
        << ControlMessage(Mapped {ep("198.51.100.1", 1), PortMapProtocol::NatPmp})
        << QStringLiteral("mapped");
    QTest::newRow("mapped pcp v6")
        << ControlMessage(Mapped {ep("2001:db8::1", 65535), PortMapProtocol::Pcp})
        << QStringLiteral("mapped");
    QTest::newRow("mapped gone") << ControlMessage(Mapped {}) << QStringLiteral("mapped");
    QTest::newRow("outcome port-map") << ControlMessage(
        Outcome {QByteArray(16, '\x04'), OutcomeKind::Direct, PathKind::DirectPortMap, 12, {}})
                                      << QStringLiteral("outcome");
    QTest::newRow("outcome with reason") << ControlMessage(Outcome {QByteArray(16, '\x04'),
        OutcomeKind::Relayed, PathKind::Relayed, 123456789012LL, QStringLiteral("punch timed out")})
                                         << QStringLiteral("outcome");
    QTest::newRow("outcome without reason") << ControlMessage(
        Outcome {QByteArray(16, '\x04'), OutcomeKind::Direct, PathKind::DirectPunch, 0, {}})
                                            << QStringLiteral("outcome");
    QTest::newRow("ping large nonce")
        << ControlMessage(Ping {0x7fffffffffffffffULL}) << QStringLiteral("ping");
    QTest::newRow("pong") << ControlMessage(Pong {99}) << QStringLiteral("pong");
    QTest::newRow("error") << ControlMessage(Error {ServerError::Replaced, QStringLiteral("again")})
                           << QStringLiteral("error");
}

void TestControlProtocol::roundTrip()
{
    QFETCH(ControlMessage, message);
    QFETCH(QString, type);
    const QByteArray frame = ControlProtocol::encode(message);
    QVERIFY(frame.size() > 4);
    QCOMPARE(qFromBigEndian<quint32>(frame.constData()), quint32(frame.size() - 4));
    const auto parsed = ControlProtocol::parse(frame);
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
    QCOMPARE(parsed.consumed, frame.size());
    QCOMPARE(parsed.message.index(), message.index());
    QCOMPARE(ControlProtocol::typeName(parsed.message), type);
    // Every field is part of the encoding, so equal bytes after a round trip mean equal fields.
    QCOMPARE(ControlProtocol::encode(parsed.message).toHex(), frame.toHex());
}

void TestControlProtocol::malformed_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("errorContains");
    QCborMap ping;
    ping.insert(QStringLiteral("t"), QStringLiteral("ping"));
    ping.insert(QStringLiteral("nonce"), 1);
    QCborMap hello;
    hello.insert(QStringLiteral("t"), QStringLiteral("hello"));
    hello.insert(QStringLiteral("v"), 1);
    hello.insert(QStringLiteral("name"), QStringLiteral("n"));
    hello.insert(QStringLiteral("private"), QCborArray());

    QTest::newRow("zero length") << QByteArray(4, '\0') << QStringLiteral("empty");
    QTest::newRow("length above 64 KiB")
        << QByteArray::fromHex("00010001") << QStringLiteral("exceeds");
    QTest::newRow("length 4 GiB") << QByteArray::fromHex("ffffffff") << QStringLiteral("exceeds");
    QTest::newRow("garbage body") << frameOf(QByteArray::fromHex("ffffffff"))
                                  << QStringLiteral("CBOR");
    QTest::newRow("truncated CBOR inside a complete frame")
        << frameOf(QByteArray::fromHex("a2617464")) << QStringLiteral("CBOR");
    QTest::newRow("array instead of map")
        << frameOf(QCborArray {1, 2}.toCborValue().toCbor()) << QStringLiteral("not a CBOR map");
    QTest::newRow("trailing bytes after the map")
        << frameOf(ping.toCborValue().toCbor() + QByteArray(1, '\0')) << QStringLiteral("trailing");
    QTest::newRow("missing t") << frameOf(with(ping, "t", QCborValue())) << QStringLiteral("\"t\"");
    QTest::newRow("t is a number") << frameOf(with(ping, "t", 5)) << QStringLiteral("\"t\"");
    QTest::newRow("ping without nonce")
        << frameOf(with(ping, "nonce", QCborValue())) << QStringLiteral("nonce");
    QTest::newRow("ping negative nonce")
        << frameOf(with(ping, "nonce", -1)) << QStringLiteral("nonce");
    QTest::newRow("ping nonce as text")
        << frameOf(with(ping, "nonce", QStringLiteral("1"))) << QStringLiteral("nonce");
    QTest::newRow("hello without name")
        << frameOf(with(hello, "name", QCborValue())) << QStringLiteral("name");
    QTest::newRow("hello name too long")
        << frameOf(with(hello, "name", QString(ControlProtocol::kMaxTextLength + 1, u'x')))
        << QStringLiteral("too long");
    QTest::newRow("hello private is not an array")
        << frameOf(with(hello, "private", QStringLiteral("1.2.3.4:5")))
        << QStringLiteral("private");
    QTest::newRow("hello private endpoint without port")
        << frameOf(with(hello, "private", QCborArray {QStringLiteral("1.2.3.4")}))
        << QStringLiteral("private");
    QTest::newRow("hello private endpoint port 0")
        << frameOf(with(hello, "private", QCborArray {QStringLiteral("1.2.3.4:0")}))
        << QStringLiteral("private");
    QCborArray many;
    for (int i = 0; i <= ControlProtocol::kMaxPrivateEndpoints; ++i)
        many.append(QStringLiteral("10.0.0.1:%1").arg(i + 1));
    QTest::newRow("hello too many endpoints")
        << frameOf(with(hello, "private", many)) << QStringLiteral("too many");
    QTest::newRow("go with a bad role")
        << frameOf(with(goMap(), "role", QStringLiteral("boss"))) << QStringLiteral("role");
    QTest::newRow("go peer id of 31 bytes")
        << frameOf(with(goMap(), "peer", QByteArray(31, 'p'))) << QStringLiteral("peer");
    QTest::newRow("go token of 15 bytes")
        << frameOf(with(goMap(), "token", QByteArray(15, 't'))) << QStringLiteral("token");
    QTest::newRow("go punch as integer")
        << frameOf(with(goMap(), "punch", 1)) << QStringLiteral("punch");
    QTest::newRow("go public not an endpoint")
        << frameOf(with(goMap(), "public", QStringLiteral("nope"))) << QStringLiteral("public");
    QTest::newRow("go start_in_ms above 2^31")
        << frameOf(with(goMap(), "start_in_ms", qint64(1) << 40)) << QStringLiteral("start_in_ms");
    QTest::newRow("go mapped not an endpoint") << frameOf(
        with(with(goMap(), "mapped", QStringLiteral("1.2.3.4")), "mapper", QStringLiteral("upnp")))
                                               << QStringLiteral("mapped");
    QTest::newRow("go relay not host:port")
        << frameOf(with(goMap(), "relay", QStringLiteral("relay host:0")))
        << QStringLiteral("relay");
    QTest::newRow("go relay not text")
        << frameOf(with(goMap(), "relay", 8877)) << QStringLiteral("relay");
    QTest::newRow("go mapped without mapper")
        << frameOf(with(goMap(), "mapped", QStringLiteral("1.2.3.4:5")))
        << QStringLiteral("mapper");
    QCborMap mapped;
    mapped.insert(QStringLiteral("t"), QStringLiteral("mapped"));
    mapped.insert(QStringLiteral("endpoint"), QStringLiteral("203.0.113.1:40001"));
    mapped.insert(QStringLiteral("mapper"), QStringLiteral("upnp"));
    QTest::newRow("mapped endpoint port 0")
        << frameOf(with(mapped, "endpoint", QStringLiteral("203.0.113.1:0")))
        << QStringLiteral("endpoint");
    QTest::newRow("mapped endpoint as bytes")
        << frameOf(with(mapped, "endpoint", QByteArray(6, 'e'))) << QStringLiteral("endpoint");
    QTest::newRow("mapped without mapper")
        << frameOf(with(mapped, "mapper", QCborValue())) << QStringLiteral("mapper");
    QTest::newRow("mapped mapper too long")
        << frameOf(with(mapped, "mapper", QString(ControlProtocol::kMaxTextLength + 1, u'm')))
        << QStringLiteral("too long");
    QCborMap peers;
    peers.insert(QStringLiteral("t"), QStringLiteral("peers"));
    peers.insert(QStringLiteral("more"), false);
    peers.insert(QStringLiteral("peers"), QCborArray {1});
    QTest::newRow("peers entry not a map") << frameOf(peers) << QStringLiteral("peers");
    QCborMap entry;
    entry.insert(QStringLiteral("id"), QByteArray(32, 'i'));
    entry.insert(QStringLiteral("name"), 5);
    entry.insert(QStringLiteral("nat"), QString());
    peers.insert(QStringLiteral("peers"), QCborArray {entry});
    QTest::newRow("peers entry name not text") << frameOf(peers) << QStringLiteral("name");
    entry.insert(QStringLiteral("name"), QStringLiteral("n"));
    peers.insert(QStringLiteral("peers"), QCborArray {with(entry, "kind", 3)});
    QTest::newRow("peers entry kind not text") << frameOf(peers) << QStringLiteral("kind");
    peers.insert(QStringLiteral("peers"),
        QCborArray {with(entry, "os", QString(ControlProtocol::kMaxTextLength + 1, u'x'))});
    QTest::newRow("peers entry os too long") << frameOf(peers) << QStringLiteral("too long");
    entry.insert(QStringLiteral("name"), 5);
    QTest::newRow("hello kind as bytes")
        << frameOf(with(hello, "kind", QByteArray("laptop"))) << QStringLiteral("kind");
    QTest::newRow("hello os as bool") << frameOf(with(hello, "os", true)) << QStringLiteral("os");

    QCborArray tooMany;
    for (int i = 0; i <= ControlProtocol::kMaxWatch; ++i)
        tooMany.append(QByteArray(32, char(i)));
    QTest::newRow("hello watch over kMaxWatch")
        << frameOf(with(hello, "watch", tooMany)) << QStringLiteral("too many");
    QTest::newRow("hello watch not an array")
        << frameOf(with(hello, "watch", QByteArray(32, 'w'))) << QStringLiteral("watch");
    QTest::newRow("hello watch id of 31 bytes")
        << frameOf(with(hello, "watch", QCborArray {QByteArray(31, 'w')}))
        << QStringLiteral("device ID");
    QTest::newRow("hello watch id as text")
        << frameOf(with(hello, "watch", QCborArray {QStringLiteral("MFRGG2DF")}))
        << QStringLiteral("device ID");
    QCborMap watch;
    watch.insert(QStringLiteral("t"), QStringLiteral("watch"));
    watch.insert(QStringLiteral("ids"), QCborArray());
    QTest::newRow("watch without ids")
        << frameOf(with(watch, "ids", QCborValue())) << QStringLiteral("ids");
    QTest::newRow("watch over kMaxWatch")
        << frameOf(with(watch, "ids", tooMany)) << QStringLiteral("too many");
    QCborMap lookup;
    lookup.insert(QStringLiteral("t"), QStringLiteral("lookup"));
    lookup.insert(QStringLiteral("req"), 1);
    lookup.insert(QStringLiteral("query"), QStringLiteral("bob"));
    QTest::newRow("lookup without query")
        << frameOf(with(lookup, "query", QCborValue())) << QStringLiteral("query");
    QTest::newRow("lookup query too long")
        << frameOf(with(lookup, "query", QString(ControlProtocol::kMaxTextLength + 1, u'q')))
        << QStringLiteral("too long");
    QTest::newRow("lookup req above u32")
        << frameOf(with(lookup, "req", qint64(1) << 32)) << QStringLiteral("req");
    QCborMap result;
    result.insert(QStringLiteral("t"), QStringLiteral("lookup-result"));
    result.insert(QStringLiteral("req"), 1);
    result.insert(QStringLiteral("peers"), QCborArray());
    result.insert(QStringLiteral("code"), QStringLiteral("ok"));
    result.insert(QStringLiteral("msg"), QString());
    QCborArray seventeen;
    for (int i = 0; i <= ControlProtocol::kMaxLookupPeers; ++i)
        seventeen.append(entry);
    QTest::newRow("lookup-result over kMaxLookupPeers")
        << frameOf(with(result, "peers", seventeen)) << QStringLiteral("too many");
    QTest::newRow("lookup-result entry name not text")
        << frameOf(with(result, "peers", QCborArray {entry})) << QStringLiteral("name");
    QTest::newRow("lookup-result without code")
        << frameOf(with(result, "code", QCborValue())) << QStringLiteral("code");
}

void TestControlProtocol::malformed()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, errorContains);
    const auto parsed = ControlProtocol::parse(frame);
    QCOMPARE(parsed.status, ControlProtocol::Status::Malformed);
    QVERIFY2(parsed.error.contains(errorContains), qPrintable(parsed.error));
}

void TestControlProtocol::incomplete()
{
    const QByteArray frame = ControlProtocol::encode(Hello {1, QStringLiteral("a"), {}, {}, {}});
    for (qsizetype n = 0; n < frame.size(); ++n) {
        const auto parsed = ControlProtocol::parse(QByteArrayView(frame).first(n));
        QVERIFY2(
            parsed.status == ControlProtocol::Status::Incomplete, qPrintable(QString::number(n)));
        QCOMPARE(parsed.consumed, 0);
    }
}

void TestControlProtocol::consumesOneFrameAtATime()
{
    const QByteArray first = ControlProtocol::encode(Ping {1});
    const QByteArray second = ControlProtocol::encode(Pong {2});
    const QByteArray stream = first + second + second.left(3);
    auto parsed = ControlProtocol::parse(stream);
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    QCOMPARE(parsed.consumed, first.size());
    QVERIFY(std::holds_alternative<Ping>(parsed.message));
    parsed = ControlProtocol::parse(QByteArrayView(stream).sliced(first.size()));
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    QCOMPARE(std::get<Pong>(parsed.message).nonce, 2u);
    parsed = ControlProtocol::parse(QByteArrayView(stream).sliced(first.size() + second.size()));
    QCOMPARE(parsed.status, ControlProtocol::Status::Incomplete);
}

void TestControlProtocol::unknownTypeAndExtraFieldsAreTolerated()
{
    QCborMap future;
    future.insert(QStringLiteral("t"), QStringLiteral("teleport"));
    future.insert(QStringLiteral("where"), QStringLiteral("mars"));
    auto parsed = ControlProtocol::parse(frameOf(future));
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    QCOMPARE(std::get<Unknown>(parsed.message).type, QStringLiteral("teleport"));
    QVERIFY(ControlProtocol::encode(parsed.message).isEmpty());

    QCborMap ping;
    ping.insert(QStringLiteral("t"), QStringLiteral("ping"));
    ping.insert(QStringLiteral("nonce"), 8);
    ping.insert(QStringLiteral("added-in-v2"), QCborArray {1, 2, 3});
    parsed = ControlProtocol::parse(frameOf(ping));
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    QCOMPARE(std::get<Ping>(parsed.message).nonce, 8u);
}

void TestControlProtocol::endpointText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");
    QTest::newRow("v4") << QStringLiteral("192.168.1.5:40000") << true
                        << QStringLiteral("192.168.1.5") << 40000;
    QTest::newRow("v6 bracketed") << QStringLiteral("[2001:db8::1]:443") << true
                                  << QStringLiteral("2001:db8::1") << 443;
    QTest::newRow("v6 unbracketed") << QStringLiteral("2001:db8::1:443") << false << QString() << 0;
    QTest::newRow("no port") << QStringLiteral("10.0.0.1") << false << QString() << 0;
    QTest::newRow("port 0") << QStringLiteral("10.0.0.1:0") << false << QString() << 0;
    QTest::newRow("port 65536") << QStringLiteral("10.0.0.1:65536") << false << QString() << 0;
    QTest::newRow("hostname") << QStringLiteral("example.org:80") << false << QString() << 0;
    QTest::newRow("empty") << QString() << false << QString() << 0;
    QTest::newRow("bracket without colon") << QStringLiteral("[::1]80") << false << QString() << 0;
}

void TestControlProtocol::endpointText()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(QString, address);
    QFETCH(int, port);
    const auto e = ControlProtocol::parseEndpoint(text);
    QCOMPARE(e.has_value(), valid);
    if (valid) {
        QCOMPARE(e->address, QHostAddress(address));
        QCOMPARE(int(e->port), port);
        QCOMPARE(ControlProtocol::parseEndpoint(e->toString())->port, e->port);
    }
}

void TestControlProtocol::goFieldsSurvive()
{
    Go go {5, QByteArray(16, '\x01'), true, otherId(), QStringLiteral("bob"),
        ep("198.51.100.1", 4000), {ep("192.168.0.9", 4000), ep("10.1.1.1", 4001)},
        QStringLiteral("cone"), true, QByteArray(16, '\x02'), 42, 17, {}, PortMapProtocol::None,
        {}};
    const auto parsed = ControlProtocol::parse(ControlProtocol::encode(go));
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    const Go &back = std::get<Go>(parsed.message);
    QCOMPARE(back.requestId, 5u);
    QCOMPARE(back.sessionId, go.sessionId);
    QVERIFY(back.initiator);
    QCOMPARE(back.peer, otherId());
    QCOMPARE(back.peerName, QStringLiteral("bob"));
    QCOMPARE(back.peerPublic, go.peerPublic);
    QCOMPARE(back.peerPrivate.size(), 2);
    QCOMPARE(back.peerPrivate.at(1), go.peerPrivate.at(1));
    QCOMPARE(back.peerNat, QStringLiteral("cone"));
    QVERIFY(back.punch);
    QCOMPARE(back.relayToken, go.relayToken);
    QCOMPARE(back.startInMs, 42);
    QCOMPARE(back.rttMs, 17);
}

void TestControlProtocol::connectModeText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<ConnectMode>("mode");
    QTest::newRow("auto") << QStringLiteral("auto") << ConnectMode::Auto;
    QTest::newRow("relay-only") << QStringLiteral("relay-only") << ConnectMode::RelayOnly;
    QTest::newRow("direct-only") << QStringLiteral("direct-only") << ConnectMode::DirectOnly;
    QTest::newRow("unknown text") << QStringLiteral("sideways") << ConnectMode::Unknown;
    QTest::newRow("wrong case") << QStringLiteral("AUTO") << ConnectMode::Unknown;
    QTest::newRow("empty") << QString() << ConnectMode::Unknown;
}

void TestControlProtocol::connectModeText()
{
    QFETCH(QString, text);
    QFETCH(ConnectMode, mode);
    const Connect decoded = parsedAs<Connect>(connectMap(text));
    QCOMPARE(decoded.mode, mode);
    QCOMPARE(connectModeFromName(text), mode);
    if (mode != ConnectMode::Unknown) // the same bytes go out again
        QCOMPARE(ControlProtocol::encode(decoded).toHex(), frameOf(connectMap(text)).toHex());
}

void TestControlProtocol::connectFailureText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<ConnectFailure>("failure");
    QTest::newRow("unknown-peer") << QStringLiteral("unknown-peer") << ConnectFailure::UnknownPeer;
    QTest::newRow("offline") << QStringLiteral("offline") << ConnectFailure::Offline;
    QTest::newRow("self") << QStringLiteral("self") << ConnectFailure::Self;
    QTest::newRow("relay-disabled")
        << QStringLiteral("relay-disabled") << ConnectFailure::RelayDisabled;
    QTest::newRow("busy") << QStringLiteral("busy") << ConnectFailure::Busy;
    QTest::newRow("bad-mode") << QStringLiteral("bad-mode") << ConnectFailure::BadMode;
    QTest::newRow("a newer server's code")
        << QStringLiteral("maintenance") << ConnectFailure::Unknown;
    QTest::newRow("empty") << QString() << ConnectFailure::Unknown;
}

void TestControlProtocol::connectFailureText()
{
    QFETCH(QString, text);
    QFETCH(ConnectFailure, failure);
    const ConnectError decoded = parsedAs<ConnectError>(connectErrorMap(text));
    QCOMPARE(decoded.code, failure);
    QCOMPARE(decoded.message, QStringLiteral("x"));
    if (failure != ConnectFailure::Unknown)
        QCOMPARE(ControlProtocol::encode(decoded).toHex(), frameOf(connectErrorMap(text)).toHex());
}

void TestControlProtocol::lookupStatusText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<LookupStatus>("status");
    QTest::newRow("ok") << QStringLiteral("ok") << LookupStatus::Ok;
    QTest::newRow("ambiguous") << QStringLiteral("ambiguous") << LookupStatus::Ambiguous;
    QTest::newRow("not-found") << QStringLiteral("not-found") << LookupStatus::NotFound;
    QTest::newRow("busy") << QStringLiteral("busy") << LookupStatus::Busy;
    QTest::newRow("bad-query") << QStringLiteral("bad-query") << LookupStatus::BadQuery;
    QTest::newRow("a newer server's code") << QStringLiteral("forbidden") << LookupStatus::Unknown;
    QTest::newRow("empty") << QString() << LookupStatus::Unknown;
}

void TestControlProtocol::lookupStatusText()
{
    QFETCH(QString, text);
    QFETCH(LookupStatus, status);
    const LookupResult decoded = parsedAs<LookupResult>(lookupResultMap(text));
    QCOMPARE(decoded.code, status);
    QCOMPARE(lookupStatusFromName(text), status);
    if (status != LookupStatus::Unknown)
        QCOMPARE(ControlProtocol::encode(decoded).toHex(), frameOf(lookupResultMap(text)).toHex());
}

void TestControlProtocol::serverErrorText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<ServerError>("error");
    QTest::newRow("protocol") << QStringLiteral("protocol") << ServerError::Protocol;
    QTest::newRow("version") << QStringLiteral("version") << ServerError::Version;
    QTest::newRow("idle") << QStringLiteral("idle") << ServerError::Idle;
    QTest::newRow("replaced") << QStringLiteral("replaced") << ServerError::Replaced;
    QTest::newRow("a newer server's code") << QStringLiteral("server-full") << ServerError::Unknown;
    QTest::newRow("empty") << QString() << ServerError::Unknown;
}

void TestControlProtocol::serverErrorText()
{
    QFETCH(QString, text);
    QFETCH(ServerError, error);
    const Error decoded = parsedAs<Error>(errorMap(text));
    QCOMPARE(decoded.code, error);
    QCOMPARE(decoded.message, QStringLiteral("x"));
    if (error != ServerError::Unknown)
        QCOMPARE(ControlProtocol::encode(decoded).toHex(), frameOf(errorMap(text)).toHex());
}

void TestControlProtocol::outcomeText_data()
{
    QTest::addColumn<QString>("kindText");
    QTest::addColumn<QString>("methodText");
    QTest::addColumn<OutcomeKind>("kind");
    QTest::addColumn<PathKind>("method");
    QTest::newRow("direct punch") << QStringLiteral("direct") << QStringLiteral("tcp-punch")
                                  << OutcomeKind::Direct << PathKind::DirectPunch;
    QTest::newRow("direct lan") << QStringLiteral("direct") << QStringLiteral("lan")
                                << OutcomeKind::Direct << PathKind::DirectLan;
    QTest::newRow("relay") << QStringLiteral("relay") << QStringLiteral("relay")
                           << OutcomeKind::Relayed << PathKind::Relayed;
    QTest::newRow("direct port-map") << QStringLiteral("direct") << QStringLiteral("port-map")
                                     << OutcomeKind::Direct << PathKind::DirectPortMap;
    QTest::newRow("direct birthday") << QStringLiteral("direct") << QStringLiteral("birthday")
                                     << OutcomeKind::Direct << PathKind::DirectGuess;
    QTest::newRow("failed, none") << QStringLiteral("failed") << QStringLiteral("none")
                                  << OutcomeKind::Failed << PathKind::Unknown;
    QTest::newRow("unknown kind and method")
        << QStringLiteral("teleported") << QStringLiteral("quic") << OutcomeKind::Unknown
        << PathKind::Unknown;
}

void TestControlProtocol::outcomeText()
{
    QFETCH(QString, kindText);
    QFETCH(QString, methodText);
    QFETCH(OutcomeKind, kind);
    QFETCH(PathKind, method);
    const Outcome decoded = parsedAs<Outcome>(outcomeMap(kindText, methodText));
    QCOMPARE(decoded.sessionId, QByteArray(16, 's'));
    QCOMPARE(decoded.kind, kind);
    QCOMPARE(decoded.method, method);
    if (kind != OutcomeKind::Unknown) {
        // Known values go out as the same text: the wire stays byte-identical.
        QCOMPARE(ControlProtocol::encode(decoded).toHex(),
            frameOf(outcomeMap(kindText, methodText)).toHex());
        QCOMPARE(outcomeKindName(kind), kindText);
        QCOMPARE(pathMethodName(method), methodText);
    }
}

void TestControlProtocol::portMapProtocolText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<PortMapProtocol>("protocol");
    QTest::newRow("upnp") << QStringLiteral("upnp") << PortMapProtocol::Upnp;
    QTest::newRow("natpmp") << QStringLiteral("natpmp") << PortMapProtocol::NatPmp;
    QTest::newRow("pcp") << QStringLiteral("pcp") << PortMapProtocol::Pcp;
    QTest::newRow("empty is none") << QString() << PortMapProtocol::None;
    QTest::newRow("newer text") << QStringLiteral("upnp-v3") << PortMapProtocol::Unknown;
    QTest::newRow("wrong case") << QStringLiteral("UPNP") << PortMapProtocol::Unknown;
}

void TestControlProtocol::portMapProtocolText()
{
    QFETCH(QString, text);
    QFETCH(PortMapProtocol, protocol);
    QCOMPARE(portMapProtocolFromName(text), protocol);
    if (protocol != PortMapProtocol::Unknown)
        QCOMPARE(portMapProtocolName(protocol), text);
}

void TestControlProtocol::goMappedCandidateSurvives()
{
    // Without a mapping the go carries neither key, so an old client sees the old bytes.
    QCborMap plain = goMap();
    const Go withoutMapping = parsedAs<Go>(plain);
    QVERIFY(!withoutMapping.peerMapped.isValid());
    QCOMPARE(withoutMapping.peerMapper, PortMapProtocol::None);
    QVERIFY(!ControlProtocol::encode(withoutMapping).contains("mapped"));

    Go go = withoutMapping;
    go.peerMapped = ep("203.0.113.2", 51000);
    go.peerMapper = PortMapProtocol::Upnp;
    const Go back = parsedAs<Go>(QCborValue::fromCbor(ControlProtocol::encode(go).mid(4)).toMap());
    QCOMPARE(back.peerMapped, go.peerMapped);
    QCOMPARE(back.peerMapper, PortMapProtocol::Upnp);
    // A newer mapper's text still carries the endpoint; the client may try it.
    const Go newer = parsedAs<Go>(with(with(plain, "mapped", QStringLiteral("203.0.113.2:9")),
        "mapper", QStringLiteral("pcp-v2")));
    QCOMPARE(newer.peerMapped.port, quint16(9));
    QCOMPARE(newer.peerMapper, PortMapProtocol::Unknown);
}

void TestControlProtocol::addressClaimFields()
{
    // A welcome and a go without them carry neither key: older peers see the old bytes.
    const Welcome plain {1, DeviceId::fromDigest(QByteArray(32, 'a')), ep("203.0.113.7", 1), true,
        DeviceId::fromDigest(QByteArray(32, 'b')), 15000, true};
    QVERIFY(!ControlProtocol::encode(plain).contains("claim"));
    const Go go = parsedAs<Go>(goMap());
    QVERIFY(!go.peerAlso.isValid());
    QVERIFY(!ControlProtocol::encode(go).contains("also"));

    Go withAlso = go;
    withAlso.peerAlso = ep("2001:db8:2::2", 40000);
    const Go back
        = parsedAs<Go>(QCborValue::fromCbor(ControlProtocol::encode(withAlso).mid(4)).toMap());
    QCOMPARE(back.peerAlso, withAlso.peerAlso);
    QVERIFY(back.peerAlso.isIPv6());

    // Malformed: not an endpoint; a token without its address, or one of the wrong size.
    const auto status = [](const QCborMap &m) { return ControlProtocol::parse(frameOf(m)).status; };
    QCOMPARE(status(with(goMap(), "also", QStringLiteral("2001:db8::1"))),
        ControlProtocol::Status::Malformed);
    QCOMPARE(status(with(goMap(), "also", 5)), ControlProtocol::Status::Malformed);
    QCborMap welcome = QCborValue::fromCbor(ControlProtocol::encode(plain).mid(4)).toMap();
    QCOMPARE(status(welcome), ControlProtocol::Status::Ok);
    QCOMPARE(
        status(with(welcome, "claim", QByteArray(16, 'x'))), ControlProtocol::Status::Malformed);
    QCOMPARE(status(with(welcome, "claim_at", QStringLiteral("[2001:db8::1]:9"))),
        ControlProtocol::Status::Malformed);
    QCOMPARE(status(with(with(welcome, "claim_at", QStringLiteral("[2001:db8::1]:9")), "claim",
                 QByteArray(15, 'x'))),
        ControlProtocol::Status::Malformed);
    QCOMPARE(status(with(with(welcome, "claim_at", QStringLiteral("[2001:db8::1]:9")), "claim",
                 QByteArray(16, 'x'))),
        ControlProtocol::Status::Ok);

    // The claim itself: the relay join's shape with its own magic.
    const QByteArray token(RelayJoin::kTokenSize, '\x07');
    const QByteArray claim = RelayJoin::encodeClaim(token);
    QCOMPARE(claim, QByteArray("PDAL\x01") + token);
    const RelayJoin::Parsed parsed = RelayJoin::parse(claim);
    QVERIFY(parsed.ok && parsed.claim);
    QCOMPARE(parsed.token, token);
    const RelayJoin::Parsed join = RelayJoin::parse(RelayJoin::encode(token));
    QVERIFY(join.ok && !join.claim);
    QVERIFY(!RelayJoin::parse(claim.left(20)).ok);
    // A refused claim is no claim (fuzz_relayjoin found this one: a claim of another version).
    QByteArray version2 = claim;
    version2[4] = 2;
    const RelayJoin::Parsed newer = RelayJoin::parse(version2);
    QVERIFY(!newer.ok && !newer.claim && newer.token.isEmpty());
    QVERIFY(!RelayJoin::parse(QByteArray(QByteArray("PDAX\x01") + token)).ok);
}

void TestControlProtocol::goGuessSurvives()
{
    // No part in port guessing: no key, so older clients see the old bytes.
    const Go plain = parsedAs<Go>(goMap());
    QCOMPARE(plain.guess, PortGuess::None);
    QVERIFY(!ControlProtocol::encode(plain).contains("guess"));
    Go go = plain;
    go.guess = PortGuess::Probe;
    QVERIFY(ControlProtocol::encode(go).contains("guess"));
    const Go back = parsedAs<Go>(QCborValue::fromCbor(ControlProtocol::encode(go).mid(4)).toMap());
    QCOMPARE(back.guess, PortGuess::Probe);
    // A part this build does not know is no part (the go itself stays valid).
    QCOMPARE(parsedAs<Go>(with(goMap(), "guess", QStringLiteral("leap"))).guess, PortGuess::None);
    QCOMPARE(
        parsedAs<Go>(with(goMap(), "guess", QStringLiteral("spread"))).guess, PortGuess::Spread);
}

void TestControlProtocol::deviceKindText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<DeviceKind>("kind");
    QTest::newRow("desktop") << QStringLiteral("desktop") << DeviceKind::Desktop;
    QTest::newRow("laptop") << QStringLiteral("laptop") << DeviceKind::Laptop;
    QTest::newRow("server") << QStringLiteral("server") << DeviceKind::Server;
    QTest::newRow("a newer kind") << QStringLiteral("tablet") << DeviceKind::Unknown;
    QTest::newRow("wrong case") << QStringLiteral("Laptop") << DeviceKind::Unknown;
    QTest::newRow("the unknown token") << QStringLiteral("unknown") << DeviceKind::Unknown;
    QTest::newRow("too long") << QStringLiteral("laptop").repeated(4) << DeviceKind::Unknown;
    QTest::newRow("empty") << QString() << DeviceKind::Unknown;
}

void TestControlProtocol::deviceKindText()
{
    QFETCH(QString, text);
    QFETCH(DeviceKind, kind);
    QCOMPARE(deviceKindFromName(text), kind);
    if (kind != DeviceKind::Unknown)
        QCOMPARE(deviceKindName(kind), text);
    else
        QVERIFY(deviceKindName(kind).isEmpty());
}

void TestControlProtocol::deviceOsText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<DeviceOs>("os");
    QTest::newRow("linux") << QStringLiteral("linux") << DeviceOs::Linux;
    QTest::newRow("windows") << QStringLiteral("windows") << DeviceOs::Windows;
    QTest::newRow("macos") << QStringLiteral("macos") << DeviceOs::Macos;
    QTest::newRow("other") << QStringLiteral("other") << DeviceOs::Other;
    QTest::newRow("a product type we do not list") << QStringLiteral("ubuntu") << DeviceOs::Unknown;
    QTest::newRow("with a control character") << QStringLiteral("linux\n") << DeviceOs::Unknown;
    QTest::newRow("empty") << QString() << DeviceOs::Unknown;
}

void TestControlProtocol::deviceOsText()
{
    QFETCH(QString, text);
    QFETCH(DeviceOs, os);
    QCOMPARE(deviceOsFromName(text), os);
    if (os != DeviceOs::Unknown)
        QCOMPARE(deviceOsName(os), text);
    else
        QVERIFY(deviceOsName(os).isEmpty());
}

void TestControlProtocol::helloOfAnOldClientHasNoDevice()
{
    // The golden "hello without nat" frame is what a client from before kind/os sends.
    const QByteArray old = QByteArray::fromHex(
        "00000032a461746568656c6c6f617601646e616d6565616c6963656770726976617465817131393"
        "22e3136382e312e353a3430303030");
    const auto parsed = ControlProtocol::parse(old);
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    const Hello hello = std::get<Hello>(parsed.message);
    QCOMPARE(hello.device, DeviceDescription {});
    // And an unknown description adds nothing to the frame: old servers see the same bytes.
    QCOMPARE(ControlProtocol::encode(hello).toHex(), old.toHex());

    QCborMap entry;
    entry.insert(QStringLiteral("id"), QByteArray(32, 'i'));
    entry.insert(QStringLiteral("name"), QStringLiteral("old"));
    entry.insert(QStringLiteral("nat"), QString());
    QCborMap peers;
    peers.insert(QStringLiteral("t"), QStringLiteral("peers"));
    peers.insert(QStringLiteral("peers"), QCborArray {entry});
    peers.insert(QStringLiteral("more"), false);
    const Peers fromOldServer = parsedAs<Peers>(peers);
    QCOMPARE(fromOldServer.peers.size(), 1);
    QCOMPARE(fromOldServer.peers.constFirst().device, DeviceDescription {});
}

void TestControlProtocol::unknownDeviceTokensReadAsUnknown()
{
    QCborMap hello;
    hello.insert(QStringLiteral("t"), QStringLiteral("hello"));
    hello.insert(QStringLiteral("v"), 1);
    hello.insert(QStringLiteral("name"), QStringLiteral("n"));
    hello.insert(QStringLiteral("private"), QCborArray());
    hello.insert(QStringLiteral("kind"), QStringLiteral("toaster"));
    hello.insert(QStringLiteral("os"), QStringLiteral("linux"));
    const auto parsed = ControlProtocol::parse(frameOf(hello));
    QCOMPARE(parsed.status, ControlProtocol::Status::Ok);
    const Hello decoded = std::get<Hello>(parsed.message);
    QCOMPARE(decoded.device.kind, DeviceKind::Unknown);
    QCOMPARE(decoded.device.os, DeviceOs::Linux);
    // Re-encoded without the token this build does not know.
    QVERIFY(!ControlProtocol::encode(decoded).contains("toaster"));
}

QTEST_GUILESS_MAIN(TestControlProtocol)
#include "tst_controlprotocol.moc"
