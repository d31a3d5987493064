// SPDX-License-Identifier: GPL-3.0-or-later
// The transfer list: rows from Backend::transferUpdated, coalesced progress, the delegate's
// painting and texts, and the cancel / retry / open folder / clear finished actions.

#include "testbackend.h"

#include "gui/mainwindow.h"
#include "gui/transferdelegate.h"
#include "gui/transferformat.h"
#include "gui/transferlistmodel.h"
#include "gui/transferpanel.h"
#include "gui/trayicon.h"

#include <QFile>
#include <QListView>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using namespace std::chrono_literals;
using State = TransferSnapshot::State;
using Test::snapshot;
using Test::TestBackend;

namespace {
constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 GiB = 1024 * MiB;

QPushButton *button(QWidget *parent, const char *name)
{
    return parent->findChild<QPushButton *>(QLatin1String(name));
}
} // namespace

class TestTransferList : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void snapshotsCreateAndUpdateRows()
    {
        TransferListModel model;
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy finished(&model, &TransferListModel::transferFinished);

        model.update(snapshot(1, State::Connecting, 0, 10 * MiB));
        model.update(snapshot(2, State::Waiting, 0, 5 * MiB));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(inserted.size(), 2);
        QCOMPARE(model.rowOf(2), 0); // newest first
        QCOMPARE(model.rowOf(1), 1);

        // A state change shows at once.
        model.update(snapshot(1, State::Transferring, MiB, 10 * MiB));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.index(1).data(TransferListModel::ProgressRole).toInt(), 10);
        QCOMPARE(
            model.index(1).data(TransferListModel::StateRole).toInt(), int(State::Transferring));

        model.update(snapshot(1, State::Done, 10 * MiB, 10 * MiB));
        QCOMPARE(finished.size(), 1);
        model.update(snapshot(1, State::Done, 10 * MiB, 10 * MiB)); // repeated: no new event
        QCOMPARE(finished.size(), 1);
        QCOMPARE(model.index(1).data(TransferListModel::FinishedRole).toBool(), true);
        QCOMPARE(model.rowCount(), 2);
    }

    void progressUpdatesAreCoalesced()
    {
        TransferListModel model;
        model.setFlushInterval(100ms);
        model.update(snapshot(7, State::Transferring, 0, 1000 * MiB));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        // A backend reporting far too often: 1000 updates in a burst.
        for (int i = 1; i <= 1000; ++i)
            model.update(snapshot(7, State::Transferring, i * MiB, 1000 * MiB));
        QCOMPARE(changed.size(), 0);
        // The data is current at once; the repaint comes with the flush.
        QCOMPARE(model.snapshotAt(0).bytesDone, 1000 * MiB);
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 2000);
        QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), 0);

        // Nothing pending: no further repaint.
        QVERIFY(!changed.wait(300));
        QCOMPARE(changed.size(), 1);

        // A state change does not wait for the timer, and takes pending progress with it.
        model.update(snapshot(7, State::Transferring, 1000 * MiB, 1000 * MiB));
        model.update(snapshot(7, State::Done, 1000 * MiB, 1000 * MiB));
        QCOMPARE(changed.size(), 2);
        QVERIFY(!changed.wait(300));
        QCOMPARE(changed.size(), 2);
    }

    void formatsSizesSpeedAndTimeLeft_data()
    {
        QTest::addColumn<qint64>("done");
        QTest::addColumn<qint64>("total");
        QTest::addColumn<double>("speed");
        QTest::addColumn<QString>("expected");
        QTest::newRow("minutes left") << qint64(12.3 * MiB) << 40 * GiB << double(227 * MiB)
                                      << u"12.3 MiB of 40.0 GiB · 227.0 MiB/s · 3 min left"_qs;
        QTest::newRow("seconds left")
            << 0LL << 10 * MiB << double(MiB) << u"0 bytes of 10.0 MiB · 1.0 MiB/s · 10 s left"_qs;
        QTest::newRow("hours left") << 0LL << 100 * GiB << double(10 * MiB)
                                    << u"0 bytes of 100.0 GiB · 10.0 MiB/s · 2 h 50 min left"_qs;
        QTest::newRow("no speed yet") << 512LL << 2048LL << 0.0 << u"512 bytes of 2.0 KiB"_qs;
    }

    void formatsSizesSpeedAndTimeLeft()
    {
        QFETCH(qint64, done);
        QFETCH(qint64, total);
        QFETCH(double, speed);
        QFETCH(QString, expected);
        TransferSnapshot s = snapshot(1, State::Transferring, done, total);
        s.bytesPerSecond = speed;
        QCOMPARE(TransferFormat::progressLine(s), expected);
    }

    void formatsPathBadgesAndFailures()
    {
        QCOMPARE(TransferFormat::pathBadge(PathKind::DirectPunch, {}), u"Direct · TCP punch"_qs);
        QCOMPARE(TransferFormat::pathBadge(PathKind::DirectLan, {}), u"Direct · LAN"_qs);
        QCOMPARE(TransferFormat::pathBadge(PathKind::Relayed, u"peer behind symmetric NAT"_qs),
            u"Relayed (peer behind symmetric NAT)"_qs);
        QCOMPARE(TransferFormat::pathBadge(PathKind::Unknown, {}), QString());
        QCOMPARE(
            TransferFormat::pathBadge(PathKind::DirectGuess, {}), u"Direct · port guessing"_qs);
        QCOMPARE(TransferFormat::pathBadge(PathKind::DirectPunch, {}, PathKind::Relayed),
            u"Relayed → Direct · TCP punch"_qs);

        TransferSnapshot failed = snapshot(1, State::Failed, MiB, 2 * MiB);
        failed.error = u"peer timed out after 30 s"_qs;
        failed.errorCode = TransferError::Timeout;
        failed.path = PathKind::DirectLan;
        QCOMPARE(TransferFormat::progressLine(failed),
            u"Alice stopped answering — retry; it continues where it stopped."_qs);
        QCOMPARE(TransferFormat::title(failed), u"holiday.mp4 to Alice"_qs);
        TransferSnapshot incoming = snapshot(2, State::Done, 2 * MiB, 2 * MiB);
        incoming.direction = TransferSnapshot::Direction::Incoming;
        incoming.items << u"notes.txt"_qs;
        QCOMPARE(TransferFormat::title(incoming), u"2 items from Alice"_qs);
        QCOMPARE(TransferFormat::progressLine(incoming), u"2.0 MiB received"_qs);
        QCOMPARE(TransferFormat::percent(incoming), 100);
        QCOMPARE(TransferFormat::percent(snapshot(3, State::Connecting, 0, 0)), -1);
    }

    void outgoingRowShowsTheVerificationCode()
    {
        // Issue 12, H3: the sender compares the session code with the receiver's prompt, so the
        // row shows it in its visible line (not only in a tooltip) while waiting.
        TransferListModel model;
        TransferSnapshot waiting = snapshot(1, State::Waiting, 0, MiB);
        waiting.verificationCode = u"482 193"_qs;
        model.update(waiting);
        QVERIFY2(model.index(0)
                     .data(TransferListModel::ProgressTextRole)
                     .toString()
                     .contains(u"482 193"_qs),
            qPrintable(model.index(0).data(TransferListModel::ProgressTextRole).toString()));
        // A peer-chosen name in a tooltip is escaped, never rendered.
        TransferSnapshot named = snapshot(2, State::Waiting, 0, MiB);
        named.peerName = u"<b>x</b>"_qs;
        model.update(named);
        const QString tip = model.index(0).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(u"&lt;b&gt;x&lt;/b&gt;"_qs), qPrintable(tip));
        // A summary of many items says how many there are, though it names only a few.
        TransferSnapshot many = snapshot(3, State::Declined, 0, MiB);
        many.direction = TransferSnapshot::Direction::Incoming;
        many.items = {u"a"_qs};
        many.itemCount = 100000;
        QCOMPARE(TransferFormat::title(many), u"100000 items from Alice"_qs);
    }

    void delegatePaintsEveryKindOfRow()
    {
        TransferListModel model;
        TransferSnapshot punch = snapshot(1, State::Transferring, 3 * MiB, 9 * MiB);
        punch.path = PathKind::DirectPunch;
        punch.bytesPerSecond = 2 * MiB;
        TransferSnapshot relayed = snapshot(2, State::Transferring, 0, 0); // unknown total
        relayed.path = PathKind::Relayed;
        relayed.pathReason = u"punch timed out"_qs;
        TransferSnapshot failed = snapshot(3, State::Failed, MiB, 2 * MiB);
        failed.error = u"Disk full"_qs;
        TransferSnapshot lan = snapshot(4, State::Done, 2 * MiB, 2 * MiB);
        lan.path = PathKind::DirectLan;
        lan.direction = TransferSnapshot::Direction::Incoming;
        for (const auto &s : {punch, relayed, failed, lan})
            model.update(s);

        QListView view;
        view.setModel(&model);
        auto *delegate = new TransferDelegate(&view);
        view.setItemDelegate(delegate);
        view.resize(520, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QPixmap pixmap(view.viewport()->size());
        pixmap.fill(Qt::white);
        view.viewport()->render(&pixmap);
        QVERIFY(!pixmap.isNull());

        // Each row is painted (not blank) and rows differ from each other.
        QList<QImage> rows;
        for (int row = 0; row < model.rowCount(); ++row) {
            const QRect rect = view.visualRect(model.index(row));
            QVERIFY(rect.height() >= delegate->sizeHint({}, model.index(row)).height() - 1);
            const QImage image = pixmap.copy(rect).toImage();
            QImage blank(image.size(), image.format());
            blank.fill(Qt::white);
            QVERIFY2(image != blank, qPrintable(QStringLiteral("row %1 blank").arg(row)));
            rows << image;
        }
        for (int i = 1; i < rows.size(); ++i)
            QVERIFY(rows.at(i) != rows.at(i - 1));

        // And painting straight into a pixmap, without a view, does not crash either.
        QPixmap direct(400, 80);
        QPainter painter(&direct);
        QStyleOptionViewItem option;
        option.rect = direct.rect();
        option.fontMetrics = QFontMetrics(QApplication::font());
        option.palette = QApplication::palette();
        delegate->paint(&painter, option, model.index(0));
    }

    void actionsCallTheBackend()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        TransferPanel *panel = window.transferPanel();
        QPushButton *cancel = button(panel, "cancelTransferButton");
        QPushButton *retry = button(panel, "retryTransferButton");
        QPushButton *open = button(panel, "openFolderButton");
        QPushButton *clear = button(panel, "clearFinishedButton");
        QVERIFY(cancel && retry && open && clear);

        QTemporaryDir downloads;
        TransferSnapshot incoming = snapshot(11, State::Transferring, MiB, 4 * MiB);
        incoming.direction = TransferSnapshot::Direction::Incoming;
        incoming.localFolder = downloads.path();
        backend.report(snapshot(10, State::Transferring, MiB, 4 * MiB));
        backend.report(incoming);
        QCOMPARE(window.transferModel()->rowCount(), 2);
        QListView *view = panel->view();

        auto select = [&](quint64 id) {
            const QModelIndex index
                = window.transferModel()->index(window.transferModel()->rowOf(id));
            QTest::mouseClick(
                view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
            QCOMPARE(view->currentIndex(), index);
        };

        // Running outgoing transfer: cancel only.
        select(10);
        QVERIFY(cancel->isEnabled());
        QVERIFY(!retry->isEnabled());
        QVERIFY(!clear->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(backend.cancelled, QList<quint64> {10});

        // The engine reports it cancelled: now it can be retried, not cancelled again.
        backend.report(snapshot(10, State::Cancelled, MiB, 4 * MiB));
        QVERIFY(!cancel->isEnabled());
        QVERIFY(retry->isEnabled());
        QVERIFY(clear->isEnabled());
        QTest::mouseClick(retry, Qt::LeftButton);
        QCOMPARE(backend.retried, QList<quint64> {10});

        // Finished incoming transfer: open its folder (retry is for outgoing ones).
        incoming.state = State::Done;
        incoming.bytesDone = incoming.bytesTotal;
        backend.report(incoming);
        QStringList opened;
        bool fileManager = true;
        panel->setFolderOpener([&](const QString &folder) {
            opened << folder;
            return fileManager;
        });
        select(11);
        QVERIFY(!retry->isEnabled());
        QVERIFY(open->isEnabled());
        QTest::mouseClick(open, Qt::LeftButton);
        QCOMPARE(opened, QStringList {downloads.path()});
        QVERIFY(!panel->findChild<QMessageBox *>(u"openFolderFailedBox"_qs));
        // No file manager: not silent, the path is shown to copy.
        fileManager = false;
        QTest::mouseClick(open, Qt::LeftButton);
        QMessageBox *box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (box = panel->findChild<QMessageBox *>(u"openFolderFailedBox"_qs)) && box->isVisible(),
            5000);
        QCOMPARE(box->informativeText(), downloads.path());
        box->close();

        // A running one stays when the finished ones are cleared.
        backend.report(snapshot(12, State::Transferring, 0, MiB));
        QTest::mouseClick(clear, Qt::LeftButton);
        QCOMPARE(window.transferModel()->rowCount(), 1);
        QCOMPARE(window.transferModel()->snapshotAt(0).id, quint64(12));
        QVERIFY(!clear->isEnabled());
    }

    void openFileOnAFinishedReceivedFile()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        TransferPanel *panel = window.transferPanel();
        QPushButton *openFile = button(panel, "openFileButton");
        QPushButton *openFolder = button(panel, "openFolderButton");
        QVERIFY(openFile && openFolder);
        QCOMPARE(openFile->text(), u"Open file"_qs);

        QTemporaryDir downloads;
        // The name on disk differs from the offered one (that was taken): the row opens the
        // file that landed, not a guess from the folder and the offered name.
        const QString landed = downloads.filePath(u"report (1).pdf"_qs);
        QFile file(landed);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        TransferSnapshot one = snapshot(21, State::Transferring, 0, MiB);
        one.direction = TransferSnapshot::Direction::Incoming;
        one.items = QStringList {u"report.pdf"_qs};
        one.localFolder = downloads.path();
        backend.report(one);
        // Two files received, a sent file, and the single file still arriving: no "Open file".
        TransferSnapshot two = snapshot(22, State::Waiting, 0, 2 * MiB);
        two.direction = TransferSnapshot::Direction::Incoming;
        two.fileCount = 2;
        two.localFolder = downloads.path();
        backend.report(two); // an offer seen first: rows only for those
        two.state = State::Done;
        two.bytesDone = two.bytesTotal;
        backend.report(two);
        TransferSnapshot sent = snapshot(23, State::Done, MiB, MiB);
        sent.localFolder = downloads.path();
        sent.localFile = landed; // never set by the engine for a send; still not offered
        backend.report(sent);
        TransferListModel *model = window.transferModel();
        QCOMPARE(model->rowCount(), 3);
        QListView *view = panel->view();
        const auto select = [&](quint64 id) {
            const QModelIndex index = model->index(model->rowOf(id));
            QTest::mouseClick(
                view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
            QCOMPARE(view->currentIndex(), index);
        };
        QStringList opened;
        bool application = true;
        panel->setFileOpener([&](const QString &path) {
            opened << path;
            return application;
        });
        for (const quint64 id : {21, 22, 23}) {
            select(id);
            QVERIFY2(!openFile->isEnabled(), qPrintable(QString::number(id)));
        }
        select(22);
        QVERIFY(openFolder->isEnabled()); // "Open folder" is still there for several files

        one.state = State::Done;
        one.bytesDone = one.bytesTotal;
        one.localFile = landed;
        backend.report(one);
        select(21);
        QVERIFY(openFile->isEnabled());
        QVERIFY(openFolder->isEnabled());
        QTest::mouseClick(openFile, Qt::LeftButton);
        QCOMPARE(opened, QStringList {landed});
        QVERIFY(!panel->findChild<QMessageBox *>(u"openFileFailedBox"_qs));
        // A double click opens the file too (the folder when there is no single file).
        const QRect rect = view->visualRect(model->index(model->rowOf(21)));
        QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(opened.size(), 2);

        // Nothing can open it: not silent, the path is shown to copy.
        application = false;
        QTest::mouseClick(openFile, Qt::LeftButton);
        QMessageBox *box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (box = panel->findChild<QMessageBox *>(u"openFileFailedBox"_qs)) && box->isVisible(),
            5000);
        QCOMPARE(box->informativeText(), landed);
        QVERIFY(box->text().contains(u"No application could open the file"_qs));
        box->close();

        // The file was moved away since: nothing to open.
        QVERIFY(QFile::remove(landed));
        select(22);
        select(21);
        QVERIFY(!openFile->isEnabled());
    }

    void finishedAndFailedTransfersNotify()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        QSignalSpy notified(window.trayIcon(), &TrayIcon::notified);
        backend.report(snapshot(20, State::Transferring, 0, MiB));
        backend.report(snapshot(20, State::Done, MiB, MiB));
        QCOMPARE(notified.size(), 1);
        QCOMPARE(notified.at(0).at(0).toString(), u"Transfer finished"_qs);
        TransferSnapshot failed = snapshot(21, State::Failed, 0, MiB);
        failed.error = u"Connection lost"_qs;
        failed.errorCode = TransferError::Network;
        failed.path = PathKind::Relayed;
        backend.report(failed);
        QCOMPARE(notified.size(), 2);
        QCOMPARE(notified.at(1).at(0).toString(), u"Transfer failed"_qs);
        QVERIFY2(notified.at(1).at(1).toString().contains(u"The connection to Alice was lost"_qs),
            qPrintable(notified.at(1).at(1).toString()));
    }

    void detailsShowTheWholeRow()
    {
        // A long reason is cut off in the row: Details… shows every line of it, as plain text.
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *details = window.findChild<QPushButton *>(u"transferDetailsButton"_qs);
        QVERIFY(details);
        QVERIFY(!details->isEnabled()); // nothing selected
        TransferSnapshot failed = snapshot(20, State::Transferring, MiB, 4 * MiB);
        failed.peerName = u"<b>Mallory</b>"_qs;
        backend.report(failed);
        failed.state = State::Failed;
        failed.errorCode = TransferError::WriteFailed;
        failed.error = u"the receiver could not write: "_qs + QString(300, u'x') + u" (end)"_qs;
        backend.report(failed);
        QListView *view = window.transferPanel()->view();
        view->setCurrentIndex(window.transferModel()->index(0));
        QVERIFY(details->isEnabled());
        QTest::mouseClick(details, Qt::LeftButton);
        QMessageBox *box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (box = window.findChild<QMessageBox *>(u"transferDetailsBox"_qs)) && box->isVisible(),
            5000);
        QCOMPARE(box->textFormat(), Qt::PlainText);
        const QString text = box->text();
        QVERIFY2(text.contains(failed.error), qPrintable(text)); // whole, up to "(end)"
        QVERIFY(text.contains(u"holiday.mp4 to <b>Mallory</b>"_qs)); // not rendered
        QVERIFY(text.contains(TransferFormat::progressLine(window.transferModel()->snapshotAt(0))));
        box->close();
    }
};

QTEST_MAIN(TestTransferList)
#include "tst_transferlist.moc"
