// SPDX-License-Identifier: GPL-3.0-or-later
// PeerResolver: what `send --to QUERY` means, table-driven.

#include "net/wire/peerresolver.h"

#include <QTest>

using namespace PunchDrop;

namespace {
DeviceId idWithFirstBytes(const QByteArray &prefix)
{
    QByteArray digest = prefix;
    digest.resize(DeviceId::kDigestSize, '\x5a');
    return DeviceId::fromDigest(digest);
}

PeerInfo peer(const DeviceId &id, const QString &name)
{
    PeerInfo p;
    p.id = id;
    p.name = name;
    p.online = true;
    return p;
}

PeerInfo peer(const DeviceId &id, const char *name)
{
    return peer(id, QString::fromUtf8(name));
}

// Alice and Alex share their first 8 base32 characters (5 equal bytes); Bob's starts elsewhere.
const DeviceId kAlice = idWithFirstBytes(QByteArray::fromHex("0102030405aa"));
const DeviceId kAlex = idWithFirstBytes(QByteArray::fromHex("0102030405bb"));
const DeviceId kBob = idWithFirstBytes(QByteArray::fromHex("f0e0d0c0b0"));
const DeviceId kTwinA = idWithFirstBytes(QByteArray::fromHex("7777777777"));
const DeviceId kTwinB = idWithFirstBytes(QByteArray::fromHex("8888888888"));
// A device whose name is the first four characters of Bob's ID: Bob's key "was ground" to
// start with that name (issue 12, H1), so `--to NAME` must still mean the named device.
const DeviceId kNamed = idWithFirstBytes(QByteArray::fromHex("3333333333"));
const QString kGroundName = kBob.toString().left(4).toLower();

QList<PeerInfo> online()
{
    return {peer(kAlice, "alice"), peer(kAlex, "Alex"), peer(kBob, "bob"), peer(kTwinA, "laptop"),
        peer(kTwinB, "Laptop"), peer(kNamed, kGroundName)};
}

QString dashed(const QString &text)
{
    QString out;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (i > 0 && i % 7 == 0)
            out += QLatin1Char('-');
        out += text.at(i);
    }
    return out;
}
} // namespace

class TestPeerResolver : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void resolve_data();
    void resolve();
    void codesAndCandidates_data();
    void codesAndCandidates();
    void candidatesAreCapped();
    void incrementalEqualsList();
    void serverLookupStatus_data();
    void serverLookupStatus();
};

void TestPeerResolver::resolve_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<DeviceId>("expected"); // null: an error is expected
    QTest::addColumn<QStringList>("errorContains");

    QTest::newRow("exact id") << kBob.toString() << kBob << QStringList();
    QTest::newRow("exact id, lower case with dashes")
        << dashed(kAlice.toString()).toLower() << kAlice << QStringList();
    QTest::newRow("exact id of someone offline") << idWithFirstBytes("zz").toString() << DeviceId()
                                                 << QStringList {QStringLiteral("not online")};
    QTest::newRow("unique prefix") << kBob.toString().left(5) << kBob << QStringList();
    QTest::newRow("a name beats an id prefix (prefix grinder)")
        << kGroundName << kNamed << QStringList();
    QTest::newRow("a name beats an id prefix, upper case")
        << kGroundName.toUpper() << kNamed << QStringList();
    QTest::newRow("id: marks a prefix")
        << QStringLiteral("id:") + kGroundName << kBob << QStringList();
    QTest::newRow("ID: marker, dashes and spaces")
        << QStringLiteral(" ID: ") + dashed(kBob.toString().left(9)) << kBob << QStringList();
    QTest::newRow("id: and a full id")
        << QStringLiteral("id:") + kAlice.toString() << kAlice << QStringList();
    QTest::newRow("id: never matches a name") << QStringLiteral(
        "id:alice") << DeviceId() << QStringList {QStringLiteral("no online peer matches")};
    QTest::newRow("id: needs four characters")
        << QStringLiteral("id:") + kBob.toString().left(3) << DeviceId()
        << QStringList {QStringLiteral("at least 4 characters")};
    QTest::newRow("unique prefix, lower case")
        << kAlex.toString().left(10).toLower() << kAlex << QStringList();
    QTest::newRow("prefix shared by two ids")
        << kAlice.toString().left(8) << DeviceId()
        << QStringList {QStringLiteral("several"),
               QStringLiteral("alice (") + kAlice.shortString() + QLatin1Char(')'),
               QStringLiteral("Alex (") + kAlex.shortString() + QLatin1Char(')')};
    QTest::newRow("three characters are not a prefix") << kBob.toString().left(
        3) << DeviceId() << QStringList {QStringLiteral("no online peer matches")};
    QTest::newRow("name") << QStringLiteral("bob") << kBob << QStringList();
    QTest::newRow("name, other case and spaces")
        << QStringLiteral("  ALICE ") << kAlice << QStringList();
    QTest::newRow("name used twice")
        << QStringLiteral("laptop") << DeviceId()
        << QStringList {QStringLiteral("several"),
               QStringLiteral("laptop (") + kTwinA.shortString() + QLatin1Char(')'),
               QStringLiteral("Laptop (") + kTwinB.shortString() + QLatin1Char(')')};
    QTest::newRow("nothing matches") << QStringLiteral(
        "carol") << DeviceId() << QStringList {QStringLiteral("no online peer matches \"carol\"")};
    QTest::newRow("empty query") << QString() << DeviceId()
                                 << QStringList {QStringLiteral("no peer")};
}

