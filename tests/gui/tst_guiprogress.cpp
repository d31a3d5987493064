// SPDX-License-Identifier: GPL-3.0-or-later
// Honest progress (issue 18 point 3), through the desktop app on the real engine against an
// in-process rendezvous server: a row the moment files are dropped, a human sentence with a
// remedy when the peer does not answer, no row for an offer that never arrived, "Stalled" when
// the receiver (a real `punchdrop receive` process) stops, and "Resumed at N %" when the retry
// continues what it kept. No row ever shows the receiver's paths or part-file names.

#include "guitestutil.h"

#include "support/rawcontrolclient.h"
#include "support/testhelpers.h"
#include "support/testserver.h"

#include "gui/appsettings.h"
#include "gui/contactlistmodel.h"
#include "gui/contactview.h"
#include "gui/enginebackend.h"
#include "gui/mainwindow.h"
#include "gui/transferlistmodel.h"
#include "gui/transferpanel.h"

#include "net/security/deviceidentity.h"
#include "transfer/transferengine.h"

#include <QDir>
#include <QListView>
#include <QMimeData>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>

#ifdef Q_OS_UNIX
#include <csignal>
#endif

#include <optional>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using namespace std::chrono_literals;

namespace {

QString rowText(const QModelIndex &index)
{
    return index.data(TransferListModel::ProgressTextRole).toString();
}

} // namespace

