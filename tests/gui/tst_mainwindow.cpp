// SPDX-License-Identifier: GPL-3.0-or-later
// The main window as a whole: settings written through the dialog survive a restart, switching
// the language retranslates the window at run time, the status bar shows the connection, and
// quitting with running transfers asks first (the question answered by the test).

#include "guitestutil.h"
#include "testbackend.h"

#include "support/testhelpers.h"

#include "gui/appsettings.h"
#include "gui/contactlistmodel.h"
#include "gui/contactview.h"
#include "gui/languagemanager.h"
#include "gui/mainwindow.h"
#include "gui/pendingfilesbar.h"
#include "gui/selfheader.h"
#include "gui/settingsdialog.h"
#include "gui/transferformat.h"
#include "gui/transferpanel.h"
#include "gui/trayicon.h"
#include "net/security/deviceidentity.h"
#include "net/wire/nattype.h"
#include "net/wire/peerresolver.h"
#include "transfer/safepath.h"
#include "transfer/transferengine.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QUrl>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using Test::TestBackend;

namespace {

SettingsDialog *openSettings(MainWindow &window)
{
    window.findChild<QAction *>(u"settingsAction"_qs)->trigger();
    return Test::visibleSettings(window);
}

void setText(QWidget *parent, const QString &name, const QString &text)
{
    auto *edit = parent->findChild<QLineEdit *>(name);
    QVERIFY2(edit, qPrintable(name));
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Delete);
    QTest::keyClicks(edit, text);
}

//! Clicks on the box itself: a check box only reacts to clicks on its indicator and text.
void clickCheckBox(QWidget *parent, const QString &name)
{
    auto *box = parent->findChild<QCheckBox *>(name);
    QVERIFY2(box, qPrintable(name));
    QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(6, box->height() / 2));
}

QString labelText(QWidget *parent, const char *name)
{
    auto *label = parent->findChild<QLabel *>(QLatin1String(name));
    return label ? label->text() : QStringLiteral("<no %1>").arg(QLatin1String(name));
}

