// SPDX-License-Identifier: GPL-3.0-or-later
// Contacts pinned on first use; a known name with a new key is refused until re-verified.

#include "transfer/contactstore.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;

namespace {
DeviceId id(char fill)
{
    return DeviceId::fromDigest(QByteArray(32, fill));
}
} // namespace

class TestContactStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void firstContactThenKnown();
    void persistsAtomically();
    void changedKeyIsRefusedUntilReverified();
    void autoAcceptAndRemove();
    void renameVerifyAndForget();
    void contactCannotTakeAnotherContactsName();
    void duplicateNamesFromAnOldFileAreMarked();
    void lastOnlineIsKeptWithoutAWriteForEveryPresenceChange();
    void deviceKindIsRememberedForOfflineCards();
    void corruptFileIsAClearError_data();
    void corruptFileIsAClearError();
};

void TestContactStore::firstContactThenKnown()
{
    QTemporaryDir tmp;
    ContactStore store(tmp.filePath(ContactStore::defaultFileName()));
    QString error;
    QVERIFY(store.load(&error)); // missing file = empty store
    QVERIFY(store.isFirstContact(id(1)));
    QCOMPARE(store.check(id(1), QStringLiteral("laptop")).trust, ContactStore::Trust::FirstContact);
    QSignalSpy changed(&store, &ContactStore::contactsChanged);
    QVERIFY(store.remember(id(1), QStringLiteral("laptop"), &error));
    QCOMPARE(changed.count(), 1);
    QVERIFY(!store.isFirstContact(id(1)));
    QCOMPARE(store.check(id(1), QStringLiteral("laptop")).trust, ContactStore::Trust::Known);
    // Renaming a known device is fine: the key is what counts.
    QCOMPARE(store.check(id(1), QStringLiteral("new name")).trust, ContactStore::Trust::Known);
    QVERIFY(store.remember(id(1), QStringLiteral("new name"), &error));
    QCOMPARE(store.find(id(1))->name, QStringLiteral("new name"));
}

void TestContactStore::persistsAtomically()
{
    QTemporaryDir tmp;
    const QString path = tmp.filePath(ContactStore::defaultFileName());
    QString error;
    {
        ContactStore store(path);
        QVERIFY(store.load(&error));
        QVERIFY(store.remember(id(1), QStringLiteral("laptop"), &error));
        QVERIFY(store.remember(id(2), QStringLiteral("phone"), &error));
        QVERIFY(store.setAutoAccept(id(2), true, &error));
    }
    ContactStore again(path);
    QVERIFY2(again.load(&error), qPrintable(error));
    QCOMPARE(again.contacts().size(), 2);
    QCOMPARE(again.find(id(2))->name, QStringLiteral("phone"));
    QVERIFY(again.find(id(2))->autoAccept);
    QVERIFY(!again.find(id(1))->autoAccept);
    QVERIFY(again.find(id(1))->firstSeen.isValid());
    // QSaveFile leaves no temporary files behind.
    QCOMPARE(
        QDir(tmp.path()).entryList(QDir::Files), QStringList {ContactStore::defaultFileName()});
}

void TestContactStore::changedKeyIsRefusedUntilReverified()
{
    QTemporaryDir tmp;
    ContactStore store(tmp.filePath(ContactStore::defaultFileName()));
    QString error;
    QVERIFY(store.load(&error));
    QVERIFY(store.remember(id(1), QStringLiteral("Laptop"), &error));
    const ContactStore::TrustCheck check = store.check(id(9), QStringLiteral("laptop "));
    QCOMPARE(check.trust, ContactStore::Trust::KeyChanged);
    QVERIFY(check.warning.contains(QStringLiteral("different key")));
    QVERIFY(!store.remember(id(9), QStringLiteral("laptop"), &error));
    QVERIFY(error.contains(QStringLiteral("different key")));
    QVERIFY(store.isFirstContact(id(9)));
    QVERIFY(store.reverify(QStringLiteral("laptop"), id(9), &error));
    QCOMPARE(store.check(id(9), QStringLiteral("laptop")).trust, ContactStore::Trust::Known);
    QVERIFY(store.isFirstContact(id(1))); // the old key is forgotten
}

void TestContactStore::autoAcceptAndRemove()
{
    QTemporaryDir tmp;
    ContactStore store(tmp.filePath(ContactStore::defaultFileName()));
    QString error;
    QVERIFY(store.load(&error));
    QVERIFY(!store.setAutoAccept(id(3), true, &error)); // unknown
    QVERIFY(store.remember(id(3), QStringLiteral("nas"), &error));
    QVERIFY(store.setAutoAccept(id(3), true, &error));
    QVERIFY(store.find(id(3))->autoAccept);
    QVERIFY(store.remove(id(3), &error));
    QVERIFY(!store.find(id(3)));
    QVERIFY(!store.remove(id(3), &error));
}

