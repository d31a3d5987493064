// SPDX-License-Identifier: GPL-3.0-or-later
// The contact list: model roles and ordering, and sending by dropping file URLs on a contact
// (real QDragEnterEvent/QDragMoveEvent/QDropEvent at the contact's visualRect) or through the
// "Send files…" dialog.

#include "testbackend.h"

#include "gui/appsettings.h"
#include "gui/cardstyle.h"
#include "gui/contactdelegate.h"
#include "gui/contactlistmodel.h"
#include "gui/contactview.h"
#include "gui/mainwindow.h"

#include <QFileDialog>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using Test::TestBackend;

class TestContactList : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QStringList m_files;

    QList<PeerInfo> samplePeers() const
    {
        return {Test::peer("zoe", PeerInfo::Source::Saved, false),
            Test::peer("bob", PeerInfo::Source::Lan, true),
            Test::peer("alice", PeerInfo::Source::Server, true, QStringLiteral("symmetric"))};
    }

    static QMimeData *urlMime(const QStringList &paths)
    {
        auto *mime = new QMimeData;
        QList<QUrl> urls;
        for (const QString &path : paths)
            urls << QUrl::fromLocalFile(path);
        mime->setUrls(urls);
        return mime;
    }

    //! Enter + move + drop at \a pos on the view's viewport, as a real drag does.
    static bool dragAndDrop(ContactView *view, const QPoint &pos, const QMimeData *mime)
    {
        QWidget *target = view->viewport();
        QDragEnterEvent enter(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(target, &enter);
        if (!enter.isAccepted())
            return false;
        QDragMoveEvent move(pos, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(target, &move);
        if (!move.isAccepted())
            return false;
        QDropEvent drop(QPointF(pos), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(target, &drop);
        return drop.isAccepted();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        for (const char *name : {"report.pdf", "photo.jpg"}) {
            QFile file(m_dir.filePath(QString::fromLatin1(name)));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("content");
            m_files << file.fileName();
        }
        QVERIFY(QDir(m_dir.path()).mkdir(QStringLiteral("folder")));
        m_files << m_dir.filePath(QStringLiteral("folder"));
    }

    void modelOrdersOnlineFirstAndExposesRoles()
    {
        TestBackend backend;
        backend.peerList = samplePeers();
        ContactListModel model(&backend);
        QCOMPARE(model.rowCount(), 3);
        // Online first, by name; the offline saved contact last.
        QCOMPARE(model.index(0).data(ContactListModel::NameRole).toString(), u"alice"_qs);
        QCOMPARE(model.index(1).data(ContactListModel::NameRole).toString(), u"bob"_qs);
        QCOMPARE(model.index(2).data(ContactListModel::NameRole).toString(), u"zoe"_qs);

        const QModelIndex alice = model.index(0);
        QCOMPARE(alice.data(ContactListModel::NatTypeRole).toString(), u"symmetric"_qs);
        QCOMPARE(alice.data(ContactListModel::DeviceIdRole).toString(),
            Test::deviceIdFor("alice").toString());
        // The tooltip names the full device ID; no pair code (forgeable: issue 12, H3).
        QVERIFY(
            alice.data(Qt::ToolTipRole).toString().contains(Test::deviceIdFor("alice").toString()));
        QCOMPARE(alice.data(ContactListModel::PresenceTextRole).toString(), u"Online"_qs);
        // The card says presence and trust, not the NAT word; the tooltip explains the NAT in
        // plain words, then names its type.
        QCOMPARE(ContactDelegate::detailText(alice), u"Online · Not a contact yet"_qs);
        const QString tip = alice.data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(u"Direct connections: unlikely"_qs), qPrintable(tip));
        QVERIFY2(tip.contains(u"NAT type: symmetric"_qs), qPrintable(tip));
        QVERIFY(tip.indexOf(u"Direct connections"_qs) < tip.indexOf(u"NAT type"_qs));
        QCOMPARE(model.index(1).data(ContactListModel::PresenceTextRole).toString(),
            u"On this network"_qs);
        QCOMPARE(
            alice.data(ContactListModel::PeerRole).value<DeviceId>(), Test::deviceIdFor("alice"));
        // Online: default colour; offline: greyed.
        QVERIFY(!alice.data(Qt::ForegroundRole).isValid());
        const QModelIndex zoe = model.index(2);
        QVERIFY(!zoe.data(ContactListModel::OnlineRole).toBool());
        QCOMPARE(zoe.data(Qt::ForegroundRole).value<QBrush>().color(),
            QApplication::palette().color(QPalette::Disabled, QPalette::Text));
        QCOMPARE(zoe.data(ContactListModel::PresenceTextRole).toString(), u"Offline"_qs);
    }

    void pinnedContactsAreMarked()
    {
        // Bob is a pinned contact; another online device also calls itself bob.
        TestBackend backend;
        PeerInfo pinned = Test::peer("bob", PeerInfo::Source::Server, true);
        pinned.pinned = true;
        PeerInfo namesake = Test::peer("bob-namesake", PeerInfo::Source::Lan, true);
        namesake.name = QStringLiteral("bob");
        backend.peerList = {pinned, namesake};
        ContactListModel model(&backend);
        QCOMPARE(model.rowCount(), 2);
        const QModelIndex contactRow = model.index(model.rowOf(pinned.id));
        const QModelIndex namesakeRow = model.index(model.rowOf(namesake.id));
        QCOMPARE(contactRow.data(ContactListModel::NameRole).toString(), u"bob"_qs);
        QCOMPARE(namesakeRow.data(ContactListModel::NameRole).toString(), u"bob"_qs);
        QVERIFY(contactRow.data(ContactListModel::PinnedRole).toBool());
        QVERIFY(!namesakeRow.data(ContactListModel::PinnedRole).toBool());
        QCOMPARE(contactRow.data(ContactListModel::TrustTextRole).toString(), u"Contact"_qs);
        QCOMPARE(
            namesakeRow.data(ContactListModel::TrustTextRole).toString(), u"Not a contact yet"_qs);
        QVERIFY(contactRow.data(Qt::ToolTipRole).toString().contains(u"Pinned contact"_qs));
        QVERIFY(namesakeRow.data(Qt::ToolTipRole).toString().contains(u"Not a contact yet"_qs));
        QVERIFY(namesakeRow.data(Qt::ToolTipRole).toString().contains(namesake.id.toString()));
        QCOMPARE(model.roleNames().value(ContactListModel::PinnedRole), QByteArray("pinned"));
    }

    void modelFollowsPeersChanged()
    {
        TestBackend backend;
        backend.peerList = samplePeers();
        ContactListModel model(&backend);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        // Same devices, a NAT type changed: updated in place (no reset, selection survives).
        QList<PeerInfo> peers = samplePeers();
        peers[2].natType = QStringLiteral("cone (full)");
        backend.setPeers(peers);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.index(0).data(ContactListModel::NatTypeRole).toString(), u"cone (full)"_qs);

        // A device goes away.
        peers.removeLast();
        backend.setPeers(peers);
        QCOMPARE(reset.size(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOf(Test::deviceIdFor("alice")), -1);
    }

    void dropOnContactSendsThePaths()
    {
        QTemporaryDir config;
        TestBackend backend;
        backend.peerList = samplePeers();
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        auto *view = window.findChild<ContactView *>(QStringLiteral("contactView"));
        QVERIFY(view);
        const int bobRow = window.contactModel()->rowOf(Test::deviceIdFor("bob"));
        QVERIFY(bobRow >= 0);
        const QRect rect = view->visualRect(view->model()->index(bobRow, 0));
        QVERIFY(rect.isValid());

        std::unique_ptr<QMimeData> mime(urlMime(m_files));
        QSignalSpy dropped(view, &ContactView::filesDropped);
        QVERIFY(dragAndDrop(view, rect.center(), mime.get()));
        QCOMPARE(dropped.size(), 1);
        QCOMPARE(backend.sent.size(), 1);
        QCOMPARE(backend.sent.first().first, Test::deviceIdFor("bob"));
        QCOMPARE(backend.sent.first().second, m_files);
        QCOMPARE(view->dropTargetRow(), -1); // highlight gone after the drop
    }

    void deviceKindPicksThePicture()
    {
        TestBackend backend;
        PeerInfo laptop = Test::peer("a-laptop", PeerInfo::Source::Server, true);
        laptop.kind = DeviceKind::Laptop;
        laptop.os = DeviceOs::Linux;
        PeerInfo server = Test::peer("b-server", PeerInfo::Source::Server, true);
        server.kind = DeviceKind::Server;
        server.os = DeviceOs::Other;
        PeerInfo unknown = Test::peer("c-unknown", PeerInfo::Source::Server, true);
        PeerInfo desktop = Test::peer("d-desktop", PeerInfo::Source::Server, true);
        desktop.kind = DeviceKind::Desktop;
        desktop.os = DeviceOs::Windows;
        PeerInfo macOnly = Test::peer("e-mac", PeerInfo::Source::Server, true);
        macOnly.os = DeviceOs::Macos;
        backend.peerList = {laptop, server, unknown, desktop, macOnly};
        ContactListModel model(&backend);

        const QModelIndex l = model.index(model.rowOf(laptop.id));
        QCOMPARE(DeviceKind(l.data(ContactListModel::DeviceKindRole).toInt()), DeviceKind::Laptop);
        QCOMPARE(l.data(ContactListModel::DeviceTextRole).toString(), u"Linux laptop"_qs);
        QVERIFY2(l.data(Qt::ToolTipRole).toString().startsWith(u"Linux laptop\n"_qs),
            qPrintable(l.data(Qt::ToolTipRole).toString()));
        const QModelIndex s = model.index(model.rowOf(server.id));
        QCOMPARE(DeviceKind(s.data(ContactListModel::DeviceKindRole).toInt()), DeviceKind::Server);
        QCOMPARE(s.data(ContactListModel::DeviceTextRole).toString(), u"Server"_qs);
        const QModelIndex u = model.index(model.rowOf(unknown.id));
        QCOMPARE(DeviceKind(u.data(ContactListModel::DeviceKindRole).toInt()), DeviceKind::Unknown);
        QVERIFY(u.data(ContactListModel::DeviceTextRole).toString().isEmpty());
        QVERIFY(u.data(Qt::ToolTipRole).toString().startsWith(u"Device ID: "_qs));
        const QModelIndex d = model.index(model.rowOf(desktop.id));
        QCOMPARE(
            d.data(ContactListModel::DeviceTextRole).toString(), u"Windows desktop computer"_qs);
        QCOMPARE(model.index(model.rowOf(macOnly.id)).data(ContactListModel::DeviceTextRole),
            QVariant(u"macOS device"_qs));
        QCOMPARE(
            model.roleNames().value(ContactListModel::DeviceKindRole), QByteArray("deviceKind"));

        // The picture on the card: the laptop, server and computer glyphs differ; a desktop and
        // a device that said nothing both get the computer.
        ContactView view;
        view.setModel(&model);
        view.setItemDelegate(new ContactDelegate(&view));
        view.resize(420, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.clearSelection();
        const auto picture = [&view](const QModelIndex &index) {
            const QRect row = view.visualRect(index);
            constexpr int kInner = CardStyle::kGap + CardStyle::kPadding;
            return view.viewport()
                ->grab(QRect(row.left() + kInner, row.top() + kInner, 32, 32))
                .toImage()
                .convertToFormat(QImage::Format_RGB32);
        };
        QVERIFY(picture(l) != picture(u));
        QVERIFY(picture(s) != picture(u));
        QVERIFY(picture(l) != picture(s));
        QCOMPARE(picture(d), picture(u));
    }

    void hoveredContactIsHighlightedWhileDragging()
    {
        QTemporaryDir config;
        TestBackend backend;
        backend.peerList = samplePeers();
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ContactView *view = window.contactView();
        const QRect aliceRect = view->visualRect(view->model()->index(0, 0));
        std::unique_ptr<QMimeData> mime(urlMime({m_files.first()}));

        QDragEnterEvent enter(
            aliceRect.center(), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(view->viewport(), &enter);
        QVERIFY(enter.isAccepted());
        QCOMPARE(view->dropTargetRow(), 0);

        // The highlight is painted: the pixels of the row differ from a normal paint.
        const QImage highlighted = view->viewport()->grab(aliceRect).toImage();
        QDragLeaveEvent leave;
        QApplication::sendEvent(view->viewport(), &leave);
        QCOMPARE(view->dropTargetRow(), -1);
        const QImage normal = view->viewport()->grab(aliceRect).toImage();
        QVERIFY(highlighted != normal);
        QVERIFY(backend.sent.isEmpty());
    }

    void dropIsRefusedOnOfflineContactsAndWithoutFiles()
    {
        QTemporaryDir config;
        // Past the first start: the welcome panel would take the room below the last contact.
        AppSettings settings = AppSettings::load(ConfigDir(config.path()));
        settings.welcomeDone = true;
        QVERIFY(settings.save(ConfigDir(config.path())));
        TestBackend backend;
        backend.peerList = samplePeers();
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ContactView *view = window.contactView();

        const int zoeRow = window.contactModel()->rowOf(Test::deviceIdFor("zoe"));
        std::unique_ptr<QMimeData> files(urlMime(m_files));
        QVERIFY(!dragAndDrop(
            view, view->visualRect(view->model()->index(zoeRow, 0)).center(), files.get()));
        QCOMPARE(view->dropTargetRow(), -1);

        // Text and remote URLs are no files.
        QMimeData text;
        text.setText(QStringLiteral("hello"));
        QVERIFY(!dragAndDrop(view, view->visualRect(view->model()->index(0, 0)).center(), &text));
        QMimeData remote;
        remote.setUrls({QUrl(QStringLiteral("https://example.org/file.zip"))});
        QVERIFY(!dragAndDrop(view, view->visualRect(view->model()->index(0, 0)).center(), &remote));
        // Below the last contact: nothing to drop on.
        const QPoint empty(5, view->viewport()->height() - 3);
        QVERIFY(!view->indexAt(empty).isValid());
        QVERIFY(!dragAndDrop(view, empty, files.get()));
        QVERIFY(backend.sent.isEmpty());
    }

    void sendFilesActionUsesTheFileDialog()
    {
        QTemporaryDir config;
        TestBackend backend;
        backend.peerList = samplePeers();
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        auto *send = window.findChild<QAction *>(QStringLiteral("sendFilesAction"));
        auto *button = window.findChild<QPushButton *>(QStringLiteral("sendFilesButton"));
        QVERIFY(send && button);
        // Selecting the offline contact does not enable sending; an online one does.
        ContactView *view = window.contactView();
        const int zoeRow = window.contactModel()->rowOf(Test::deviceIdFor("zoe"));
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
            view->visualRect(view->model()->index(zoeRow, 0)).center());
        QCOMPARE(view->currentIndex().row(), zoeRow);
        QVERIFY(!button->isEnabled());
        QVERIFY(!send->isEnabled());
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
            view->visualRect(view->model()->index(0, 0)).center());
        QVERIFY(button->isEnabled());

        QTest::mouseClick(button, Qt::LeftButton);
        QFileDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (dialog = window.findChild<QFileDialog *>(QStringLiteral("sendFilesDialog"))), 5000);
        QVERIFY(!dialog->isModal() || dialog->windowModality() != Qt::ApplicationModal);
        dialog->setDirectory(m_dir.path());
        dialog->selectFile(m_files.first());
        static_cast<QDialog *>(dialog)->accept(); // QFileDialog::accept() is protected
        QCOMPARE(backend.sent.size(), 1);
        QCOMPARE(backend.sent.first().first, Test::deviceIdFor("alice"));
        QCOMPARE(backend.sent.first().second, QStringList {m_files.first()});
    }

    void emptyListShowsHowToGetContacts()
    {
        QTemporaryDir config;
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.contactModel()->rowCount(), 0);
        const QImage empty = window.contactView()->viewport()->grab().toImage();
        window.contactView()->setPlaceholderText(QString());
        const QImage blank = window.contactView()->viewport()->grab().toImage();
        QVERIFY(empty != blank);
    }
};

QTEST_MAIN(TestContactList)
#include "tst_contactlist.moc"