//! What the engine says about a send to \a peer when it has neither a server nor the LAN, as the
//! transfer list shows it (TransferFormat over the engine's final snapshot).
QString unreachableFailureLine(const QString &downloadDir, const QString &file)
{
    QString error;
    const auto identity = DeviceIdentity::generateEphemeral(&error);
    if (!identity)
        return QStringLiteral("<no identity: %1>").arg(error);
    EngineConfig config;
    config.displayName = u"me"_qs;
    config.downloadDir = downloadDir;
    config.probeNat = false;
    config.useContacts = false;
    TransferEngine engine(*identity, ConfigDir(downloadDir), config);
    if (!engine.start(&error))
        return QStringLiteral("<engine did not start: %1>").arg(error);
    TransferSnapshot last;
    QObject::connect(&engine, &TransferEngine::transferUpdated, &engine,
        [&last](const TransferSnapshot &s) { last = s; });
    QSignalSpy finished(&engine, &TransferEngine::transferFinished);
    const auto peer = DeviceIdentity::generateEphemeral(&error);
    if (!peer)
        return QStringLiteral("<no peer identity: %1>").arg(error);
    engine.send(peer->id(), {file});
    if (finished.isEmpty() && !finished.wait(10000)) // it may end before send() returns
        return QStringLiteral("<the transfer did not finish>");
    // The engine's own words (the row words the code; these go to its tooltip).
    return last.error.replace(peer->id().shortString(), u"<peer>"_qs);
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void settingsPersistAcrossRestart()
    {
        QTemporaryDir config;
        QTemporaryDir downloads;
        const ConfigDir configDir(config.path());
        {
            TestBackend backend;
            MainWindow window(&backend, configDir);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QCOMPARE(backend.applied.size(), 1); // the loaded settings, at start

            SettingsDialog *dialog = openSettings(window);
            QVERIFY(dialog);
            QVERIFY(!dialog->isModal() || dialog->windowModality() == Qt::WindowModal);
            setText(dialog, u"displayNameEdit"_qs, u"Laptop of Mei"_qs);
            setText(dialog, u"serverAddressEdit"_qs, u"rendezvous.example.org:7600"_qs);
            setText(dialog, u"downloadDirEdit"_qs, downloads.path());
            clickCheckBox(dialog, u"startMinimizedCheck"_qs);
            QVERIFY(dialog->findChild<QCheckBox *>(u"lanDiscoveryCheck"_qs)->isChecked());
            clickCheckBox(dialog, u"lanDiscoveryCheck"_qs);
            QTest::mouseClick(
                dialog->findChild<QPushButton *>(u"settingsOkButton"_qs), Qt::LeftButton);
            QTRY_COMPARE_WITH_TIMEOUT(backend.applied.size(), 2, 5000);
            const AppSettings applied = backend.applied.last();
            QCOMPARE(applied.displayName, u"Laptop of Mei"_qs);
            QCOMPARE(applied.serverAddress, u"rendezvous.example.org:7600"_qs);
            QCOMPARE(applied.downloadDir, downloads.path());
            QVERIFY(applied.startMinimized);
            QVERIFY(!applied.lanDiscovery);
        }
        QVERIFY(QFile::exists(configDir.filePath(u"settings.ini"_qs)));

        // "Restart": a new backend and window on the same config directory.
        TestBackend backend;
        MainWindow window(&backend, configDir);
        QCOMPARE(backend.applied.size(), 1);
        QCOMPARE(backend.applied.first().displayName, u"Laptop of Mei"_qs);
        QCOMPARE(backend.applied.first().serverAddress, u"rendezvous.example.org:7600"_qs);
        QCOMPARE(backend.applied.first().downloadDir, downloads.path());
        QVERIFY(backend.applied.first().startMinimized);
        QVERIFY(!backend.applied.first().lanDiscovery);
        // And a new dialog shows them.
        SettingsDialog *dialog = openSettings(window);
        QVERIFY(dialog);
        QCOMPARE(
            dialog->findChild<QLineEdit *>(u"displayNameEdit"_qs)->text(), u"Laptop of Mei"_qs);
        QCOMPARE(labelText(dialog, "displayNameLabel"), u"Your name:"_qs);
        QVERIFY(dialog->findChild<QLabel *>(u"displayNameLabel"_qs)->isVisible());
        QVERIFY(dialog->findChild<QCheckBox *>(u"startMinimizedCheck"_qs)->isChecked());
        QCOMPARE(dialog->settings(), backend.applied.first());
    }

    void invalidSettingsAreRefusedWithAReason()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        SettingsDialog *dialog = openSettings(window);
        QVERIFY(dialog);
        setText(dialog, u"serverAddressEdit"_qs, u"bad port:0"_qs);
        QTest::mouseClick(dialog->findChild<QPushButton *>(u"settingsOkButton"_qs), Qt::LeftButton);
        QVERIFY(dialog->isVisible());
        QVERIFY(labelText(dialog, "settingsErrorLabel").contains(u"host:port"_qs));
        QCOMPARE(backend.applied.size(), 1);
        // Cancel keeps the old settings.
        QTest::mouseClick(
            dialog->findChild<QPushButton *>(u"settingsCancelButton"_qs), Qt::LeftButton);
        QCOMPARE(backend.applied.size(), 1);
        QVERIFY(AppSettings::load(ConfigDir(config.path())).serverAddress.isEmpty());
    }

    void serverAddressValidation_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("valid");
        QTest::newRow("empty is LAN only") << QString() << true;
        QTest::newRow("host and port") << u"example.org:7600"_qs << true;
        QTest::newRow("ipv4") << u"192.0.2.1:1"_qs << true;
        QTest::newRow("ipv6") << u"[2001:db8::1]:7600"_qs << true;
        QTest::newRow("no port: the default, like --server") << u"example.org"_qs << true;
        QTest::newRow("bare ipv6") << u"2001:db8::1"_qs << true;
        QTest::newRow("ipv6 in brackets, no port") << u"[2001:db8::1]"_qs << true;
        QTest::newRow("port not a number") << u"example.org:http"_qs << false;
        QTest::newRow("signed port") << u"example.org:+80"_qs << false;
        QTest::newRow("port zero") << u"example.org:0"_qs << false;
        QTest::newRow("port too big") << u"example.org:65536"_qs << false;
        QTest::newRow("no host") << u":7600"_qs << false;
        QTest::newRow("spaces") << u"exa mple:7600"_qs << false;
        QTest::newRow("several, like --server") << u"a.example, b.example:9000"_qs << true;
        QTest::newRow("an empty one of several") << u"a.example,,b.example"_qs << false;
    }

    void serverAddressValidation()
    {
        QFETCH(QString, address);
        QFETCH(bool, valid);
        QCOMPARE(SettingsDialog::isValidServerAddress(address), valid);
    }

    void switchingTheLanguageRetranslatesTheWindow()
    {
        QVERIFY(QFile::exists(LanguageManager::qmPath(u"zh_CN"_qs)));
        QVERIFY(QFile::exists(LanguageManager::qmPath(u"zh_TW"_qs)));
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *sendButton = window.findChild<QPushButton *>(u"sendFilesButton"_qs);
        auto *cancel = window.findChild<QPushButton *>(u"cancelTransferButton"_qs);
        QCOMPARE(labelText(&window, "contactsTitle"), u"Contacts"_qs);
        QCOMPARE(labelText(&window, "serverStatusLabel"), u"This network only (no server set)"_qs);
        QCOMPARE(sendButton->text(), u"Send files…"_qs);
        QCOMPARE(cancel->text(), u"Cancel"_qs);

        auto switchTo = [&](const QString &language) {
            SettingsDialog *dialog = openSettings(window);
            QVERIFY(dialog);
            auto *combo = dialog->findChild<QComboBox *>(u"languageCombo"_qs);
            combo->setCurrentIndex(combo->findData(language));
            QTest::mouseClick(
                dialog->findChild<QPushButton *>(u"settingsOkButton"_qs), Qt::LeftButton);
        };

        switchTo(u"zh_CN"_qs);
        QTRY_COMPARE_WITH_TIMEOUT(labelText(&window, "contactsTitle"), u"联系人"_qs, 5000);
        QCOMPARE(window.languageManager()->currentLanguage(), u"zh_CN"_qs);
        QCOMPARE(labelText(&window, "serverStatusLabel"), u"仅限本网络（未设置服务器）"_qs);
        QCOMPARE(sendButton->text(), u"发送文件…"_qs);
        QCOMPARE(cancel->text(), u"取消"_qs);
        QCOMPARE(window.windowTitle(), u"PunchDrop"_qs);
        // Dialogs opened now are Chinese too.
        SettingsDialog *dialog = openSettings(window);
        QVERIFY(dialog);
        QCOMPARE(dialog->windowTitle(), u"设置"_qs);
        QCOMPARE(labelText(dialog, "displayNameLabel"), u"你的名称："_qs);
        QCOMPARE(labelText(dialog, "languageLabel"), u"语言："_qs);
        dialog->reject();

        switchTo(u"zh_TW"_qs);
        QTRY_COMPARE_WITH_TIMEOUT(labelText(&window, "contactsTitle"), u"聯絡人"_qs, 5000);
        QCOMPARE(sendButton->text(), u"傳送檔案…"_qs);

        switchTo(u"en"_qs);
        QTRY_COMPARE_WITH_TIMEOUT(labelText(&window, "contactsTitle"), u"Contacts"_qs, 5000);
        QCOMPARE(labelText(&window, "serverStatusLabel"), u"This network only (no server set)"_qs);
        QCOMPARE(cancel->text(), u"Cancel"_qs);
        QCOMPARE(AppSettings::load(ConfigDir(config.path())).language, u"en"_qs);
    }

    void languageIsRestoredAtStart()
    {
        QTemporaryDir config;
        AppSettings settings = AppSettings::load(ConfigDir(config.path()));
        settings.language = u"zh_TW"_qs;
        QVERIFY(settings.save(ConfigDir(config.path())));
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        QCOMPARE(labelText(&window, "contactsTitle"), u"聯絡人"_qs);
    }

    void statusBarShowsServerNatAndDeviceId()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        // No server: no NAT check, and paths on this network are always direct.
        QVERIFY(window.findChild<QLabel *>(u"natTypeLabel"_qs)->isHidden());
        QVERIFY(labelText(&window, "deviceIdLabel").contains(SelfHeader::grouped(backend.self)));

        ServerStatus status;
        status.state = ServerStatus::State::Connecting;
        status.serverAddress = u"rv.example.org:7600"_qs;
        backend.setStatus(status);
        QCOMPARE(labelText(&window, "serverStatusLabel"), u"Connecting to rv.example.org:7600…"_qs);
        QCOMPARE(labelText(&window, "natTypeLabel"), u"Direct connections: not checked yet"_qs);
        QVERIFY(!window.findChild<QLabel *>(u"natTypeLabel"_qs)->isHidden());
        status.state = ServerStatus::State::Online;
        status.natType = u"cone (port-restricted)"_qs;
        backend.setStatus(status);
        QCOMPARE(labelText(&window, "serverStatusLabel"), u"Connected to rv.example.org:7600"_qs);
        // Plain words in the bar; the technical type and what it means in the tooltip.
        QCOMPARE(labelText(&window, "natTypeLabel"), u"Direct connections: likely"_qs);
        const QString natTip = window.findChild<QLabel *>(u"natTypeLabel"_qs)->toolTip();
        QVERIFY2(natTip.startsWith(u"NAT type: cone (port-restricted)\n"_qs), qPrintable(natTip));
        status.natType = u"symmetric"_qs;
        backend.setStatus(status);
        QCOMPARE(labelText(&window, "natTypeLabel"),
            u"Direct connections: unlikely — the server relays"_qs);
        // With IPv6 (the server took our address claim) the NAT matters only for IPv4 peers.
        status.ipv6 = u"[2001:db8:1::2]:40000"_qs;
        backend.setStatus(status);
        QCOMPARE(
            labelText(&window, "natTypeLabel"), u"Direct connections: likely with IPv6 devices"_qs);
        QVERIFY(window.findChild<QLabel *>(u"natTypeLabel"_qs)
                    ->toolTip()
                    .contains(u"IPv6: [2001:db8:1::2]:40000. Devices that have IPv6 too"_qs));
        status.ipv6.clear();
        status.natType = u"unknown"_qs;
        backend.setStatus(status);
        QCOMPARE(labelText(&window, "natTypeLabel"), u"Direct connections: unknown"_qs);
        status.state = ServerStatus::State::Offline;
        status.detail = u"reconnecting in 4 s: connection refused"_qs;
        backend.setStatus(status);
        QCOMPARE(labelText(&window, "serverStatusLabel"),
            u"Server unreachable: reconnecting in 4 s: connection refused"_qs);

        window.findChild<QAction *>(u"copyDeviceIdAction"_qs)->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), backend.self.toString());
    }

    void engineTextsFollowTheLanguage()
    {
        // The texts the engine makes for people (NAT types, lookup answers, refusals, connect
        // errors) go through the translator the app installs; without one (the CLI's case, and
        // the app in English) they are the English originals.
        QTemporaryDir config;
        QVERIFY(config.isValid());
        const QString file = config.filePath(u"hello.txt"_qs);
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.write("hello") == 5);
        }
        TestBackend backend;
        PeerInfo peer;
        peer.id = Test::deviceIdFor("laptop");
        peer.name = u"Laptop"_qs;
        peer.online = true;
        peer.natType = u"cone (full)"_qs;
        backend.setPeers({peer});
        MainWindow window(&backend, ConfigDir(config.path()));
        ServerStatus status;
        status.state = ServerStatus::State::Online;
        status.serverAddress = u"rv.example.org:7600"_qs;
        status.natType = u"symmetric"_qs;
        backend.setStatus(status);
        auto *contacts = window.findChild<ContactView *>();
        QVERIFY(contacts);
        const QModelIndex first = contacts->model()->index(0, 0);

        const auto natTip
            = [&] { return window.findChild<QLabel *>(u"natTypeLabel"_qs)->toolTip(); };
        QVERIFY(natTip().startsWith(u"NAT type: symmetric"_qs));
        const QString englishUnreachable = unreachableFailureLine(config.path(), file);
        QCOMPARE(englishUnreachable,
            u"<peer> is not reachable: no server is configured and it is not on the "
            u"local network"_qs);

        QVERIFY(window.languageManager()->setLanguage(u"zh_CN"_qs));
        QTRY_VERIFY_WITH_TIMEOUT(natTip().contains(u"对称型"_qs), 5000);
        QVERIFY(first.data(Qt::ToolTipRole).toString().contains(u"NAT 类型：锥形（完全）"_qs));
        QCOMPARE(
            NatType::fromString(u"cone (port-restricted)").displayName(), u"锥形（端口受限）"_qs);
        QVERIFY(NatType::fromString(u"symmetric").explanation().startsWith(u"对称型 NAT："_qs));
        QCOMPARE(PeerResolver(QString()).result().error, u"没有指定设备"_qs);
        QCOMPARE(
            SafePath::sanitize(u"../x"_qs).error, u"不安全的路径“../x”：包含“.”或“..”路径段"_qs);
        QCOMPARE(TransferFormat::pathBadge(PathKind::Relayed, NatType::displayName(u"symmetric")),
            u"中继（对称型）"_qs);
        QCOMPARE(unreachableFailureLine(config.path(), file),
            u"无法连接到 <peer>：没有配置服务器，且它不在局域网中"_qs);
        // The stable text that travels to the server and peers never changes.
        QCOMPARE(NatType::fromString(u"symmetric").toString(), u"symmetric"_qs);

        QVERIFY(window.languageManager()->setLanguage(u"zh_TW"_qs));
        QTRY_VERIFY_WITH_TIMEOUT(natTip().contains(u"對稱型"_qs), 5000);
        QCOMPARE(PeerResolver(QString()).result().error, u"沒有指定裝置"_qs);

        QVERIFY(window.languageManager()->setLanguage(u"en"_qs));
        QTRY_VERIFY_WITH_TIMEOUT(natTip().startsWith(u"NAT type: symmetric"_qs), 5000);
        QVERIFY(first.data(Qt::ToolTipRole).toString().contains(u"NAT type: cone (full)"_qs));
        QCOMPARE(NatType::fromString(u"cone (port-restricted)").displayName(),
            u"cone (port-restricted)"_qs);
        QCOMPARE(PeerResolver(QString()).result().error, u"no peer given"_qs);
        QCOMPARE(SafePath::sanitize(u"../x"_qs).error,
            u"unsafe path \"../x\": '.' or '..' component"_qs);
        QCOMPARE(unreachableFailureLine(config.path(), file), englishUnreachable);
    }

    void quittingWithActiveTransfersAsksFirst()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QSignalSpy quit(&window, &MainWindow::quitConfirmed);
        int asked = 0;
        bool answer = false;
        window.setQuitConfirmation([&](QWidget *, QuitPrompt::Reason reason, bool running) {
            ++asked;
            return reason == QuitPrompt::Reason::Quit && running && answer;
        });

        // Nothing running: no question.
        window.findChild<QAction *>(u"quitAction"_qs)->trigger();
        QCOMPARE(asked, 0);
        QCOMPARE(quit.size(), 1);

        // Running: the person says "keep running", then "quit anyway".
        backend.active = true;
        window.trayIcon()->quitAction()->trigger();
        QCOMPARE(asked, 1);
        QCOMPARE(quit.size(), 1);
        answer = true;
        window.findChild<QAction *>(u"quitAction"_qs)->trigger();
        QCOMPARE(asked, 2);
        QCOMPARE(quit.size(), 2);
    }

    void closingTheWindow()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy quit(&window, &MainWindow::quitConfirmed);
        QList<std::pair<QuitPrompt::Reason, bool>> asked;
        bool answer = false;
        window.setQuitConfirmation([&](QWidget *, QuitPrompt::Reason reason, bool running) {
            asked.append({reason, running});
            return answer;
        });
        bool trayThere = true;
        window.trayIcon()->setAvailabilityProbe([&] { return trayThere; });
        backend.active = true;
        // To the tray: the window hides, the app (and the transfer) keeps running.
        QVERIFY(!window.close());
        QVERIFY(window.isHidden());
        QCOMPARE(quit.size(), 0);
        QVERIFY(asked.isEmpty());
        window.toggleVisible();
        QVERIFY(window.isVisible());

        // No tray: closing quits, which also stops receiving, so it asks every time, with or
        // without transfers; "Keep running" keeps the window.
        trayThere = false;
        window.trayIcon()->setAvailabilityProbe([&] { return trayThere; });
        QVERIFY(!window.close());
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.last(), std::make_pair(QuitPrompt::Reason::CloseWithoutTray, true));
        QVERIFY(window.isVisible());
        backend.active = false;
        QVERIFY(!window.close());
        QCOMPARE(asked.size(), 2);
        QCOMPARE(asked.last(), std::make_pair(QuitPrompt::Reason::CloseWithoutTray, false));
        QVERIFY(window.isVisible());
        QCOMPARE(quit.size(), 0);
        answer = true;
        QVERIFY(window.close());
        QCOMPARE(quit.size(), 1);
    }

    void selectionSurvivesListChangesAndEnterSends()
    {
        QTemporaryDir config;
        TestBackend backend;
        backend.setPeers({Test::peer("laptop", PeerInfo::Source::Lan, true),
            Test::peer("studio", PeerInfo::Source::Server, true)});
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ContactView *view = window.contactView();
        const auto rowOf = [&](const char *name) {
            return window.contactModel()->index(
                window.contactModel()->rowOf(Test::deviceIdFor(name)));
        };
        view->setCurrentIndex(rowOf("studio"));
        auto *send = window.findChild<QPushButton *>(u"sendFilesButton"_qs);
        QVERIFY(send->isEnabled());

        // A device appears and one leaves: the list is rebuilt, the choice stays.
        backend.setPeers({Test::peer("phone", PeerInfo::Source::Lan, true),
            Test::peer("studio", PeerInfo::Source::Server, true)});
        QVERIFY(view->currentIndex().isValid());
        QCOMPARE(view->currentIndex().data(ContactListModel::PeerRole).value<DeviceId>(),
            Test::deviceIdFor("studio"));
        QVERIFY(send->isEnabled());

        // Enter on the contact sends the files that wait.
        const QString file = config.filePath(u"notes.txt"_qs);
        QVERIFY(Test::writeFile(file, "notes"));
        window.activateWithFiles({file});
        view->setFocus();
        QTest::keyClick(view, Qt::Key_Return);
        QCOMPARE(backend.sent.size(), 1);
        QCOMPARE(backend.sent.first().first, Test::deviceIdFor("studio"));
        QCOMPARE(backend.sent.first().second, QStringList {file});
    }

    void dropAnywhereGoesToTheSelectedContact()
    {
        QTemporaryDir config;
        TestBackend backend;
        backend.setPeers({Test::peer("studio", PeerInfo::Source::Server, true)});
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QString file = config.filePath(u"photo.jpg"_qs);
        QVERIFY(Test::writeFile(file, "jpg"));
        // On the transfer list, far from any contact row.
        QWidget *target = window.transferPanel()->view()->viewport();
        const auto drop = [&] { return Test::dropFiles(target, target->rect().center(), {file}); };
        // No contact chosen: the files wait for one.
        window.contactView()->selectionModel()->clearCurrentIndex();
        QVERIFY(drop());
        QVERIFY(backend.sent.isEmpty());
        QCOMPARE(window.pendingFiles()->paths(), QStringList {file});
        window.pendingFiles()->setPaths({});
        // With a contact selected they go to it.
        window.contactView()->setCurrentIndex(window.contactModel()->index(0));
        QVERIFY(drop());
        QCOMPARE(backend.sent.size(), 1);
        QCOMPARE(backend.sent.first().first, Test::deviceIdFor("studio"));
        QCOMPARE(backend.sent.first().second, QStringList {file});
    }

    void quitPromptDefaultsToKeepRunning()
    {
        for (const auto reason : {QuitPrompt::Reason::Quit, QuitPrompt::Reason::CloseWithoutTray}) {
            for (const bool running : {true, false}) {
                const auto box = QuitPrompt::create(nullptr, reason, running);
                QVERIFY(box->defaultButton());
                QCOMPARE(box->defaultButton()->objectName(), u"keepRunningButton"_qs);
                QCOMPARE(box->defaultButton()->text(), u"Keep running"_qs);
                QCOMPARE(box->escapeButton(), box->defaultButton());
            }
        }
    }

    void findingADeviceAsksTheBackendAndSelectsIt()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // The action opens a dialog; what is typed there goes to the backend.
        window.findChild<QAction *>(u"findDeviceAction"_qs)->trigger();
        QInputDialog *dialog = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] {
                dialog = window.findChild<QInputDialog *>(u"findDeviceDialog"_qs);
                return dialog && dialog->isVisible();
            },
            5000));
        dialog->setTextValue(u"  bob  "_qs);
        dialog->accept();
        QCOMPARE(backend.lookups, QStringList {u"bob"_qs});

        // Found: the backend has added bob to its peers before answering; he gets selected.
        const PeerInfo bob = Test::peer("bob", PeerInfo::Source::Server, true);
        backend.setPeers({Test::peer("alice", PeerInfo::Source::Lan, true), bob});
        backend.answerLookup(u"bob"_qs, bob.id, {});
        QCOMPARE(
            window.contactView()->currentIndex().data(ContactListModel::PeerRole).value<DeviceId>(),
            bob.id);
        QVERIFY(window.findChild<QAction *>(u"sendFilesAction"_qs)->isEnabled());
        QVERIFY2(window.statusBar()->currentMessage().contains(u"bob"_qs),
            qPrintable(window.statusBar()->currentMessage()));

        // Not found: the reason is shown, the selection stays.
        window.findDevice(u"nobody"_qs);
        QCOMPARE(backend.lookups.last(), u"nobody"_qs);
        backend.answerLookup(u"nobody"_qs, {}, u"no online device matches \"nobody\""_qs);
        QMessageBox *box = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] {
                box = window.findChild<QMessageBox *>(u"findDeviceResult"_qs);
                return box && box->isVisible();
            },
            5000));
        QVERIFY2(box->informativeText().contains(u"no online device matches"_qs),
            qPrintable(box->informativeText()));
        box->close();
        QCOMPARE(
            window.contactView()->currentIndex().data(ContactListModel::PeerRole).value<DeviceId>(),
            bob.id);

        // An answer nobody asked for (another window, a late reply) changes nothing.
        backend.answerLookup(u"carol"_qs, Test::deviceIdFor("carol"), {});
        QCOMPARE(
            window.contactView()->currentIndex().data(ContactListModel::PeerRole).value<DeviceId>(),
            bob.id);
    }

    void findingAListedDeviceByTheStartOfItsName()
    {
        QTemporaryDir config;
        TestBackend backend;
        backend.setPeers({Test::peer("Studio-Mac", PeerInfo::Source::Lan, true),
            Test::peer("laptop", PeerInfo::Source::Server, true),
            Test::peer("lab", PeerInfo::Source::Server, true)});
        MainWindow window(&backend, ConfigDir(config.path()));
        const auto selected = [&] {
            return window.contactView()
                ->currentIndex()
                .data(ContactListModel::PeerRole)
                .value<DeviceId>();
        };
        // A real button, labelled, that opens the Find dialog.
        auto *button = window.findChild<QPushButton *>(u"findDeviceButton"_qs);
        QVERIFY(button);
        QCOMPARE(button->text(), u"Find a device…"_qs);

        // The start of a name, in any case: selected at once, no server asked.
        window.findDevice(u"stu"_qs);
        QCOMPARE(selected(), Test::deviceIdFor("Studio-Mac"));
        window.findDevice(u"LAPTOP"_qs);
        QCOMPARE(selected(), Test::deviceIdFor("laptop"));
        QVERIFY(backend.lookups.isEmpty());
        // Two names start with "la": not a guess, the engine's lookup decides.
        window.findDevice(u"la"_qs);
        QCOMPARE(backend.lookups, QStringList {u"la"_qs});
        QCOMPARE(selected(), Test::deviceIdFor("laptop"));
    }

    void headerSaysWhoThisDeviceIs()
    {
        QTemporaryDir config;
        AppSettings settings = AppSettings::load(ConfigDir(config.path()));
        settings.displayName = u"Mei's laptop"_qs;
        QVERIFY(settings.save(ConfigDir(config.path())));
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        auto *name = window.findChild<QLabel *>(u"selfNameLabel"_qs);
        QVERIFY(name && name->isVisible());
        QCOMPARE(name->text(), u"You are Mei's laptop"_qs);
        QCOMPARE(labelText(&window, "deviceIdLabel"),
            u"Device ID: %1"_qs.arg(SelfHeader::grouped(backend.self)));
        // Grouped for reading; what a person copies from it still parses as the same ID.
        QCOMPARE(DeviceId::fromString(SelfHeader::grouped(backend.self)), backend.self);
        QTest::mouseClick(
            window.findChild<QToolButton *>(u"copyDeviceIdButton"_qs), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(), backend.self.toString());
        // Renamed in Settings: the header follows.
        settings.displayName = u"Studio"_qs;
        window.applySettings(settings);
        QCOMPARE(name->text(), u"You are Studio"_qs);
        QVERIFY(window.languageManager()->setLanguage(u"zh_CN"_qs));
        QTRY_VERIFY_WITH_TIMEOUT(name->text() != u"You are Studio"_qs, 5000);
        QVERIFY(name->text().contains(u"Studio"_qs));
        QVERIFY(window.languageManager()->setLanguage(u"en"_qs));
    }

    void trayMenuTogglesTheWindow()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.trayIcon()->setAvailabilityProbe([] { return true; }); // the menu is a tray's
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QAction *toggle = window.trayIcon()->toggleWindowAction();
        QCOMPARE(toggle->text(), u"Hide window"_qs);
        toggle->trigger();
        QVERIFY(window.isHidden());
        QCOMPARE(toggle->text(), u"Show window"_qs);
        toggle->trigger();
        QVERIFY(window.isVisible());
        QCOMPARE(toggle->text(), u"Hide window"_qs);
        QVERIFY(window.trayIcon()->menu()->actions().contains(window.trayIcon()->quitAction()));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