class TestGuiProgress : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_root;
    Test::TestServer m_server;
    std::unique_ptr<EngineBackend> m_backend;
    std::unique_ptr<MainWindow> m_window;

    QString dir(const QString &name) const
    {
        const QString path = m_root.filePath(name);
        QDir().mkpath(path);
        return path;
    }

    QModelIndex contactRow(const DeviceId &id)
    {
        return Test::onlineContact(m_window->contactModel(), id);
    }

    //! Every row's visible texts: none may carry the other side's paths or part-file names.
    void verifyNoRemoteDetails(const QString &remoteDir)
    {
        TransferListModel *model = m_window->transferModel();
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row);
            for (const QString &text : {index.data().toString(), rowText(index)}) {
                QVERIFY2(!text.contains(remoteDir), qPrintable(text));
                QVERIFY2(!text.contains(u".pdpart"_qs), qPrintable(text));
            }
        }
    }

    //! `punchdrop receive` in \a configDir, saving into \a downloadDir, started and online.
    std::unique_ptr<QProcess> startReceiver(const QString &configDir, const QString &downloadDir)
    {
        auto process = std::make_unique<QProcess>();
        process->setProcessChannelMode(QProcess::SeparateChannels);
        process->start(Test::punchdropBinary(),
            {u"receive"_qs, u"--server"_qs, m_server.address(), u"--config-dir"_qs, configDir,
                u"--name"_qs, u"Sink"_qs, u"--dir"_qs, downloadDir, u"--yes"_qs, u"--json"_qs,
                u"--timeout"_qs, u"100"_qs});
        if (!process->waitForStarted(10000))
            return nullptr;
        return process;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_root.isValid());
        QVERIFY2(!Test::punchdropBinary().isEmpty(), "PUNCHDROP_BINARY is not set (use ctest)");
        QString error;
        QVERIFY2(m_server.start(Test::loopbackServerConfig(), &error), qPrintable(error));

        const ConfigDir appDir(dir(u"app"_qs));
        AppSettings settings = AppSettings::load(appDir);
        settings.displayName = u"Mei"_qs;
        settings.serverAddress = m_server.address();
        settings.downloadDir = dir(u"app-downloads"_qs);
        QVERIFY(settings.save(appDir));
        const auto identity = DeviceIdentity::loadOrCreate(appDir, &error);
        QVERIFY2(identity, qPrintable(error));
        m_backend = std::make_unique<EngineBackend>(*identity, appDir, AppSettings::load(appDir));
        m_backend->setEngineTuning([](EngineConfig &config) {
            config.lan = false; // other processes on this machine must not show up
            // A peer that never answers is given up on in seconds, not the relay's 25 s.
            config.timings.punch.deadline = 1500ms;
            config.timings.relayJoinTimeout = 2500ms;
        });
        QVERIFY2(m_backend->start(&error), qPrintable(error));
        m_window = std::make_unique<MainWindow>(m_backend.get(), appDir);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QTRY_COMPARE_WITH_TIMEOUT(
            m_backend->serverStatus().state, ServerStatus::State::Online, 15000);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_backend.reset();
        m_server.stop();
    }

    void dropShowsARowAtOnceAndSaysWhoIsNotAnswering()
    {
        // Online at the server, but nothing behind it answers a connection.
        Test::RawControlClient ghost(
            m_server.port(), Test::ephemeralIdentity(), QString(), u"Ghost"_qs);
        QVERIFY(ghost.registerWith());
        const QModelIndex contact = contactRow(ghost.id());
        QVERIFY(contact.isValid());
        const QString file = dir(u"outbox"_qs) + u"/to-ghost.txt"_qs;
        QVERIFY(Test::writeFile(file, "hello"));

        TransferListModel *transfers = m_window->transferModel();
        const int before = transfers->rowCount();
        QVERIFY(Test::dropFiles(m_window->contactView()->viewport(),
            m_window->contactView()->visualRect(contact).center(), {file}));
        // The row is there when the drop returns, while the engine still looks for a path.
        QCOMPARE(transfers->rowCount(), before + 1);
        QCOMPARE(transfers->snapshotAt(0).state, TransferSnapshot::State::Connecting);
        QCOMPARE(rowText(transfers->index(0)), u"Connecting to Ghost…"_qs);

        QTRY_VERIFY_WITH_TIMEOUT(transfers->snapshotAt(0).isFinished(), 30000);
        const TransferSnapshot failed = transfers->snapshotAt(0);
        QCOMPARE(failed.state, TransferSnapshot::State::Failed);
        QCOMPARE(
            rowText(transfers->index(0)), u"Ghost isn't answering — is PunchDrop open there?"_qs);
        // The engine's words stay available, in the tooltip.
        QVERIFY2(transfers->index(0)
                     .data(Qt::ToolTipRole)
                     .toString()
                     .contains(failed.error.toHtmlEscaped()),
            qPrintable(transfers->index(0).data(Qt::ToolTipRole).toString()));
    }

    void anOfferThatNeverArrivedGetsNoRow()
    {
        // A device asks the server to connect to the app, then never shows up: the app answers,
        // gives up, and there was never an offer to show.
        Test::RawControlClient ghost(
            m_server.port(), Test::ephemeralIdentity(), QString(), u"Phantom"_qs);
        QVERIFY(ghost.registerWith());
        QVERIFY(contactRow(ghost.id()).isValid());
        TransferListModel *transfers = m_window->transferModel();
        const int before = transfers->rowCount();
        QSignalSpy finished(m_backend->engine(), &TransferEngine::transferFinished);
        Control::Connect connect;
        connect.requestId = 7;
        connect.target = m_backend->selfId();
        ghost.send(connect);
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(transfers->rowCount(), before);
    }

    void stallShowsAndARetrySaysWhereItResumed()
    {
#ifndef Q_OS_UNIX
        QSKIP("stops the receiver with SIGSTOP");
#else
        const QString sinkConfig = dir(u"sink"_qs);
        const QString sinkDownloads = dir(u"sink-downloads"_qs);
        std::unique_ptr<QProcess> sink = startReceiver(sinkConfig, sinkDownloads);
        QVERIFY(sink);
        const auto guard = qScopeGuard([&] {
            if (sink) {
                ::kill(pid_t(sink->processId()), SIGKILL);
                sink->waitForFinished(5000);
            }
        });
        // Its ID, from the identity the receiver created in its config directory.
        QString error;
        std::optional<DeviceIdentity> sinkIdentity;
        QTRY_VERIFY_WITH_TIMEOUT(
            (sinkIdentity = DeviceIdentity::loadOrCreate(ConfigDir(sinkConfig), &error)), 10000);
        const QModelIndex contact = contactRow(sinkIdentity->id());
        QVERIFY(contact.isValid());

        const QString file = dir(u"outbox"_qs) + u"/big.bin"_qs;
        QVERIFY(Test::writeFile(file, Test::randomBytes(128 * 1024 * 1024, 18)));
        TransferListModel *transfers = m_window->transferModel();
        transfers->setStallThreshold(1500ms);
        // Stopped as soon as its part file holds a few MiB (something to resume): the sender
        // then fills the socket buffers and nothing moves any more.
        QTimer watch;
        watch.setInterval(2ms);
        QObject::connect(&watch, &QTimer::timeout, &watch, [&] {
            const QFileInfoList parts
                = QDir(sinkDownloads).entryInfoList({u"*.pdpart"_qs}, QDir::Files | QDir::Hidden);
            if (!parts.isEmpty() && parts.constFirst().size() >= 4 * 1024 * 1024) {
                ::kill(pid_t(sink->processId()), SIGSTOP);
                watch.stop();
            }
        });
        watch.start();
        QVERIFY(Test::dropFiles(m_window->contactView()->viewport(),
            m_window->contactView()->visualRect(contact).center(), {file}));
        const QModelIndex row = transfers->index(0);
        QTRY_VERIFY_WITH_TIMEOUT(row.data(TransferListModel::StalledRole).toBool(), 30000);
        QCOMPARE(transfers->snapshotAt(0).state, TransferSnapshot::State::Transferring);
        QVERIFY2(rowText(row).startsWith(u"Stalled — no data for"_qs), qPrintable(rowText(row)));

        // The receiver dies; what it wrote stays as a part file. The row says what happened.
        sink->disconnect();
        ::kill(pid_t(sink->processId()), SIGKILL);
        QVERIFY(sink->waitForFinished(10000));
        QTRY_VERIFY_WITH_TIMEOUT(transfers->snapshotAt(0).isFinished(), 30000);
        QCOMPARE(transfers->snapshotAt(0).state, TransferSnapshot::State::Failed);
        QVERIFY(!row.data(TransferListModel::StalledRole).toBool());
        verifyNoRemoteDetails(sinkDownloads);

        // Back online, the retry continues from what the receiver kept, and says so.
        sink = startReceiver(sinkConfig, sinkDownloads);
        QVERIFY(sink);
        QVERIFY(contactRow(sinkIdentity->id()).isValid());
        m_window->transferPanel()->view()->setCurrentIndex(transfers->index(0));
        QTest::mouseClick(
            m_window->transferPanel()->findChild<QPushButton *>(u"retryTransferButton"_qs),
            Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(transfers->snapshotAt(0).isFinished(), 60000);
        const TransferSnapshot done = transfers->snapshotAt(0);
        QVERIFY2(done.state == TransferSnapshot::State::Done, qPrintable(done.error));
        QVERIFY(done.resumedBytes > 0);
        const int percent = int(done.resumedBytes * 100 / done.bytesTotal);
        QVERIFY2(rowText(transfers->index(0)).contains(u"resumed at %1 %"_qs.arg(percent)),
            qPrintable(rowText(transfers->index(0))));
        verifyNoRemoteDetails(sinkDownloads);
#endif
    }
};

QTEST_MAIN(TestGuiProgress)
#include "tst_guiprogress.moc"
