// SPDX-License-Identifier: GPL-3.0-or-later
// The server's pure presence index, without sockets: lookups give PeerResolver's answers through
// the indexes, consent decides visibility, watch lists are bounded and compact. Also prints the
// numbers of docs/benchmarks-server.md (lookup time and bytes per watched ID, against the
// structures the server used before: a linear scan and sets of IDs with a reverse index).

#include "net/server/presenceindex.h"
#include "support/testhelpers.h"

#include <QElapsedTimer>
#include <QTest>

#if !defined(PUNCHDROP_TEST_ASAN) && defined(__GLIBC__)
#include <malloc.h> // mallinfo2: the heap in use, for watchMemory (glibc; ASan has its own count)
#endif

#include <memory>
#include <vector>

using namespace PunchDrop;

namespace {
struct Member : PresenceMember
{
    Member(DeviceId i, QString n, QString a, QString t = {})
        : m_id(std::move(i))
        , m_name(std::move(n))
        , m_address(a)
        , m_nat(std::move(t))
    { }
    DeviceId id() const override { return m_id; }
    QString name() const override { return m_name; }
    QString natType() const override { return m_nat; }
    QHostAddress peerAddress() const override { return m_address; }
    DeviceId m_id;
    QString m_name;
    QHostAddress m_address;
    QString m_nat;
};

DeviceId idNumber(quint32 n)
{
    return DeviceId::fromDigest(Test::randomBytes(32, n));
}

std::vector<std::unique_ptr<Member>> population(int count)
{
    std::vector<std::unique_ptr<Member>> members;
    for (int i = 0; i < count; ++i)
        members.push_back(
            std::make_unique<Member>(idNumber(quint32(i + 1)), QStringLiteral("device-%1").arg(i),
                QStringLiteral("10.%1.%2.1").arg(i / 250).arg(i % 250)));
    return members;
}

#if defined(PUNCHDROP_TEST_ASAN)
#define PUNCHDROP_HEAP_IN_USE 1
qint64 heapInUse()
{
    return qint64(__sanitizer_get_current_allocated_bytes());
}
#elif defined(__GLIBC__)
#define PUNCHDROP_HEAP_IN_USE 1
qint64 heapInUse()
{
    return qint64(mallinfo2().uordblks);
}
#endif
} // namespace

class TestPresenceIndex : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void lookupMatchesPeerResolver_data();
    void lookupMatchesPeerResolver();
    void visibilityNeedsConsent();
    void watchListsAreBounded();
    void lookupCost();
#ifdef PUNCHDROP_HEAP_IN_USE
    void watchMemory(); // measured with the allocator's statistics (glibc's or ASan's)
#endif
};

void TestPresenceIndex::lookupMatchesPeerResolver_data()
{
    QTest::addColumn<QString>("query"); // "$N" = member N's full ID, "$N:k" its first k chars
    QTest::newRow("exact id") << QStringLiteral("$3");
    QTest::newRow("id prefix 12") << QStringLiteral("$3:12");
    QTest::newRow("id prefix 4") << QStringLiteral("$3:4");
    QTest::newRow("id prefix lower case, dashes") << QStringLiteral("lower-dash $5:8");
    QTest::newRow("too short a prefix") << QStringLiteral("$3:3");
    QTest::newRow("name") << QStringLiteral("device-7");
    QTest::newRow("name, other case, spaces") << QStringLiteral("  DEVICE-7 ");
    QTest::newRow("ambiguous name") << QStringLiteral("twin");
    QTest::newRow("own name") << QStringLiteral("device-0");
    QTest::newRow("own id") << QStringLiteral("$0");
    QTest::newRow("nothing") << QStringLiteral("nobody");
    QTest::newRow("blank") << QStringLiteral("   ");
}

void TestPresenceIndex::lookupMatchesPeerResolver()
{
    QFETCH(QString, query);
    auto members = population(40);
    members.push_back(std::make_unique<Member>(
        idNumber(1000), QStringLiteral("twin"), QStringLiteral("192.0.2.1")));
    members.push_back(std::make_unique<Member>(
        idNumber(1001), QStringLiteral("Twin"), QStringLiteral("192.0.2.2")));
    PresenceIndex index;
    for (const auto &m : members)
        index.add(m.get());
    const Member *asker = members.front().get();
    const auto expand = [&](QString q) {
        bool lower = false;
        if (q.startsWith(u"lower-dash ")) {
            lower = true;
            q = q.mid(11);
        }
        if (!q.startsWith(u'$'))
            return q;
        const QStringList parts = q.mid(1).split(u':');
        QString id = members.at(size_t(parts.at(0).toInt()))->id().toString();
        if (parts.size() > 1)
            id = id.left(parts.at(1).toInt());
        if (lower)
            id = id.toLower().insert(4, u'-');
        return id;
    };
    query = expand(query);
    QList<PeerInfo> others;
    for (const auto &m : members)
        if (m.get() != asker)
            others.append({m->id(), m->name(), PeerInfo::Source::Server, true, m->natType(), {}});
    const PeerResolver::Result expected = PeerResolver::resolve(others, query);
    const PeerResolver::Result got = index.lookup(query, asker);
    QCOMPARE(got.code, expected.code);
    QCOMPARE(got.id, expected.id);
    QCOMPARE(got.error, expected.error);
    QCOMPARE(got.candidates.size(), expected.candidates.size());
}

