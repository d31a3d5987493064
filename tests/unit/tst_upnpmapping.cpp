// SPDX-License-Identifier: GPL-3.0-or-later
// upnpAddMapping() against a scripted IGD: IGD v2's AddAnyPortMapping (the gateway picks a free
// port when ours is taken), IGD v1's 718 ConflictInMappingEntry answered with a bounded number
// of random other ports, a "v2" without AddAnyPortMapping, permanent-only leases, no answer,
// and giving up when stopped. The real gateway (miniupnpd) is the NAT lab's prc-symupnp-conflict.
#include "net/client/upnpmapping.h"

#include <QMap>
#include <QStringList>
#include <QTest>

#include <deque>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

//! An IGD's port table: external port → who holds it ("us" or another host).
class ScriptedIgd final : public UpnpActions
{
public:
    bool hasAddAny = true; //!< false: AddAnyPortMapping answers 401 Invalid Action
    bool permanentOnly = false; //!< a lease other than 0 is refused with 725
    bool samePortOnly = false; //!< external != internal is refused with 724
    int failWith = 0; //!< every action fails with this (e.g. -3: no answer)
    QMap<quint16, QString> owners;
    QStringList calls; //!< "add EXT LEASE" / "any EXT LEASE", in order
    std::function<void()> afterCall; //!< runs after each action (e.g. to request a stop)

    int addPortMapping(quint16 external, quint16 internal, std::chrono::seconds lease) override
    {
        calls << QStringLiteral("add %1 %2").arg(external).arg(lease.count());
        const int r = add(external, internal, lease);
        if (afterCall)
            afterCall();
        return r;
    }
    int addAnyPortMapping(
        quint16 external, quint16 internal, std::chrono::seconds lease, quint16 *granted) override
    {
        calls << QStringLiteral("any %1 %2").arg(external).arg(lease.count());
        *granted = 0;
        if (failWith)
            return failWith;
        if (!hasAddAny)
            return UpnpError::InvalidAction;
        quint16 port = external; // miniupnpd: the port asked for, else the next free one
        while (owners.contains(port) && owners.value(port) != QLatin1String("us"))
            ++port;
        owners[port] = QStringLiteral("us");
        *granted = port;
        Q_UNUSED(internal)
        return 0;
    }
    QString errorText(int code) const override { return QStringLiteral("error %1").arg(code); }

private:
    int add(quint16 external, quint16 internal, std::chrono::seconds lease)
    {
        if (failWith)
            return failWith;
        if (permanentOnly && lease.count() != 0)
            return UpnpError::OnlyPermanentLeasesSupported;
        if (samePortOnly && external != internal)
            return UpnpError::SamePortValuesRequired;
        if (owners.contains(external) && owners.value(external) != QLatin1String("us"))
            return UpnpError::ConflictInMappingEntry;
        owners[external] = QStringLiteral("us");
        return 0;
    }
};

//! Hands out the given ports in turn (then 0, which upnpAddMapping() never uses).
std::function<quint16()> ports(std::deque<quint16> list)
{
    auto shared = std::make_shared<std::deque<quint16>>(std::move(list));
    return [shared]() -> quint16 {
        if (shared->empty())
            return 0;
        const quint16 port = shared->front();
        shared->pop_front();
        return port;
    };
}

} // namespace

class TestUpnpMapping : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void igd2TakesTheFreePort();
    void igd2GatewayPicksAnotherWhenTaken();
    void igd2RenewsItsOwnPort();
    void igd2WithoutAddAnyIsAskedAsV1();
    void igd1ConflictTriesOtherPorts();
    void igd1ConflictIsBounded();
    void igd1NeverAsksATakenPortTwice();
    void igd1RenewsTheGrantedPort();
    void igd1SamePortRequiredAfterConflict();
    void permanentLeasesOnly();
    void noAnswer();
    void stopEndsTheRetries();
    void serviceTypes();
};

void TestUpnpMapping::igd2TakesTheFreePort()
{
    ScriptedIgd igd;
    const UpnpMapping m = upnpAddMapping(igd, true, 40000, 40000, 3600s, ports({}));
    QCOMPARE(m.external, quint16(40000));
    QCOMPARE(m.lease, 3600s);
    QVERIFY(m.error.isEmpty());
    QVERIFY(m.note.isEmpty());
    QCOMPARE(igd.calls, QStringList {QStringLiteral("any 40000 3600")});
}