void TestPeerResolver::resolve()
{
    QFETCH(QString, query);
    QFETCH(DeviceId, expected);
    QFETCH(QStringList, errorContains);
    const PeerResolver::Result r = PeerResolver::resolve(online(), query);
    QCOMPARE(r.id, expected);
    QCOMPARE(r.error.isEmpty(), !expected.isNull());
    for (const QString &part : std::as_const(errorContains))
        QVERIFY2(r.error.contains(part), qPrintable(r.error + QStringLiteral(" lacks ") + part));
    QVERIFY(PeerResolver::resolve({}, query).id.isNull());
}

void TestPeerResolver::codesAndCandidates_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("code");
    QTest::addColumn<QList<DeviceId>>("candidates");
    const auto c = [](PeerResolver::Code code) { return int(code); };
    QTest::newRow("exact id") << kBob.toString() << c(PeerResolver::Code::Found)
                              << QList<DeviceId> {kBob};
    QTest::newRow("exact id offline") << idWithFirstBytes("zz").toString()
                                      << c(PeerResolver::Code::NotFound) << QList<DeviceId> {};
    QTest::newRow("unique prefix")
        << kAlex.toString().left(9) << c(PeerResolver::Code::Found) << QList<DeviceId> {kAlex};
    QTest::newRow("ambiguous prefix")
        << kAlice.toString().left(8) << c(PeerResolver::Code::Ambiguous)
        << QList<DeviceId> {kAlice, kAlex};
    QTest::newRow("unique name") << QStringLiteral("BOB") << c(PeerResolver::Code::Found)
                                 << QList<DeviceId> {kBob};
    QTest::newRow("ambiguous name") << QStringLiteral("laptop") << c(PeerResolver::Code::Ambiguous)
                                    << QList<DeviceId> {kTwinA, kTwinB};
    QTest::newRow("nothing") << QStringLiteral("carol") << c(PeerResolver::Code::NotFound)
                             << QList<DeviceId> {};
    QTest::newRow("blank") << QStringLiteral("   ") << c(PeerResolver::Code::EmptyQuery)
                           << QList<DeviceId> {};
    QTest::newRow("bare marker") << QStringLiteral("id:") << c(PeerResolver::Code::EmptyQuery)
                                 << QList<DeviceId> {};
    QTest::newRow("name before prefix")
        << kGroundName << c(PeerResolver::Code::Found) << QList<DeviceId> {kNamed};
    QTest::newRow("marked prefix") << QStringLiteral("Id:") + kGroundName
                                   << c(PeerResolver::Code::Found) << QList<DeviceId> {kBob};
}