void TestPresenceIndex::visibilityNeedsConsent()
{
    Member a(idNumber(1), QStringLiteral("a"), QStringLiteral("198.51.100.1"));
    Member b(idNumber(2), QStringLiteral("b"), QStringLiteral("203.0.113.1"));
    Member home(idNumber(3), QStringLiteral("home"), QStringLiteral("198.51.100.1"));
    PresenceIndex index;
    for (Member *m : {&a, &b, &home})
        index.add(m);
    index.setWatch(&a, {b.id()});
    QVERIFY(index.visibleTo(&a) == QSet<PresenceMember *> {&home}); // one-sided: b stays hidden
    QVERIFY(index.visibleTo(&b).isEmpty());
    QVERIFY(index.allows(&a, &b)); // a's contact
    QVERIFY(!index.allows(&b, &a)); // a is a stranger to b
    QVERIFY(index.allows(&home, &a)); // same address
    index.setWatch(&b, {a.id()});
    QVERIFY(index.visibleTo(&a) == (QSet<PresenceMember *> {&b, &home}));
    QVERIFY(index.visibleTo(&b) == QSet<PresenceMember *> {&a});
    index.remove(&b);
    QVERIFY(index.visibleTo(&a) == QSet<PresenceMember *> {&home});
    QCOMPARE(index.watchEntries(), 1);
}

void TestPresenceIndex::watchListsAreBounded()
{
    PresenceLimits limits;
    limits.maxWatchPerClient = 3;
    limits.maxWatchTotal = 4;
    PresenceIndex index(limits);
    Member a(idNumber(1), QStringLiteral("a"), QStringLiteral("198.51.100.1"));
    Member b(idNumber(2), QStringLiteral("b"), QStringLiteral("198.51.100.2"));
    const QList<DeviceId> ids {idNumber(10), idNumber(11), idNumber(12), idNumber(13)};
    auto change = index.setWatch(&a, ids + ids);
    QCOMPARE(change.asked, 4);
    QCOMPARE(change.kept, 3);
    change = index.setWatch(&b, ids);
    QCOMPARE(change.kept, 1);
    QCOMPARE(index.watchEntries(), 4);
    change = index.setWatch(&a, ids.mid(0, 1)); // shrinking frees room
    QCOMPARE(change.kept, 1);
    QCOMPARE(index.watchEntries(), 2);
    QCOMPARE(index.setWatch(&b, ids).kept, 3);
    index.remove(&a);
    index.remove(&b);
    QCOMPARE(index.watchEntries(), 0);
}

void TestPresenceIndex::lookupCost()
{
    // Before: every lookup by name or prefix considered every registered client.
    const int count = 5000;
    auto members = population(count);
    PresenceIndex index;
    QList<PeerInfo> all;
    for (const auto &m : members) {
        index.add(m.get());
        all.append({m->id(), m->name(), PeerInfo::Source::Server, true, m->natType(), {}});
    }
    const int rounds = 200;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < rounds; ++i) {
        PeerResolver resolver(QStringLiteral("device-%1").arg(i * 7 % count));
        for (const PeerInfo &p : std::as_const(all))
            resolver.consider(p);
        QVERIFY(resolver.result().ok());
    }
    const double linearUs = double(timer.nsecsElapsed()) / 1000.0 / rounds;
    timer.restart();
    for (int i = 0; i < rounds; ++i)
        QVERIFY(index.lookup(QStringLiteral("device-%1").arg(i * 7 % count), nullptr).ok());
    const double indexedUs = double(timer.nsecsElapsed()) / 1000.0 / rounds;
    qInfo("lookup by name among %d clients: linear scan %.1f µs, indexed %.2f µs", count, linearUs,
        indexedUs);
    QVERIFY(indexedUs * 10 < linearUs);
}

#ifdef PUNCHDROP_HEAP_IN_USE
void TestPresenceIndex::watchMemory()
{
    // 100 clients watching 1024 IDs each: the heap that stays in use after their watch lists
    // (fresh IDs, as parsed from a frame) were handed over, as the server stores them now and as
    // it did before (a QSet<DeviceId> per client plus ID → QSet<client> of its watchers).
    const int clients = 100;
    const int watched = 1024;
    auto members = population(clients);
    QList<DeviceId> ids;
    for (int i = 0; i < watched; ++i)
        ids << idNumber(quint32(100000 + i));
    const auto parsedList = [&ids] {
        QList<DeviceId> list;
        for (const DeviceId &id : std::as_const(ids))
            list << DeviceId::fromDigest(QByteArray(id.digest().constData(), id.digest().size()));
        return list;
    };
    const double total = double(clients) * watched;
    qint64 before = heapInUse();
    PresenceIndex index;
    for (int c = 0; c < clients; ++c)
        index.setWatch(members[size_t(c)].get(), parsedList());
    const double perId = double(heapInUse() - before) / total;

    before = heapInUse();
    std::vector<QSet<DeviceId>> sets;
    QHash<DeviceId, QSet<const Member *>> watchers;
    for (int c = 0; c < clients; ++c) {
        const QList<DeviceId> list = parsedList();
        sets.emplace_back(list.cbegin(), list.cend());
        for (const DeviceId &id : std::as_const(sets.back()))
            watchers[id].insert(members[size_t(c)].get());
    }
    const double oldPerId = double(heapInUse() - before) / total;
    qInfo("bytes per watched ID: %.1f now (digests), %.1f with sets and a reverse index", perId,
        oldPerId);
    QVERIFY(perId <= 16);
    QVERIFY(perId * 4 < oldPerId);
}
#endif

QTEST_GUILESS_MAIN(TestPresenceIndex)
#include "tst_presenceindex.moc"