void TestUpnpMapping::igd2GatewayPicksAnotherWhenTaken()
{
    ScriptedIgd igd;
    igd.owners[40000] = QStringLiteral("10.0.2.3"); // another host behind the same router
    const UpnpMapping m = upnpAddMapping(igd, true, 40000, 0, 3600s, ports({}));
    QCOMPARE(m.external, quint16(40001)); // reported: the port the gateway chose
    QVERIFY(m.error.isEmpty());
    QVERIFY2(m.note.contains(QStringLiteral("40000")) && m.note.contains(QStringLiteral("40001")),
        qPrintable(m.note));
    QCOMPARE(igd.calls, QStringList {QStringLiteral("any 40000 3600")}); // one round trip
    QCOMPARE(igd.owners.value(40000), QStringLiteral("10.0.2.3"));
}

void TestUpnpMapping::igd2RenewsItsOwnPort()
{
    ScriptedIgd igd;
    igd.owners[40000] = QStringLiteral("10.0.2.3");
    QCOMPARE(upnpAddMapping(igd, true, 40000, 40000, 3600s, ports({})).external, quint16(40001));
    // PortMapper renews with the port granted: the same mapping, no new one.
    const UpnpMapping renewed = upnpAddMapping(igd, true, 40000, 40001, 3600s, ports({}));
    QCOMPARE(renewed.external, quint16(40001));
    QVERIFY(renewed.note.isEmpty());
    QCOMPARE(igd.owners.size(), 2);
}

void TestUpnpMapping::igd2WithoutAddAnyIsAskedAsV1()
{
    ScriptedIgd igd;
    igd.hasAddAny = false;
    igd.owners[40000] = QStringLiteral("10.0.2.3");
    const UpnpMapping m = upnpAddMapping(igd, true, 40000, 40000, 3600s, ports({51000}));
    QCOMPARE(m.external, quint16(51000));
    QCOMPARE(igd.calls,
        (QStringList {QStringLiteral("any 40000 3600"), QStringLiteral("add 40000 3600"),
            QStringLiteral("add 51000 3600")}));
}

void TestUpnpMapping::igd1ConflictTriesOtherPorts()
{
    ScriptedIgd igd;
    igd.owners[40000] = QStringLiteral("10.0.2.3");
    igd.owners[50000] = QStringLiteral("10.0.2.4");
    const UpnpMapping m = upnpAddMapping(igd, false, 40000, 40000, 3600s, ports({50000, 50001}));
    QCOMPARE(m.external, quint16(50001)); // reported: the one that stuck
    QVERIFY(m.error.isEmpty());
    QVERIFY2(m.note.contains(QStringLiteral("718")) && m.note.contains(QStringLiteral("40000"))
            && m.note.contains(QStringLiteral("50000")) && m.note.contains(QStringLiteral("50001")),
        qPrintable(m.note));
    QCOMPARE(igd.calls,
        (QStringList {QStringLiteral("add 40000 3600"), QStringLiteral("add 50000 3600"),
            QStringLiteral("add 50001 3600")}));
    QCOMPARE(igd.owners.value(50001), QStringLiteral("us"));
}

void TestUpnpMapping::igd1ConflictIsBounded()
{
    ScriptedIgd igd;
    for (quint16 p : {40000, 50000, 50001, 50002, 50003})
        igd.owners[p] = QStringLiteral("10.0.2.3");
    const UpnpMapping m
        = upnpAddMapping(igd, false, 40000, 40000, 3600s, ports({50000, 50001, 50002, 50003}));
    QCOMPARE(m.external, quint16(0));
    QVERIFY(!m.noAnswer);
    QVERIFY2(m.error.contains(QStringLiteral("718")), qPrintable(m.error));
    QCOMPARE(igd.calls.size(), 1 + kUpnpConflictRetries);
}