void TestContactStore::renameVerifyAndForget()
{
    // The Contacts page: the user's own name for a contact stays, whatever the device claims.
    QTemporaryDir tmp;
    const QString path = tmp.filePath(ContactStore::defaultFileName());
    QString error;
    {
        ContactStore store(path);
        QVERIFY(store.load(&error));
        QVERIFY(store.remember(id(1), QStringLiteral("vm"), &error));
        QVERIFY(store.remember(id(2), QStringLiteral("nas"), &error));
        QVERIFY(!store.rename(id(1), QStringLiteral("  "), &error)); // no empty names
        QVERIFY(!store.rename(id(1), QStringLiteral("NAS "), &error)); // one name, one contact
        QVERIFY2(error.contains(id(2).shortString()), qPrintable(error));
        QVERIFY(!store.rename(id(7), QStringLiteral("x"), &error)); // not a contact
        QCOMPARE(store.find(id(1))->name, QStringLiteral("vm"));
        QVERIFY(store.rename(id(1), QStringLiteral(" Office laptop "), &error));
        QVERIFY(store.setVerified(id(1), true, &error));
        QVERIFY(!store.setVerified(id(7), true, &error));
        // The next transfer with it (it still calls itself "vm") keeps the user's name.
        const ContactStore::TrustCheck check = store.check(id(1), QStringLiteral("vm"));
        QCOMPARE(check.trust, ContactStore::Trust::Known);
        QCOMPARE(check.shownName, QStringLiteral("Office laptop"));
        QVERIFY(store.remember(id(1), QStringLiteral("vm"), &error));
        QCOMPARE(store.find(id(1))->name, QStringLiteral("Office laptop"));
        // "nas" renaming itself still follows (the user never named it).
        QVERIFY(store.remember(id(2), QStringLiteral("storage"), &error));
        QCOMPARE(store.find(id(2))->name, QStringLiteral("storage"));
    }
    ContactStore again(path);
    QVERIFY2(again.load(&error), qPrintable(error));
    QCOMPARE(again.find(id(1))->name, QStringLiteral("Office laptop"));
    QVERIFY(again.find(id(1))->verified);
    QVERIFY(again.find(id(1))->userNamed);
    QVERIFY(!again.find(id(2))->verified);
    QVERIFY(!again.find(id(2))->userNamed);
    // Forgotten: a first contact again, and so is a device claiming the old name.
    QVERIFY(again.remove(id(1), &error));
    QVERIFY(again.isFirstContact(id(1)));
    QCOMPARE(again.check(id(1), QStringLiteral("Office laptop")).trust,
        ContactStore::Trust::FirstContact);
}

void TestContactStore::contactCannotTakeAnotherContactsName()
{
    // Issue 12, M4: mallory, a known contact, renames itself to "Bob", the name of another one.
    QTemporaryDir tmp;
    const QString path = tmp.filePath(ContactStore::defaultFileName());
    ContactStore store(path);
    QString error;
    QVERIFY(store.load(&error));
    QVERIFY(store.remember(id(1), QStringLiteral("bob"), &error));
    QVERIFY(store.remember(id(2), QStringLiteral("mallory"), &error));
    const ContactStore::TrustCheck check = store.check(id(2), QStringLiteral("Bob "));
    QCOMPARE(check.trust, ContactStore::Trust::Known);
    QCOMPARE(check.shownName, QStringLiteral("mallory"));
    QVERIFY2(check.nameWarning.contains(id(2).toString()), qPrintable(check.nameWarning));
    QVERIFY2(check.nameWarning.contains(id(1).toString()), qPrintable(check.nameWarning));
    QVERIFY2(check.nameWarning.contains(QStringLiteral("\"Bob \"")), qPrintable(check.nameWarning));
    // Bob himself, and an honest rename, carry no warning.
    QVERIFY(store.check(id(1), QStringLiteral("bob")).nameWarning.isEmpty());
    QCOMPARE(store.check(id(2), QStringLiteral("mal")).shownName, QStringLiteral("mal"));
    QVERIFY(store.check(id(2), QStringLiteral("mal")).nameWarning.isEmpty());

    QVERIFY(store.remember(id(2), QStringLiteral("Bob"), &error)); // after an accepted transfer
    QCOMPARE(store.find(id(2))->name, QStringLiteral("mallory"));
    ContactStore reloaded(path);
    QVERIFY(reloaded.load(&error));
    QStringList names;
    for (const Contact &c : reloaded.contacts())
        names << c.name.toLower();
    names.sort();
    QCOMPARE(names, (QStringList {QStringLiteral("bob"), QStringLiteral("mallory")}));
    QCOMPARE(reloaded.findByName(QStringLiteral("bob"))->id, id(1));
}

