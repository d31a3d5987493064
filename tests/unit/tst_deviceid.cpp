// SPDX-License-Identifier: GPL-3.0-or-later
// DeviceId text form and DeviceIdentity creation, persistence and signatures.

#include "core/configdir.h"
#include "net/security/deviceidentity.h"
#include "net/wire/deviceid.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;

class TestDeviceId : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void textRoundTrip();
    void parse_data();
    void parse();
    void prefix();
    void identityPersistsAndIsPrivate();
    void corruptKeyIsAClearError();
    void signAndVerify();
    void certificateRenewalKeepsId();
};

void TestDeviceId::textRoundTrip()
{
    QByteArray digest(32, '\0');
    for (int i = 0; i < 32; ++i)
        digest[i] = char(i * 7 + 3);
    const DeviceId id = DeviceId::fromDigest(digest);
    QCOMPARE(id.toString().size(), DeviceId::kTextLength);
    QCOMPARE(DeviceId::fromString(id.toString()), id);
    QCOMPARE(DeviceId::fromString(id.toString().toLower()), id);
    // Golden value: 32 zero bytes are 52 'A's.
    QCOMPARE(DeviceId::fromDigest(QByteArray(32, '\0')).toString(), QString(52, QLatin1Char('A')));
}

void TestDeviceId::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    const QString zeros(52, QLatin1Char('A'));
    QTest::newRow("canonical") << zeros << true;
    QTest::newRow("dashes and spaces") << zeros.left(7) + QStringLiteral("-") + zeros.mid(7, 20)
            + QStringLiteral(" ")
            + zeros.mid(27) << true;
    QTest::newRow("too short") << zeros.left(51) << false;
    QTest::newRow("too long") << zeros + QStringLiteral("A") << false;
    QTest::newRow("bad character 1") << zeros.left(51) + QStringLiteral("1") << false;
    QTest::newRow("non-canonical tail bits") << zeros.left(51) + QStringLiteral("B") << false;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("unicode") << zeros.left(51) + QStringLiteral("é") << false;
}

void TestDeviceId::parse()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QCOMPARE(!DeviceId::fromString(text).isNull(), valid);
}

void TestDeviceId::prefix()
{
    const DeviceId id = DeviceId::fromDigest(QByteArray(32, '\x42'));
    QVERIFY(id.matchesPrefix(id.toString().left(5).toLower()));
    QVERIFY(!id.matchesPrefix(QStringLiteral("ZZZZ")));
    QVERIFY(!id.matchesPrefix(QString()));
}

void TestDeviceId::identityPersistsAndIsPrivate()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const ConfigDir dir(tmp.filePath(QStringLiteral("cfg")));
    QString error;
    const auto first = DeviceIdentity::loadOrCreate(dir, &error);
    QVERIFY2(first, qPrintable(error));
    QVERIFY(!first->id().isNull());
    QCOMPARE(deviceIdOfCertificate(first->certificate()), first->id());

    // POSIX: the key is 0600. Windows has no mode bits (Qt maps them to the read-only
    // attribute alone): the key is private through the folder's ACL, which the product does not
    // set itself (docs/security.md, "The private key on Windows"), so there is nothing of the
    // product's to check there.
#ifndef Q_OS_WIN
    const auto perms = QFile::permissions(dir.filePath(QStringLiteral("identity.key")));
    QVERIFY(perms & QFile::ReadOwner);
    QVERIFY(
        !(perms & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther)));
#endif

    const auto second = DeviceIdentity::loadOrCreate(dir, &error);
    QVERIFY2(second, qPrintable(error));
    QCOMPARE(second->id(), first->id());

    const auto other = DeviceIdentity::generateEphemeral(&error);
    QVERIFY(other);
    QVERIFY(other->id() != first->id());
}

void TestDeviceId::corruptKeyIsAClearError()
{
    QTemporaryDir tmp;
    const ConfigDir dir(tmp.path());
    QFile key(dir.filePath(QStringLiteral("identity.key")));
    QVERIFY(key.open(QIODevice::WriteOnly));
    key.write("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");
    key.close();
    QString error;
    QVERIFY(!DeviceIdentity::loadOrCreate(dir, &error));
    QVERIFY2(error.contains(QStringLiteral("corrupt")), qPrintable(error));
}

void TestDeviceId::signAndVerify()
{
    QString error;
    const auto a = DeviceIdentity::generateEphemeral(&error);
    const auto b = DeviceIdentity::generateEphemeral(&error);
    QVERIFY(a && b);
    const QByteArray message("announce v1 alice 10.0.0.2:40000");
    const QByteArray sig = a->sign(message);
    QVERIFY(!sig.isEmpty());
    QVERIFY(DeviceIdentity::verify(a->certificate(), message, sig));
    QVERIFY(!DeviceIdentity::verify(b->certificate(), message, sig));
    QVERIFY(!DeviceIdentity::verify(a->certificate(), message + "x", sig));
    QVERIFY(!DeviceIdentity::verify(a->certificate(), message, QByteArray()));
}

void TestDeviceId::certificateRenewalKeepsId()
{
    QTemporaryDir tmp;
    const ConfigDir dir(tmp.path());
    QString error;
    const auto first = DeviceIdentity::loadOrCreate(dir, &error);
    QVERIFY(first);
    QVERIFY(QFile::remove(dir.filePath(QStringLiteral("identity.crt"))));
    const auto renewed = DeviceIdentity::loadOrCreate(dir, &error);
    QVERIFY2(renewed, qPrintable(error));
    QCOMPARE(renewed->id(), first->id());
    QVERIFY(renewed->certificate() != first->certificate());
}

QTEST_GUILESS_MAIN(TestDeviceId)
#include "tst_deviceid.moc"
