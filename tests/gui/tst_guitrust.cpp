// SPDX-License-Identifier: GPL-3.0-or-later
// Trust you can manage (issue 18 point 6), end to end: the window runs on the real engine
// (EngineBackend) against an in-process rendezvous server, and a second in-process peer
// ("Studio", a TransferEngine) sends it files. "Always accept" then really accepts without
// asking; the Contacts page lists the contact with its full device ID and turns that off again,
// renames it (refusing another contact's name), marks it verified and forgets it, after which
// its next offer is a first contact again, with the verification code.

#include "guitestutil.h"

#include "support/testhelpers.h"
#include "support/testserver.h"

#include "gui/appsettings.h"
#include "gui/contactlistmodel.h"
#include "gui/contactsdialog.h"
#include "gui/contacttablemodel.h"
#include "gui/enginebackend.h"
#include "gui/guiofferdecider.h"
#include "gui/incomingofferdialog.h"
#include "gui/mainwindow.h"
#include "gui/transferlistmodel.h"

#include "net/security/deviceidentity.h"
#include "transfer/contactstore.h"
#include "transfer/transferengine.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace PunchDrop;
using namespace PunchDrop::Gui;

class TestGuiTrust : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_root;
    std::optional<Test::TestServer> m_server;
    std::unique_ptr<TransferEngine> m_studio;
    std::unique_ptr<EngineBackend> m_backend;
    std::unique_ptr<MainWindow> m_window;
    ConfigDir m_appDir;
    int m_sent = 0;
    //! A contact pinned before the app started, offline all along.
    const DeviceId m_oldLaptop = DeviceId::fromDigest(QByteArray(32, 'o'));

    QString dir(const QString &name) const
    {
        const QString path = m_root.filePath(name);
        QDir().mkpath(path);
        return path;
    }

    //! Studio sends a new small file to the app.
    void studioSends()
    {
        const QString source = dir(u"studio-outbox"_qs) + u"/file-%1.bin"_qs.arg(++m_sent);
        QVERIFY(Test::writeFile(source, Test::randomBytes(64 * 1024, quint32(m_sent))));
        m_studio->send(m_backend->selfId(), {source});
    }

    //! The offer prompt on screen now (within \a timeoutMs), or null.
    IncomingOfferDialog *openPrompt(int timeoutMs = 30000)
    {
        IncomingOfferDialog *shown = nullptr;
        const bool found = QTest::qWaitFor(
            [&] {
                const auto dialogs = m_window->findChildren<IncomingOfferDialog *>();
                for (IncomingOfferDialog *d : dialogs) {
                    if (d->isVisible())
                        shown = d;
                }
                return shown != nullptr;
            },
            timeoutMs);
        return found ? shown : nullptr;
    }

    //! The newest transfer row ended in \a state.
    void waitNewestIs(int rowsBefore, TransferSnapshot::State state)
    {
        TransferListModel *transfers = m_window->transferModel();
        QTRY_VERIFY_WITH_TIMEOUT(
            transfers->rowCount() > rowsBefore && transfers->snapshotAt(0).isFinished(), 60000);
        const TransferSnapshot s = transfers->snapshotAt(0);
        QCOMPARE(s.direction, TransferSnapshot::Direction::Incoming);
        QVERIFY2(s.state == state, qPrintable(s.error));
    }

    std::optional<Contact> studioContact() const
    {
        for (const Contact &c : m_backend->contacts()) {
            if (c.id == m_studio->selfId())
                return c;
        }
        return std::nullopt;
    }

    ContactsDialog *openContactsPage()
    {
        m_window->findChild<QAction *>(u"contactsAction"_qs)->trigger();
        ContactsDialog *page = nullptr;
        const bool found = QTest::qWaitFor(
            [&] {
                page = m_window->findChild<ContactsDialog *>(u"contactsDialog"_qs);
                return page && page->isVisible();
            },
            5000);
        return found ? page : nullptr;
    }

    //! The studio's cell in \a column, made current in the page's table.
    QModelIndex studioCell(ContactsDialog *page, int column)
    {
        const int row = page->model()->rowOf(m_studio->selfId());
        if (row < 0)
            return {};
        const QModelIndex cell = page->model()->index(row, column);
        page->view()->setCurrentIndex(cell);
        return cell;
    }

    //! Types \a name into the studio's name cell (F2, as a person would) and presses Enter.
    void renameStudio(ContactsDialog *page, const QString &name)
    {
        QVERIFY(studioCell(page, ContactTableModel::NameColumn).isValid());
        page->view()->setFocus();
        QTest::keyClick(page->view(), Qt::Key_F2);
        QLineEdit *editor = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (editor = page->view()->viewport()->findChild<QLineEdit *>()) && editor->isVisible(),
            5000);
        editor->selectAll();
        QTest::keyClicks(editor, name);
        QTest::keyClick(editor, Qt::Key_Return);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_root.isValid());
        QString error;
        const auto serverIdentity
            = DeviceIdentity::loadOrCreate(ConfigDir(dir(u"server"_qs)), &error);
        QVERIFY2(serverIdentity, qPrintable(error));
        m_server.emplace(*serverIdentity);
        QVERIFY2(m_server->start(Test::loopbackServerConfig(), &error), qPrintable(error));
        const quint16 port = m_server->port();

        m_studio = Test::registeredPeer(
            dir(u"studio"_qs), port, u"Studio"_qs, dir(u"studio-downloads"_qs), nullptr, &error);
        QVERIFY2(m_studio, qPrintable(error));

        m_appDir = ConfigDir(dir(u"app"_qs));
        {
            ContactStore earlier(m_appDir.filePath(ContactStore::defaultFileName()));
            QVERIFY(earlier.load(&error));
            QVERIFY(earlier.remember(m_oldLaptop, u"Old laptop"_qs, &error));
        }
        AppSettings settings = AppSettings::load(m_appDir);
        settings.displayName = u"Mei"_qs;
        settings.serverAddress = u"127.0.0.1:%1"_qs.arg(port);
        settings.downloadDir = dir(u"app-downloads"_qs);
        QVERIFY(settings.save(m_appDir));
        const auto appIdentity = DeviceIdentity::loadOrCreate(m_appDir, &error);
        QVERIFY2(appIdentity, qPrintable(error));
        m_backend
            = std::make_unique<EngineBackend>(*appIdentity, m_appDir, AppSettings::load(m_appDir));
        m_backend->setEngineTuning([](EngineConfig &config) { config.lan = false; });
        QVERIFY2(m_backend->start(&error), qPrintable(error));
        m_window = std::make_unique<MainWindow>(m_backend.get(), m_appDir);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QTRY_COMPARE_WITH_TIMEOUT(
            m_backend->serverStatus().state, ServerStatus::State::Online, 15000);
        QVERIFY(Test::onlineContact(m_window->contactModel(), m_studio->selfId()).isValid());
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_backend.reset();
        m_studio.reset();
        m_server.reset();
    }

    void alwaysAcceptMeansWhatItSays()
    {
        int rows = m_window->transferModel()->rowCount();
        studioSends();
        IncomingOfferDialog *prompt = openPrompt();
        QVERIFY(prompt);
        QVERIFY(prompt->offer().firstContact);
        QTest::mouseClick(
            prompt->findChild<QPushButton *>(u"alwaysAcceptButton"_qs), Qt::LeftButton);
        waitNewestIs(rows, TransferSnapshot::State::Done);
        QTRY_VERIFY(studioContact() && studioContact()->autoAccept);

        // The next files from Studio arrive without a question (nothing else to switch on).
        QSignalSpy asked(m_window->offerDecider(), &GuiOfferDecider::offerPresented);
        rows = m_window->transferModel()->rowCount();
        studioSends();
        waitNewestIs(rows, TransferSnapshot::State::Done);
        QCOMPARE(asked.size(), 0);
    }

    void contactsPageListsContactsWithTheirFullIds()
    {
        ContactsDialog *page = openContactsPage();
        QVERIFY(page);
        ContactTableModel *model = page->model();
        QCOMPARE(model->rowCount(), 2);
        const int studio = model->rowOf(m_studio->selfId());
        const int old = model->rowOf(m_oldLaptop);
        QVERIFY(studio >= 0 && old >= 0);
        const auto cell = [&](int row, int column, int role = Qt::DisplayRole) {
            return model->index(row, column).data(role);
        };
        QCOMPARE(cell(studio, ContactTableModel::NameColumn).toString(), u"Studio"_qs);
        QCOMPARE(cell(studio, ContactTableModel::DeviceIdColumn).toString(),
            m_studio->selfId().toString());
        QCOMPARE(cell(studio, ContactTableModel::StatusColumn).toString(), u"Online"_qs);
        QCOMPARE(cell(old, ContactTableModel::StatusColumn).toString(), u"Offline"_qs);
        // The server showed Studio online since it became a contact: its "last seen" is kept
        // (shown as "Last seen …" once it is offline).
        QTRY_VERIFY(studioContact() && studioContact()->lastOnline.isValid());
        QCOMPARE(cell(studio, ContactTableModel::AutoAcceptColumn, Qt::CheckStateRole).toInt(),
            int(Qt::Checked));
        QCOMPARE(cell(old, ContactTableModel::AutoAcceptColumn, Qt::CheckStateRole).toInt(),
            int(Qt::Unchecked));
        QCOMPARE(cell(studio, ContactTableModel::VerifiedColumn, Qt::CheckStateRole).toInt(),
            int(Qt::Unchecked));
        QVERIFY(!cell(studio, ContactTableModel::LastSeenColumn).toString().isEmpty());
        QVERIFY(!page->findChild<QLabel *>(u"keyChangeHelp"_qs)->text().isEmpty());
    }

    void revokingAlwaysAcceptAsksAgain()
    {
        ContactsDialog *page = openContactsPage();
        QVERIFY(page);
        QVERIFY(studioCell(page, ContactTableModel::AutoAcceptColumn).isValid());
        page->view()->setFocus();
        QTest::keyClick(page->view(), Qt::Key_Space); // untick "Always accept"
        QTRY_VERIFY(studioContact() && !studioContact()->autoAccept);

        const int rows = m_window->transferModel()->rowCount();
        studioSends();
        IncomingOfferDialog *prompt = openPrompt();
        QVERIFY2(prompt, "a contact no longer always accepted is asked about again");
        QVERIFY(!prompt->offer().firstContact);
        QTest::mouseClick(prompt->findChild<QPushButton *>(u"declineButton"_qs), Qt::LeftButton);
        waitNewestIs(rows, TransferSnapshot::State::Declined);
    }

    void renamingAndVerifyingInThePage()
    {
        ContactsDialog *page = openContactsPage();
        QVERIFY(page);
        auto *error = page->findChild<QLabel *>(u"contactsErrorLabel"_qs);
        // Another contact's name is refused, with the reason.
        renameStudio(page, u"old LAPTOP"_qs);
        QTRY_VERIFY(error->isVisible());
        QVERIFY2(error->text().contains(m_oldLaptop.shortString()), qPrintable(error->text()));
        QCOMPARE(studioContact()->name, u"Studio"_qs);

        renameStudio(page, u"Studio upstairs"_qs);
        QTRY_COMPARE(studioContact()->name, u"Studio upstairs"_qs);
        QVERIFY(!error->isVisible()); // the refusal is out of date
        // The main list shows the user's name although the device still calls itself "Studio".
        ContactListModel *list = m_window->contactModel();
        QTRY_COMPARE(list->index(list->rowOf(m_studio->selfId()))
                         .data(ContactListModel::NameRole)
                         .toString(),
            u"Studio upstairs"_qs);

        QVERIFY(studioCell(page, ContactTableModel::VerifiedColumn).isValid());
        page->view()->setFocus();
        QTest::keyClick(page->view(), Qt::Key_Space);
        QTRY_VERIFY(studioContact()->verified);

        // A transfer with it keeps the name the user gave.
        const int rows = m_window->transferModel()->rowCount();
        studioSends();
        IncomingOfferDialog *prompt = openPrompt();
        QVERIFY(prompt);
        QCOMPARE(prompt->offer().senderName, u"Studio upstairs"_qs);
        QTest::mouseClick(prompt->findChild<QPushButton *>(u"acceptButton"_qs), Qt::LeftButton);
        waitNewestIs(rows, TransferSnapshot::State::Done);
        QCOMPARE(studioContact()->name, u"Studio upstairs"_qs);

        // What a restart reads back.
        ContactStore stored(m_appDir.filePath(ContactStore::defaultFileName()));
        QString loadError;
        QVERIFY2(stored.load(&loadError), qPrintable(loadError));
        QCOMPARE(stored.find(m_studio->selfId())->name, u"Studio upstairs"_qs);
        QVERIFY(stored.find(m_studio->selfId())->verified);
    }

    void forgettingMakesItAFirstContactAgain()
    {
        ContactsDialog *page = openContactsPage();
        QVERIFY(page);
        const auto forget = [&](QMessageBox::StandardButton answer) {
            QVERIFY(studioCell(page, ContactTableModel::NameColumn).isValid());
            QTest::mouseClick(
                page->findChild<QPushButton *>(u"forgetContactButton"_qs), Qt::LeftButton);
            QMessageBox *box = nullptr;
            QTRY_VERIFY((box = page->findChild<QMessageBox *>(u"forgetContactConfirm"_qs))
                && box->isVisible());
            QCOMPARE(box->defaultButton(), box->button(QMessageBox::No));
            QTest::mouseClick(box->button(answer), Qt::LeftButton);
        };
        forget(QMessageBox::No);
        QVERIFY(studioContact()); // "No" keeps it
        forget(QMessageBox::Yes);
        QTRY_VERIFY(!studioContact());
        QCOMPARE(page->model()->rowCount(), 1); // the old laptop stays

        const int rows = m_window->transferModel()->rowCount();
        studioSends();
        IncomingOfferDialog *prompt = openPrompt();
        QVERIFY(prompt);
        QVERIFY(prompt->offer().firstContact);
        QVERIFY(!prompt->offer().verificationCode.isEmpty());
        QCOMPARE(prompt->offer().senderName, u"Studio"_qs); // its own name again
        QTest::mouseClick(prompt->findChild<QPushButton *>(u"declineButton"_qs), Qt::LeftButton);
        waitNewestIs(rows, TransferSnapshot::State::Declined);
        QVERIFY(!studioContact()); // declined: not pinned

        ContactStore stored(m_appDir.filePath(ContactStore::defaultFileName()));
        QString loadError;
        QVERIFY2(stored.load(&loadError), qPrintable(loadError));
        QVERIFY(!stored.find(m_studio->selfId()));
        QVERIFY(stored.find(m_oldLaptop));
    }
};

QTEST_MAIN(TestGuiTrust)
#include "tst_guitrust.moc"
