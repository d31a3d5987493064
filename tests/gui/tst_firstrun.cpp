// SPDX-License-Identifier: GPL-3.0-or-later
// The first start explains itself (issue 18 point 4): a panel says who this device is to
// others, that the same network needs nothing, that anywhere else needs a server both sides use
// (there is none by default) and how to get one; it opens the settings, and "Got it" hides it
// for good, also across a restart and later trips through the settings dialog. "Run a server" is
// a link to the installation guide when the package installed it.

#include "guitestutil.h"
#include "testbackend.h"

#include "gui/appsettings.h"
#include "gui/mainwindow.h"
#include "gui/settingsdialog.h"
#include "gui/welcomepanel.h"

#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QScreen>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using Test::TestBackend;

namespace {

void click(QWidget *parent, const QString &name)
{
    auto *button = parent->findChild<QPushButton *>(name);
    QVERIFY2(button && button->isVisible(), qPrintable(name));
    QTest::mouseClick(button, Qt::LeftButton);
}

} // namespace

class TestFirstRun : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstStartExplainsItself()
    {
        QTemporaryDir config;
        const ConfigDir configDir(config.path());
        {
            TestBackend backend;
            MainWindow window(&backend, configDir);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            // The first window fits the screen (the offscreen screen is 800×600, like a small
            // screen at 2× scale), welcome panel included.
            const QRect screen = window.screen()->availableGeometry();
            QVERIFY2(window.frameGeometry().width() <= screen.width()
                    && window.frameGeometry().height() <= screen.height(),
                qPrintable(u"%1×%2 on %3×%4"_qs.arg(window.frameGeometry().width())
                               .arg(window.frameGeometry().height())
                               .arg(screen.width())
                               .arg(screen.height())));
            WelcomePanel *welcome = window.welcomePanel();
            QVERIFY(welcome->isVisible());
            const QString text = welcome->text();
            QVERIFY2(
                text.contains(u"“%1”"_qs.arg(window.settings().displayName)), qPrintable(text));
            QVERIFY2(text.contains(u"no default server"_qs), qPrintable(text));
            QVERIFY2(text.contains(u"punchdrop --server"_qs), qPrintable(text));
            QVERIFY2(text.contains(u"verification code"_qs), qPrintable(text));

            // "Open Settings…" is the way to the name and the server.
            click(welcome, u"welcomeSettingsButton"_qs);
            SettingsDialog *dialog = Test::visibleSettings(window);
            QVERIFY(dialog);
            AppSettings withServer = dialog->settings();
            withServer.serverAddress = u"rv.example.org:7600"_qs;
            withServer.displayName = u"Mei's laptop"_qs;
            dialog->reject();
            window.applySettings(withServer);
            QVERIFY2(welcome->text().contains(u"Server: rv.example.org:7600."_qs),
                qPrintable(welcome->text()));
            QVERIFY(welcome->text().contains(u"“Mei's laptop”"_qs));

            click(welcome, u"welcomeDismissButton"_qs);
            QVERIFY(!welcome->isVisible());
            QVERIFY(backend.applied.last().welcomeDone);

            // Settings changed later through the dialog keep it dismissed.
            window.showSettings();
            dialog = Test::visibleSettings(window);
            QVERIFY(dialog);
            click(dialog, u"settingsOkButton"_qs);
            QTRY_VERIFY(!dialog->isVisible());
            QVERIFY(!welcome->isVisible());
        }
        QVERIFY(AppSettings::load(configDir).welcomeDone);
        TestBackend backend;
        MainWindow window(&backend, configDir);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(!window.welcomePanel()->isVisible());
    }
    void lanLineFollowsTheSetting()
    {
        WelcomePanel panel;
        auto *lan = panel.findChild<QLabel *>(u"welcomeLan"_qs);
        QVERIFY(lan);
        panel.setState(u"Mei"_qs, {}, true);
        QVERIFY2(
            lan->text().contains(u"appear on the left by themselves"_qs), qPrintable(lan->text()));
        // With LAN discovery off, the panel must not promise that devices appear by themselves.
        panel.setState(u"Mei"_qs, {}, false);
        QVERIFY2(!lan->text().contains(u"by themselves"_qs), qPrintable(lan->text()));
        QVERIFY2(lan->text().contains(u"is off"_qs), qPrintable(lan->text()));
    }
    void serverGuideIsALinkWhenInstalled()
    {
        WelcomePanel panel;
        panel.setState(u"Mei"_qs, {});
        auto *label = panel.findChild<QLabel *>(u"welcomeServer"_qs);
        QVERIFY(label);
        // No guide installed next to the test program: the words stay, without a link.
        QVERIFY(WelcomePanel::installedServerGuide().isEmpty());
        QVERIFY(panel.serverGuide().isEmpty());
        QCOMPARE(label->textFormat(), Qt::PlainText);
        QVERIFY2(label->text().contains(u"see \"Run a server\" in the installation guide"_qs),
            qPrintable(label->text()));

        // Installed (the .deb puts docs/install.md in /usr/share/doc/punchdrop): a link the
        // label opens in the desktop's viewer.
        QTemporaryDir docs;
        QFile guideFile(docs.filePath(u"install.md"_qs));
        QVERIFY(guideFile.open(QIODevice::WriteOnly));
        guideFile.write("## Run a server\n");
        guideFile.close();
        const QUrl guide = QUrl::fromLocalFile(guideFile.fileName());
        panel.setServerGuide(guide);
        QCOMPARE(label->textFormat(), Qt::RichText);
        QVERIFY(label->openExternalLinks());
        QVERIFY2(label->text().contains(
                     u"see \"<a href=\"%1\">Run a server</a>\""_qs.arg(guide.toString())),
            qPrintable(label->text()));
        QVERIFY(!panel.text().contains(u"&lt;"_qs));

        // With a server set there is no link, and its address is shown as typed, never as HTML.
        panel.setState(u"Mei"_qs, u"<b>rv</b>.example.org:7600"_qs);
        QCOMPARE(label->textFormat(), Qt::PlainText);
        QVERIFY(label->text().contains(u"Server: <b>rv</b>.example.org:7600."_qs));
    }
};

QTEST_MAIN(TestFirstRun)
#include "tst_firstrun.moc"