void TestContactStore::duplicateNamesFromAnOldFileAreMarked()
{
    QTemporaryDir tmp;
    const QString path = tmp.filePath(ContactStore::defaultFileName());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral(R"({"version":1,"contacts":[{"id":"%1","name":"bob"},)"
                           R"({"id":"%2","name":"Bob"}]})")
                .arg(id(1).toString(), id(2).toString())
                .toUtf8());
    f.close();
    ContactStore store(path);
    QString error;
    QVERIFY2(store.load(&error), qPrintable(error));
    QCOMPARE(store.find(id(1))->name, QStringLiteral("bob"));
    QCOMPARE(store.find(id(2))->name, QStringLiteral("Bob (%1)").arg(id(2).shortString()));
    QCOMPARE(store.findByName(QStringLiteral("bob"))->id, id(1));
    // The marked one still presents as "Bob": shown under its marked name, with a warning.
    const ContactStore::TrustCheck check = store.check(id(2), QStringLiteral("Bob"));
    QCOMPARE(check.shownName, store.find(id(2))->name);
    QVERIFY(!check.nameWarning.isEmpty());
}

void TestContactStore::lastOnlineIsKeptWithoutAWriteForEveryPresenceChange()
{
    QTemporaryDir tmp;
    const QString path = tmp.filePath(ContactStore::defaultFileName());
    QString error;
    const QDateTime t0 = QDateTime::fromString(u"2026-12-06T10:00:00Z"_qs, Qt::ISODate);
    {
        ContactStore store(path);
        QVERIFY(store.load(&error));
        QVERIFY(store.remember(id(1), QStringLiteral("laptop"), &error));
        QSignalSpy changed(&store, &ContactStore::contactsChanged);
        QVERIFY(store.markOnline(id(1), t0, &error)); // the first sighting is written
        QCOMPARE(changed.count(), 1);
        QVERIFY(store.markOnline(id(1), t0.addSecs(60), &error)); // in memory only
        QCOMPARE(changed.count(), 1);
        QCOMPARE(store.find(id(1))->lastOnline, t0.addSecs(60));
        QVERIFY(store.markOnline(id(2), t0, &error)); // not a contact: nothing
        QCOMPARE(changed.count(), 1);
        QVERIFY(store.find(id(2)) == std::nullopt);
    }
    {
        ContactStore again(path);
        QVERIFY2(again.load(&error), qPrintable(error));
        QCOMPARE(again.find(id(1))->lastOnline, t0); // what was written
        QSignalSpy changed(&again, &ContactStore::contactsChanged);
        // Ten minutes after the last write: written again.
        QVERIFY(again.markOnline(id(1), t0.addSecs(ContactStore::kOnlineSaveIntervalSecs), &error));
        QCOMPARE(changed.count(), 1);
    }
    ContactStore last(path);
    QVERIFY(last.load(&error));
    QCOMPARE(last.find(id(1))->lastOnline, t0.addSecs(ContactStore::kOnlineSaveIntervalSecs));
}

void TestContactStore::deviceKindIsRememberedForOfflineCards()
{
    QTemporaryDir tmp;
    const QString path = tmp.filePath(ContactStore::defaultFileName());
    QString error;
    {
        ContactStore store(path);
        QVERIFY(store.load(&error));
        QVERIFY(store.remember(id(1), QStringLiteral("laptop"), &error));
        QSignalSpy changed(&store, &ContactStore::contactsChanged);
        QVERIFY(store.noteDevice(id(1), {DeviceKind::Laptop, DeviceOs::Linux}, &error));
        QCOMPARE(changed.count(), 1);
        QVERIFY(store.noteDevice(id(1), {DeviceKind::Laptop, DeviceOs::Linux}, &error));
        QCOMPARE(changed.count(), 1); // the same again: no write
        QVERIFY(store.noteDevice(id(1), {}, &error)); // an older peer says nothing
        QCOMPARE(changed.count(), 1);
        QVERIFY(store.noteDevice(id(2), {DeviceKind::Server, DeviceOs::Linux}, &error));
        QVERIFY(!store.find(id(2)).has_value()); // not a contact
    }
    ContactStore again(path);
    QVERIFY2(again.load(&error), qPrintable(error));
    QCOMPARE(again.find(id(1))->device.kind, DeviceKind::Laptop);
    QCOMPARE(again.find(id(1))->device.os, DeviceOs::Linux);
}

void TestContactStore::corruptFileIsAClearError_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("not JSON") << QByteArray("{{{");
    QTest::newRow("JSON array") << QByteArray("[]");
    QTest::newRow("bad device id") << QByteArray(R"({"contacts":[{"id":"nope","name":"x"}]})");
}

void TestContactStore::corruptFileIsAClearError()
{
    QFETCH(QByteArray, content);
    QTemporaryDir tmp;
    const QString path = tmp.filePath(ContactStore::defaultFileName());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(content);
    f.close();
    ContactStore store(path);
    QString error;
    QVERIFY(!store.load(&error));
    QVERIFY(error.contains(path));
    QVERIFY(store.contacts().isEmpty());
}

QTEST_GUILESS_MAIN(TestContactStore)
#include "tst_contactstore.moc"
