// SPDX-License-Identifier: GPL-3.0-or-later
// RemotePresence: the pairs "our client sees another server's device", from both ends, and what
// each change says is no longer seen. Pure data; the cluster tests drive it over real servers.
#include "net/server/presencemember.h"
#include "net/server/remotepresence.h"
#include "support/testhelpers.h"

#include <QTest>

using namespace PunchDrop;

namespace {

struct Member : PresenceMember
{
    DeviceId deviceId = Test::ephemeralIdentity().id();
    DeviceId id() const override { return deviceId; }
    QString name() const override { return QStringLiteral("m"); }
    QString natType() const override { return {}; }
    QHostAddress peerAddress() const override { return QHostAddress::LocalHost; }
};

DeviceId someId()
{
    return Test::ephemeralIdentity().id();
}

} // namespace

class TestRemotePresence : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void bothEndsAgree();
    void deviceAndServerGo();
    void movedDeviceFollowsItsServer();
};

void TestRemotePresence::bothEndsAgree()
{
    RemotePresence r;
    Member a, b;
    const DeviceId x = someId(), y = someId();
    // Server s1's device x is seen by a and b (x's server asked us).
    QVERIFY(r.setSeenBy(x, QStringLiteral("s1"), {&a, &b}).isEmpty());
    QCOMPARE(r.pairCount(), 2);
    // a's view of s1 answered: x and y; nothing lost.
    QVERIFY(r.setVisible(&a, QStringLiteral("s1"), {x, y}).isEmpty());
    QCOMPARE(r.pairCount(), 3);
    // x is now seen by b only: a no longer.
    QCOMPARE(r.setSeenBy(x, QStringLiteral("s1"), {&b}), QList<PresenceMember *> {&a});
    // a's view of s1 is now empty: y goes.
    QCOMPARE(r.setVisible(&a, QStringLiteral("s1"), {}), QList<DeviceId> {y});
    QCOMPARE(r.pairCount(), 1);
    QCOMPARE(r.serversSeenBy(&b), QSet<QString> {QStringLiteral("s1")});
    QVERIFY(r.serversSeenBy(&a).isEmpty());
    // b leaves: the servers to tell.
    QCOMPARE(r.removeMember(&b), QSet<QString> {QStringLiteral("s1")});
    QCOMPARE(r.pairCount(), 0);
    QVERIFY(r.isEmpty());
}

void TestRemotePresence::deviceAndServerGo()
{
    RemotePresence r;
    Member a, b;
    const DeviceId x = someId(), y = someId(), z = someId();
    r.setSeenBy(x, QStringLiteral("s1"), {&a, &b});
    r.setSeenBy(y, QStringLiteral("s1"), {&a});
    r.setSeenBy(z, QStringLiteral("s2"), {&b});
    QCOMPARE(r.servers(), (QSet<QString> {QStringLiteral("s1"), QStringLiteral("s2")}));
    const QList<PresenceMember *> sawX = r.removeDevice(x);
    QCOMPARE(QSet<PresenceMember *>(sawX.begin(), sawX.end()), (QSet<PresenceMember *> {&a, &b}));
    QVERIFY(r.removeDevice(x).isEmpty()); // once
    QList<QPair<PresenceMember *, DeviceId>> left;
    r.removeServer(QStringLiteral("s1"), [&left](PresenceMember *m, const DeviceId &id) {
        left.append({m, id});
    });
    QCOMPARE(left, (QList<QPair<PresenceMember *, DeviceId>> {{&a, y}}));
    QCOMPARE(r.servers(), QSet<QString> {QStringLiteral("s2")});
    left.clear();
    r.removeServer({}, [&left](PresenceMember *m, const DeviceId &id) { left.append({m, id}); });
    QCOMPARE(left, (QList<QPair<PresenceMember *, DeviceId>> {{&b, z}}));
    QVERIFY(r.isEmpty());
    QCOMPARE(r.pairCount(), 0);
}

void TestRemotePresence::movedDeviceFollowsItsServer()
{
    RemotePresence r;
    Member a;
    const DeviceId x = someId();
    r.setVisible(&a, QStringLiteral("s1"), {x});
    // x registered with s2 now, and s2 says a sees it: one pair, under s2.
    r.setSeenBy(x, QStringLiteral("s2"), {&a});
    QCOMPARE(r.pairCount(), 1);
    QCOMPARE(r.serversSeenBy(&a), QSet<QString> {QStringLiteral("s2")});
    // s1's next answer for a no longer lists x: x is s2's now, so it stays.
    QVERIFY(r.setVisible(&a, QStringLiteral("s1"), {}).isEmpty());
    QCOMPARE(r.pairCount(), 1);
    // Indexes are reused: many devices come and go, the pairs stay exact.
    for (int i = 0; i < 100; ++i) {
        const DeviceId d = someId();
        r.setSeenBy(d, QStringLiteral("s3"), {&a});
        QCOMPARE(r.removeDevice(d).size(), 1);
    }
    QCOMPARE(r.pairCount(), 1);
}

QTEST_GUILESS_MAIN(TestRemotePresence)
#include "tst_remotepresence.moc"