void TestPeerResolver::codesAndCandidates()
{
    QFETCH(QString, query);
    QFETCH(int, code);
    QFETCH(QList<DeviceId>, candidates);
    const PeerResolver::Result r = PeerResolver::resolve(online(), query);
    QCOMPARE(int(r.code), code);
    QCOMPARE(r.ok(), code == int(PeerResolver::Code::Found));
    QList<DeviceId> got;
    for (const PeerInfo &p : r.candidates)
        got << p.id;
    std::sort(got.begin(), got.end());
    std::sort(candidates.begin(), candidates.end());
    QCOMPARE(got, candidates);
}

void TestPeerResolver::candidatesAreCapped()
{
    QList<PeerInfo> many;
    for (int i = 0; i < PeerResolver::kMaxCandidates + 4; ++i)
        many << peer(idWithFirstBytes(QByteArray(1, char(i + 1))), "printer");
    many << many.first(); // the same device twice (LAN and server) is one candidate
    const PeerResolver::Result r = PeerResolver::resolve(many, QStringLiteral("Printer"));
    QCOMPARE(r.code, PeerResolver::Code::Ambiguous);
    QCOMPARE(r.candidates.size(), PeerResolver::kMaxCandidates);
    QVERIFY2(r.error.contains(QStringLiteral("and 4 more")), qPrintable(r.error));
}

void TestPeerResolver::incrementalEqualsList()
{
    const QStringList queries {kBob.toString(), kBob.toString().left(5), QStringLiteral("alice"),
        QStringLiteral("laptop"), QStringLiteral("nobody"), kAlice.toString().left(8), kGroundName,
        QStringLiteral("id:") + kGroundName, QStringLiteral("id:")};
    for (const QString &q : queries) {
        PeerResolver resolver(q);
        for (const PeerInfo &p : online())
            resolver.consider(p);
        const PeerResolver::Result a = resolver.result();
        const PeerResolver::Result b = PeerResolver::resolve(online(), q);
        QCOMPARE(a.id, b.id);
        QCOMPARE(a.code, b.code);
        QCOMPARE(a.error, b.error);
    }
    QCOMPARE(PeerResolver(kBob.toString()).exactId(), kBob);
    QVERIFY(PeerResolver(QStringLiteral("bob")).exactId().isNull());
    QCOMPARE(PeerResolver(QStringLiteral("id:") + kBob.toString()).exactId(), kBob);
    QVERIFY(PeerResolver(QStringLiteral("ID:x")).idOnly());
}

void TestPeerResolver::serverLookupStatus_data()
{
    QTest::addColumn<LookupStatus>("status");
    QTest::addColumn<PeerResolver::Code>("code");
    QTest::newRow("ok without a peer") << LookupStatus::Ok << PeerResolver::Code::NotFound;
    QTest::newRow("ambiguous") << LookupStatus::Ambiguous << PeerResolver::Code::Ambiguous;
    QTest::newRow("not-found") << LookupStatus::NotFound << PeerResolver::Code::NotFound;
    QTest::newRow("busy") << LookupStatus::Busy << PeerResolver::Code::Busy;
    QTest::newRow("bad-query") << LookupStatus::BadQuery << PeerResolver::Code::EmptyQuery;
    QTest::newRow("timeout") << LookupStatus::Timeout << PeerResolver::Code::ServerError;
    QTest::newRow("not registered")
        << LookupStatus::NotRegistered << PeerResolver::Code::ServerError;
    QTest::newRow("connection lost")
        << LookupStatus::ConnectionLost << PeerResolver::Code::ServerError;
    QTest::newRow("a newer server's code")
        << LookupStatus::Unknown << PeerResolver::Code::ServerError;
}

void TestPeerResolver::serverLookupStatus()
{
    QFETCH(LookupStatus, status);
    QFETCH(PeerResolver::Code, code);
    QCOMPARE(PeerResolver::codeOf(status), code);
}

QTEST_GUILESS_MAIN(TestPeerResolver)
#include "tst_peerresolver.moc"