void TestUpnpMapping::igd1NeverAsksATakenPortTwice()
{
    ScriptedIgd igd;
    igd.owners[40000] = QStringLiteral("10.0.2.3");
    igd.owners[50000] = QStringLiteral("10.0.2.3");
    // The random draws repeat a taken port and a privileged one: both skipped.
    const UpnpMapping m
        = upnpAddMapping(igd, false, 40000, 40000, 3600s, ports({50000, 40000, 50000, 80, 50005}));
    QCOMPARE(m.external, quint16(50005));
    QCOMPARE(igd.calls,
        (QStringList {QStringLiteral("add 40000 3600"), QStringLiteral("add 50000 3600"),
            QStringLiteral("add 50005 3600")}));
}

void TestUpnpMapping::igd1RenewsTheGrantedPort()
{
    ScriptedIgd igd;
    igd.owners[40000] = QStringLiteral("10.0.2.3");
    QCOMPARE(upnpAddMapping(igd, false, 40000, 0, 3600s, ports({52000})).external, quint16(52000));
    igd.calls.clear();
    const UpnpMapping renewed = upnpAddMapping(igd, false, 40000, 52000, 3600s, ports({}));
    QCOMPARE(renewed.external, quint16(52000));
    QCOMPARE(igd.calls, QStringList {QStringLiteral("add 52000 3600")});
}

void TestUpnpMapping::igd1SamePortRequiredAfterConflict()
{
    ScriptedIgd igd;
    igd.samePortOnly = true;
    igd.owners[40000] = QStringLiteral("10.0.2.3");
    const UpnpMapping m = upnpAddMapping(igd, false, 40000, 40000, 3600s, ports({50000, 50001}));
    QCOMPARE(m.external, quint16(0));
    // The router maps only external = internal, which another host holds: no use trying more.
    QCOMPARE(igd.calls.size(), 2);
    QVERIFY2(m.error.contains(QStringLiteral("724")) && m.error.contains(QStringLiteral("718")),
        qPrintable(m.error));
}

void TestUpnpMapping::permanentLeasesOnly()
{
    ScriptedIgd igd;
    igd.permanentOnly = true;
    const UpnpMapping m = upnpAddMapping(igd, false, 40000, 40000, 3600s, ports({}));
    QCOMPARE(m.external, quint16(40000));
    QCOMPARE(m.lease, 0s);
    QCOMPARE(
        igd.calls, (QStringList {QStringLiteral("add 40000 3600"), QStringLiteral("add 40000 0")}));
}

void TestUpnpMapping::noAnswer()
{
    for (bool igd2 : {true, false}) {
        ScriptedIgd igd;
        igd.failWith = -3; // UPNPCOMMAND_HTTP_ERROR: nobody at the control URL
        const UpnpMapping m = upnpAddMapping(igd, igd2, 40000, 40000, 3600s, ports({50000}));
        QCOMPARE(m.external, quint16(0));
        QVERIFY(m.noAnswer);
        QVERIFY(!m.error.isEmpty());
        QCOMPARE(igd.calls.size(), 1);
    }
}

void TestUpnpMapping::stopEndsTheRetries()
{
    ScriptedIgd igd;
    igd.owners[40000] = QStringLiteral("10.0.2.3");
    std::stop_source stop;
    igd.afterCall = [&] { stop.request_stop(); };
    const UpnpMapping m
        = upnpAddMapping(igd, false, 40000, 40000, 3600s, ports({50000}), stop.get_token());
    QCOMPARE(m.external, quint16(0));
    QVERIFY2(m.error.contains(QStringLiteral("stopped")), qPrintable(m.error));
    QCOMPARE(igd.calls.size(), 1);
}

void TestUpnpMapping::serviceTypes()
{
    QVERIFY(upnpServiceIsIgd2("urn:schemas-upnp-org:service:WANIPConnection:2"));
    QVERIFY(!upnpServiceIsIgd2("urn:schemas-upnp-org:service:WANIPConnection:1"));
    QVERIFY(!upnpServiceIsIgd2("urn:schemas-upnp-org:service:WANPPPConnection:1"));
    QVERIFY(!upnpServiceIsIgd2("urn:schemas-upnp-org:service:WANIPConnection:"));
    QVERIFY(!upnpServiceIsIgd2(""));
    QVERIFY(!upnpServiceIsIgd2(nullptr));
}

QTEST_GUILESS_MAIN(TestUpnpMapping)
#include "tst_upnpmapping.moc"
