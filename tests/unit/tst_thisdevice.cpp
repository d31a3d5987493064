// SPDX-License-Identifier: GPL-3.0-or-later
// What this device says about itself (ThisDevice): the kind from fake /sys trees (chassis type,
// batteries), headless instances as servers, and the OS token from QSysInfo's texts.

#include "net/client/thisdevice.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;

namespace {

//! Writes \a content to \a relative under \a root, making the directories.
void writeFile(const QString &root, const QString &relative, const QByteArray &content)
{
    const QString path = QDir(root).filePath(relative);
    QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(content);
}

} // namespace

class TestThisDevice : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void kindFromSys_data()
    {
        QTest::addColumn<QByteArray>("chassis"); // empty: no chassis_type file
        QTest::addColumn<QStringList>("supplies"); // directories under power_supply
        QTest::addColumn<bool>("laptop");
        QTest::newRow("desktop chassis 3, mains only")
            << QByteArray("3\n") << QStringList {u"AC"_qs} << false;
        QTest::newRow("notebook chassis 10") << QByteArray("10\n") << QStringList {} << true;
        for (const int type : {8, 9, 14, 31, 32})
            QTest::addRow("portable chassis %d", type)
                << QByteArray::number(type) << QStringList {} << true;
        QTest::newRow("tower chassis 7") << QByteArray("7") << QStringList {} << false;
        QTest::newRow("other chassis with a battery BAT0")
            << QByteArray("2\n") << QStringList {u"AC"_qs, u"BAT0"_qs} << true;
        QTest::newRow("no dmi, a battery BAT1") << QByteArray() << QStringList {u"BAT1"_qs} << true;
        QTest::newRow("a UPS or a mouse battery is not BAT*")
            << QByteArray("3") << QStringList {u"ups"_qs, u"hidpp_battery_0"_qs} << false;
        QTest::newRow("garbage chassis") << QByteArray("ten\n") << QStringList {} << false;
        QTest::newRow("empty tree") << QByteArray() << QStringList {} << false;
    }

    void kindFromSys()
    {
        QFETCH(QByteArray, chassis);
        QFETCH(QStringList, supplies);
        QFETCH(bool, laptop);
        QTemporaryDir root;
        QVERIFY(root.isValid());
        if (!chassis.isEmpty())
            writeFile(root.path(), u"sys/class/dmi/id/chassis_type"_qs, chassis);
        for (const QString &supply : supplies)
            writeFile(root.path(), u"sys/class/power_supply/"_qs + supply + u"/type"_qs, "x\n");
        QCOMPARE(ThisDevice::linuxSysSaysLaptop(root.path()), laptop);
#if defined(Q_OS_LINUX)
        QCOMPARE(ThisDevice::detectKind(false, root.path()),
            laptop ? DeviceKind::Laptop : DeviceKind::Desktop);
#endif
    }

    void headlessIsAServer()
    {
        QTemporaryDir root;
        writeFile(root.path(), u"sys/class/dmi/id/chassis_type"_qs, "10\n"); // even on a laptop
        QCOMPARE(ThisDevice::detectKind(true, root.path()), DeviceKind::Server);
        QCOMPARE(ThisDevice::describe(true).kind, DeviceKind::Server);
    }

    void osFromSysInfo_data()
    {
        QTest::addColumn<QString>("kernel");
        QTest::addColumn<QString>("product");
        QTest::addColumn<DeviceOs>("os");
        QTest::newRow("ubuntu") << u"linux"_qs << u"ubuntu"_qs << DeviceOs::Linux;
        QTest::newRow("debian") << u"linux"_qs << u"debian"_qs << DeviceOs::Linux;
        QTest::newRow("linux without os-release")
            << u"linux"_qs << u"unknown"_qs << DeviceOs::Linux;
        QTest::newRow("windows") << u"winnt"_qs << u"windows"_qs << DeviceOs::Windows;
        QTest::newRow("macos") << u"darwin"_qs << u"macos"_qs << DeviceOs::Macos;
        QTest::newRow("old osx") << u"darwin"_qs << u"osx"_qs << DeviceOs::Macos;
        QTest::newRow("android") << u"linux"_qs << u"android"_qs << DeviceOs::Other;
        QTest::newRow("freebsd") << u"freebsd"_qs << u"freebsd"_qs << DeviceOs::Other;
        QTest::newRow("nothing") << QString() << QString() << DeviceOs::Unknown;
    }

    void osFromSysInfo()
    {
        QFETCH(QString, kernel);
        QFETCH(QString, product);
        QFETCH(DeviceOs, os);
        QCOMPARE(ThisDevice::osFromSysInfo(kernel, product), os);
    }

    void thisMachineDescribesItself()
    {
        const DeviceDescription d = ThisDevice::describe(false);
        QVERIFY(d.kind == DeviceKind::Laptop || d.kind == DeviceKind::Desktop);
#if defined(Q_OS_LINUX)
        QCOMPARE(d.os, DeviceOs::Linux);
#endif
    }
};

QTEST_GUILESS_MAIN(TestThisDevice)
#include "tst_thisdevice.moc"
