// SPDX-License-Identifier: GPL-3.0-or-later
// Transfer history across restarts (issue 18 point 8): finished transfers written to
// history.json in the config directory come back in a new window, worded the same, with no
// retry on them and nothing from the other side beyond what the rows show; "Clear finished"
// clears it; the file stays bounded; a corrupt file is set aside and the app starts empty.

#include "testbackend.h"

#include "support/testhelpers.h"

#include "gui/mainwindow.h"
#include "gui/transferformat.h"
#include "gui/transferhistory.h"
#include "gui/transferlistmodel.h"
#include "gui/transferpanel.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QListView>
#include <QPushButton>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using Test::TestBackend;
using State = TransferSnapshot::State;

namespace {

constexpr qint64 MiB = 1024 * 1024;
const QString kRemotePath = u"/home/alice/private/holiday.mp4.pdpart.meta"_qs;

QJsonArray storedTransfers(const QString &configDir)
{
    QFile file(configDir + u"/"_qs + TransferHistory::defaultFileName());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object().value(u"transfers").toArray();
}

QString rowText(TransferListModel *model, int row)
{
    const QModelIndex index = model->index(row);
    return index.data(Qt::DisplayRole).toString() + u" | "_qs
        + index.data(TransferListModel::ProgressTextRole).toString();
}

} // namespace

class TestTransferHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void historySurvivesARestart()
    {
        QTemporaryDir config;
        QTemporaryDir downloads;
        const ConfigDir configDir(config.path());
        QStringList shown;
        {
            TestBackend backend;
            MainWindow window(&backend, configDir);
            TransferSnapshot sent = Test::snapshot(1, State::Transferring, 0, 3 * MiB);
            backend.report(sent);
            sent.state = State::Done;
            sent.bytesDone = 3 * MiB;
            backend.report(sent);

            TransferSnapshot failed = Test::snapshot(2, State::Waiting, 0, 2 * MiB);
            failed.direction = TransferSnapshot::Direction::Incoming;
            failed.items.clear();
            for (int i = 0; i < TransferSnapshot::kSummaryNames; ++i)
                failed.items << u"photo-%1.jpg"_qs.arg(i);
            failed.itemCount = 40;
            failed.verificationCode = u"482 193"_qs;
            failed.localFolder = downloads.path();
            backend.report(failed);
            failed.state = State::Failed;
            failed.errorCode = TransferError::ReadFailed;
            failed.error = u"cannot read "_qs + kRemotePath; // the engine's words
            backend.report(failed);

            TransferSnapshot timedOut = Test::snapshot(3, State::Transferring, MiB, 4 * MiB);
            backend.report(timedOut);
            timedOut.state = State::Failed;
            timedOut.errorCode = TransferError::Timeout;
            backend.report(timedOut);

            TransferListModel *model = window.transferModel();
            QCOMPARE(model->rowCount(), 3);
            for (int row = 0; row < model->rowCount(); ++row)
                shown << rowText(model, row);
        }
        const QJsonArray stored = storedTransfers(config.path());
        QCOMPARE(stored.size(), 3);
        const QByteArray file = QJsonDocument(stored).toJson();
        QVERIFY2(!file.contains("/home/alice"), file.constData());
        QVERIFY(!file.contains("482 193"));

        // The restart: a new backend and window on the same config directory.
        TestBackend backend;
        MainWindow window(&backend, configDir);
        TransferListModel *model = window.transferModel();
        QCOMPARE(model->rowCount(), 3);
        QStringList restored;
        for (int row = 0; row < model->rowCount(); ++row)
            restored << rowText(model, row);
        QCOMPARE(restored, shown);
        QCOMPARE(model->snapshotAt(0).state, State::Failed);
        QCOMPARE(model->snapshotAt(1).state, State::Failed);
        QCOMPARE(model->snapshotAt(1).itemCount, 40);
        QCOMPARE(model->snapshotAt(2).state, State::Done);
        for (int row = 0; row < 3; ++row) {
            const QModelIndex index = model->index(row);
            QVERIFY(index.data(TransferListModel::RestoredRole).toBool());
            QVERIFY(index.data(TransferListModel::FinishedAtRole).toDateTime().isValid());
            QVERIFY(!index.data(Qt::ToolTipRole).toString().contains(u"/home/alice"_qs));
        }
        // "Open folder" works for the received one; the engine that could retry the failed
        // send is gone, so the restored row offers no retry.
        QVERIFY(model->index(1).data(TransferListModel::CanOpenFolderRole).toBool());
        QVERIFY(TransferListModel::canRetry(model->snapshotAt(0)));
        QVERIFY(!model->index(0).data(TransferListModel::CanRetryRole).toBool());

        QVERIFY(!model->index(1).data(TransferListModel::CanOpenFileRole).toBool());

        // A new transfer in this run goes on top; "Clear finished" empties the history too.
        backend.report(Test::snapshot(1, State::Done, MiB, MiB));
        QCOMPARE(model->rowCount(), 4);
        QVERIFY(!model->index(0).data(TransferListModel::RestoredRole).toBool());
        QCOMPARE(storedTransfers(config.path()).size(), 4);
        QTest::mouseClick(
            window.transferPanel()->findChild<QPushButton *>(u"clearFinishedButton"_qs),
            Qt::LeftButton);
        QCOMPARE(model->rowCount(), 0);
        QCOMPARE(storedTransfers(config.path()).size(), 0);
    }

    void restoredFileCanBeOpened()
    {
        // A file received in an earlier run: after the restart its row still offers
        // "Open file" (and "Open folder") and opens the file that landed.
        QTemporaryDir config;
        QTemporaryDir downloads;
        const ConfigDir configDir(config.path());
        const QString landed = downloads.filePath(u"notes.txt"_qs);
        QFile file(landed);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        {
            TestBackend backend;
            MainWindow window(&backend, configDir);
            TransferSnapshot received = Test::snapshot(7, State::Waiting, 0, MiB);
            received.direction = TransferSnapshot::Direction::Incoming;
            received.localFolder = downloads.path();
            backend.report(received);
            received.state = State::Done;
            received.bytesDone = MiB;
            received.localFile = landed;
            backend.report(received);
        }
        TestBackend backend;
        MainWindow window(&backend, configDir);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        TransferListModel *model = window.transferModel();
        QCOMPARE(model->rowCount(), 1);
        QVERIFY(model->index(0).data(TransferListModel::RestoredRole).toBool());
        QCOMPARE(model->snapshotAt(0).localFile, landed);
        QVERIFY(model->index(0).data(TransferListModel::CanOpenFileRole).toBool());
        QVERIFY(model->index(0).data(TransferListModel::CanOpenFolderRole).toBool());
        TransferPanel *panel = window.transferPanel();
        QStringList opened;
        panel->setFileOpener([&](const QString &path) {
            opened << path;
            return true;
        });
        QListView *view = panel->view();
        QTest::mouseClick(
            view->viewport(), Qt::LeftButton, {}, view->visualRect(model->index(0)).center());
        auto *openFile = panel->findChild<QPushButton *>(u"openFileButton"_qs);
        QVERIFY(openFile && openFile->isEnabled());
        QTest::mouseClick(openFile, Qt::LeftButton);
        QCOMPARE(opened, QStringList {landed});
    }
    void historyIsBounded()
    {
        QTemporaryDir config;
        const QString path = config.filePath(TransferHistory::defaultFileName());
        TransferHistory history(path);
        QString error;
        QVERIFY(history.load(&error));
        const int total = TransferHistory::kMaxEntries + 5;
        for (int i = 1; i <= total; ++i) {
            QVERIFY2(history.record(Test::snapshot(quint64(i), State::Done, i, i),
                         QDateTime::currentDateTimeUtc(), &error),
                qPrintable(error));
        }
        TransferHistory reread(path);
        QVERIFY(reread.load(&error));
        QCOMPARE(reread.entries().size(), TransferHistory::kMaxEntries);
        QCOMPARE(reread.entries().first().snapshot.bytesTotal, qint64(total)); // newest first
        QCOMPARE(reread.entries().last().snapshot.bytesTotal, qint64(6));
    }

    void corruptHistoryIsSetAside_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("not json") << QByteArray("{\"version\":1,\"transfers\":[{\"dir");
        QTest::newRow("another version") << QByteArray(R"({"version":99,"transfers":[]})");
        QTest::newRow("an array") << QByteArray("[1,2,3]");
        QTest::newRow("too large") << QByteArray(TransferHistory::kMaxFileBytes + 1, ' ');
    }

    void corruptHistoryIsSetAside()
    {
        QFETCH(QByteArray, content);
        QTemporaryDir config;
        const ConfigDir configDir(config.path());
        const QString path = configDir.filePath(TransferHistory::defaultFileName());
        QVERIFY(Test::writeFile(path, content));
        TestBackend backend;
        MainWindow window(&backend, configDir);
        QCOMPARE(window.transferModel()->rowCount(), 0);
        QVERIFY2(window.statusBar()->currentMessage().contains(u"history"_qs),
            qPrintable(window.statusBar()->currentMessage()));
        QCOMPARE(Test::readFile(path + u".corrupt"_qs), content); // kept for a look, not lost
        // The app goes on and writes a fresh history.
        backend.report(Test::snapshot(1, State::Done, MiB, MiB));
        QCOMPARE(storedTransfers(config.path()).size(), 1);
    }

    void unusableEntriesAreSkipped()
    {
        QTemporaryDir config;
        const QString path = config.filePath(TransferHistory::defaultFileName());
        TransferHistory::Entry good {
            Test::snapshot(1, State::Done, 5, 5), QDateTime::currentDateTimeUtc()};
        QJsonObject badState = TransferHistory::toJson(good);
        badState.insert(u"state"_qs, u"transferring"_qs); // never stored: not finished
        QJsonObject badPeer = TransferHistory::toJson(good);
        badPeer.insert(u"peer"_qs, u"not-an-id"_qs);
        QJsonObject negative = TransferHistory::toJson(good);
        negative.insert(u"bytesTotal"_qs, -5);
        QJsonObject longName = TransferHistory::toJson(good);
        longName.insert(u"peerName"_qs, QString(100000, u'x'));
        longName.insert(u"errorCode"_qs, 9999);
        const QJsonObject root {{u"version"_qs, 1},
            {u"transfers"_qs,
                QJsonArray {TransferHistory::toJson(good), badState, badPeer, negative, longName,
                    u"text"_qs}}};
        QVERIFY(Test::writeFile(path, QJsonDocument(root).toJson()));
        TransferHistory history(path);
        QString error;
        QVERIFY2(history.load(&error), qPrintable(error));
        QCOMPARE(history.entries().size(), 2);
        const TransferSnapshot bounded = history.entries().at(1).snapshot;
        QCOMPARE(bounded.peerName.size(), TransferHistory::kMaxTextLength);
        QCOMPARE(bounded.errorCode, TransferError::Internal);
    }

    void finishedRowsShowTheirAverageSpeed()
    {
        TransferListModel model;
        model.update(Test::snapshot(1, State::Transferring, 0, 8 * MiB));
        QElapsedTimer moving;
        moving.start();
        QVERIFY(QTest::qWaitFor([&] { return moving.elapsed() >= 50; }, 5000));
        model.update(Test::snapshot(1, State::Done, 8 * MiB, 8 * MiB));
        const double average = model.snapshotAt(0).bytesPerSecond;
        // 8 MiB in at least 50 ms, and not much longer than the wait took.
        QVERIFY2(
            average > 0 && average <= 8.0 * MiB * 1000 / 50, qPrintable(QString::number(average)));
        QVERIFY(average >= 8.0 * MiB * 1000 / double(moving.elapsed() + 1000));
        const QString line = model.index(0).data(TransferListModel::ProgressTextRole).toString();
        QVERIFY2(line.startsWith(u"8.0 MiB sent · "_qs) && line.endsWith(u"/s on average"_qs),
            qPrintable(line));
    }
};

QTEST_MAIN(TestTransferHistory)
#include "tst_transferhistory.moc"
