// SPDX-License-Identifier: GPL-3.0-or-later
// The window cannot be lost (issue 18 point 2): a second launch of the real binary raises the
// running window and hands it its files (the send flow then sends them to the chosen contact);
// a tray that appears after the start gets the icon; a tray that goes away brings the hidden
// window back.

#include "testbackend.h"

#include "support/testhelpers.h"

#include "gui/contactview.h"
#include "gui/fileopenevents.h"
#include "gui/instancechannel.h"
#include "gui/mainwindow.h"
#include "gui/pendingfilesbar.h"
#include "gui/trayicon.h"

#include "core/instancelock.h"

#include <QFileOpenEvent>
#include <QLabel>
#include <QLocalSocket>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using namespace PunchDrop::Test;
using namespace std::chrono_literals;

namespace {

//! The Exec= value of [\a group] in the desktop entry file \a path (empty when missing).
QString desktopExec(const QString &path, const QString &group)
{
    const QString text = QString::fromUtf8(readFile(path));
    QString current;
    for (const QString &line : text.split(u'\n')) {
        if (line.startsWith(u'['))
            current = line.trimmed();
        else if (current == u'[' + group + u']' && line.startsWith(u"Exec="_qs))
            return line.mid(5).trimmed();
    }
    return {};
}

/*!
 * \a exec as a file manager runs it for \a files (Desktop Entry spec field codes: %F all files,
 * %f one file; the rest literal), with --config-dir \a configDir after the program so the test
 * stays in its own directory.
 */
QStringList expandExec(const QString &exec, const QStringList &files, const QString &configDir)
{
    const QStringList tokens = exec.split(u' ', Qt::SkipEmptyParts);
    QStringList arguments {u"--config-dir"_qs, configDir};
    for (const QString &token : tokens.mid(1)) {
        if (token == u"%F")
            arguments << files;
        else if (token == u"%f")
            arguments << files.constFirst();
        else
            arguments << token;
    }
    return arguments;
}

} // namespace

class TestWindowLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void secondLaunchRaisesTheWindowWithItsFiles()
    {
        QVERIFY2(!punchdropBinary().isEmpty(), "PUNCHDROP_BINARY is not set (use ctest)");
        QTemporaryDir config;
        QTemporaryDir outbox;
        QString error;
        // This process is the running app: it holds the lock and listens, like runGui().
        const auto lock = InstanceLock::acquire(ConfigDir(config.path()), &error);
        QVERIFY2(lock, qPrintable(error));
        TestBackend backend;
        backend.setPeers({peer("laptop", PeerInfo::Source::Lan, true)});
        MainWindow window(&backend, ConfigDir(config.path()));
        InstanceChannel channel(ConfigDir(config.path()));
        QVERIFY2(channel.listen(&error), qPrintable(error));
        connect(&channel, &InstanceChannel::activationRequested, &window,
            &MainWindow::activateWithFiles);
        QVERIFY(!window.isVisible()); // hidden, as in the tray

        const QString file = outbox.filePath(u"report.pdf"_qs);
        QVERIFY(writeFile(file, "pdf"));
        const ProcessResult second = runPunchdrop({u"--config-dir"_qs, config.path(), file}, 30000);
        QVERIFY2(second.finished, "the second launch did not end (it should hand over and exit)");
        QCOMPARE(second.exitCode, 0);
        QVERIFY(window.isVisible());
        QCOMPARE(window.pendingFiles()->paths(), QStringList {file});
        QVERIFY(window.pendingFiles()->isVisible());
        QVERIFY(
            window.findChild<QLabel *>(u"pendingFilesText"_qs)->text().contains(u"report.pdf"_qs));

        // Choosing the contact and Send sends them (no file dialog while files wait).
        window.contactView()->setCurrentIndex(window.contactView()->model()->index(0, 0));
        auto *send = window.findChild<QPushButton *>(u"sendFilesButton"_qs);
        QVERIFY(send->isEnabled());
        QTest::mouseClick(send, Qt::LeftButton);
        QCOMPARE(backend.sent.size(), 1);
        QCOMPARE(backend.sent.first().first, deviceIdFor("laptop"));
        QCOMPARE(backend.sent.first().second, QStringList {file});
        QVERIFY(window.pendingFiles()->paths().isEmpty());
        QVERIFY(!window.pendingFiles()->isVisible());

        // A second launch without files only raises the window.
        window.hide();
        const ProcessResult plain = runPunchdrop({u"--config-dir"_qs, config.path()}, 30000);
        QVERIFY(plain.finished);
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(window.isVisible());
        QVERIFY(window.pendingFiles()->paths().isEmpty());
    }

    void fileManagerEntriesHandOverTheirFiles_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("group");
        // "Open with PunchDrop" (any file manager) and Dolphin's "Send to PunchDrop".
        QTest::newRow("application entry")
            << u"org.punchdrop.PunchDrop.desktop"_qs << u"Desktop Entry"_qs;
        QTest::newRow("dolphin service menu")
            << u"org.punchdrop.PunchDrop.send.desktop"_qs << u"Desktop Action sendToPunchDrop"_qs;
    }

    void fileManagerEntriesHandOverTheirFiles()
    {
        QFETCH(QString, file);
        QFETCH(QString, group);
        QVERIFY2(!punchdropBinary().isEmpty(), "PUNCHDROP_BINARY is not set (use ctest)");
        const QString exec
            = desktopExec(QStringLiteral(PUNCHDROP_SOURCE_DIR "/installer/linux/") + file, group);
        QVERIFY2(exec.startsWith(u"punchdrop "_qs), qPrintable(exec));
        QTemporaryDir config;
        QTemporaryDir outbox;
        QString error;
        const auto lock = InstanceLock::acquire(ConfigDir(config.path()), &error);
        QVERIFY2(lock, qPrintable(error));
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        InstanceChannel channel(ConfigDir(config.path()));
        QVERIFY2(channel.listen(&error), qPrintable(error));
        connect(&channel, &InstanceChannel::activationRequested, &window,
            &MainWindow::activateWithFiles);
        const QStringList files {outbox.filePath(u"a.txt"_qs), outbox.filePath(u"b c.txt"_qs)};
        for (const QString &f : files)
            QVERIFY(writeFile(f, "x"));

        // What the file manager runs for two selected files (the program is the built one).
        const ProcessResult launched = runPunchdrop(expandExec(exec, files, config.path()), 30000);
        QVERIFY2(launched.finished, "the launch did not hand over and exit");
        QCOMPARE(launched.exitCode, 0);
        QVERIFY(window.isVisible());
        QCOMPARE(window.pendingFiles()->paths(), files);
    }

    void finderOpenWithHandsOverTheFiles()
    {
        // macOS: Finder's "Open With → PunchDrop" and drops on the Dock icon are offered by the
        // bundle's document types and arrive as one QFileOpenEvent per file. Finder cannot run
        // here; the plist is checked, and the events are posted the way Qt's Cocoa plugin does.
        QFile plist(QStringLiteral(PUNCHDROP_SOURCE_DIR "/installer/macos/Info.plist.in"));
        QVERIFY(plist.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&plist);
        QStringList texts; // keys and strings in document order
        while (!xml.atEnd())
            if (xml.readNext() == QXmlStreamReader::Characters && !xml.isWhitespace())
                texts << xml.text().toString();
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        const qsizetype types = texts.indexOf(u"CFBundleDocumentTypes"_qs);
        QVERIFY(types >= 0);
        const QStringList declared = texts.mid(types, 10);
        for (const QString &expected :
            {u"Viewer"_qs, u"LSHandlerRank"_qs, u"Alternate"_qs, u"public.item"_qs})
            QVERIFY2(declared.contains(expected), qPrintable(declared.join(u", "_qs)));

        TestBackend backend;
        QTemporaryDir config;
        QTemporaryDir outbox;
        MainWindow window(&backend, ConfigDir(config.path()));
        FileOpenEvents opens;
        connect(&opens, &FileOpenEvents::filesOpened, &window, &MainWindow::activateWithFiles);
        QSignalSpy opened(&opens, &FileOpenEvents::filesOpened);
        const QStringList files {outbox.filePath(u"photo.jpg"_qs), outbox.filePath(u"notes"_qs)};
        QVERIFY(writeFile(files.at(0), "jpg"));
        QVERIFY(QDir(outbox.path()).mkdir(u"notes"_qs));
        QVERIFY(!window.isVisible());
        // Two files in one burst, one of them twice, and a URL that is not a file.
        QCoreApplication::postEvent(qApp, new QFileOpenEvent(files.at(0)));
        QCoreApplication::postEvent(qApp, new QFileOpenEvent(QUrl::fromLocalFile(files.at(1))));
        QCoreApplication::postEvent(qApp, new QFileOpenEvent(files.at(0)));
        QCoreApplication::postEvent(qApp, new QFileOpenEvent(QUrl(u"https://example.org/x"_qs)));
        QVERIFY(opened.wait(3000));
        QCOMPARE(opened.size(), 1); // one hand-over for the burst
        QCOMPARE(window.pendingFiles()->paths(), files);
        QVERIFY(window.isVisible());
        QVERIFY(window.pendingFiles()->isVisible());
    }

    void channelDropsMalformedMessages()
    {
        QTemporaryDir config;
        QString error;
        InstanceChannel channel(ConfigDir(config.path()));
        QVERIFY2(channel.listen(&error), qPrintable(error));
        QSignalSpy activations(&channel, &InstanceChannel::activationRequested);
        for (const QByteArray &bytes : {QByteArray("not json\n"), QByteArray("{\"paths\":[]}\n"),
                 QByteArray("{\"activate\":true,\"paths\":[\"relative/path\"]}\n"),
                 QByteArray(InstanceChannel::kMaxMessageBytes + 10, 'x')}) {
            QLocalSocket socket;
            socket.connectToServer(InstanceChannel::serverName(ConfigDir(config.path())));
            QVERIFY(socket.waitForConnected(5000));
            socket.write(bytes);
            // Every message ends the connection: answered, or dropped.
            QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QLocalSocket::UnconnectedState, 5000);
        }
        // Only the well-formed one (with its relative path dropped) activated the window.
        QCOMPARE(activations.size(), 1);
        QVERIFY(activations.first().first().toStringList().isEmpty());
    }

    void trayAppearingLaterGetsTheIcon()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        TrayIcon *tray = window.trayIcon();
        bool trayThere = false;
        tray->setWatchInterval(20ms);
        tray->setAvailabilityProbe([&] { return trayThere; });
        window.show();
        QVERIFY(!tray->isShown());

        // The panel starts after the app: the icon appears without a restart.
        trayThere = true;
        QTRY_VERIFY_WITH_TIMEOUT(tray->isShown(), 5000);
        QVERIFY(!window.close()); // now closing keeps it in the tray
        QVERIFY(window.isHidden());

        // The tray goes away while the window hides in it: the window comes back.
        trayThere = false;
        QTRY_VERIFY_WITH_TIMEOUT(window.isVisible(), 5000);
        QVERIFY(!tray->isShown());
    }
};

QTEST_MAIN(TestWindowLifecycle)
#include "tst_windowlifecycle.moc"
