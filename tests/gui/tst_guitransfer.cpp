// SPDX-License-Identifier: GPL-3.0-or-later
// End to end through the desktop app: the window runs on the real engine (EngineBackend) against
// an in-process rendezvous server, next to a second in-process peer (a TransferEngine). Files
// dropped on that peer's contact arrive intact; an offer from it raises the prompt, which the
// test accepts, and the files land in the app's download folder.

#include "guitestutil.h"

#include "support/scripteddecider.h"
#include "support/testserver.h"

#include "gui/appsettings.h"
#include "gui/contactlistmodel.h"
#include "gui/contactview.h"
#include "gui/enginebackend.h"
#include "gui/incomingofferdialog.h"
#include "gui/mainwindow.h"
#include "gui/transferlistmodel.h"
#include "gui/verificationbanner.h"

#include "net/security/deviceidentity.h"
#include "net/server/rendezvousserver.h"
#include "transfer/offerdecider.h"
#include "transfer/transferengine.h"

#include <QCryptographicHash>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <optional>

using namespace PunchDrop;
using namespace PunchDrop::Gui;

namespace {

QByteArray fileHash(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result();
}

bool writeRandomFile(const QString &path, qint64 size)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    QByteArray chunk(64 * 1024, Qt::Uninitialized);
    for (qint64 left = size; left > 0; left -= chunk.size()) {
        for (qsizetype i = 0; i < chunk.size(); i += 4) {
            const quint32 v = QRandomGenerator::global()->generate();
            memcpy(chunk.data() + i, &v, 4);
        }
        if (file.write(chunk.constData(), qMin<qint64>(left, chunk.size())) < 0)
            return false;
    }
    return true;
}

} // namespace

class TestGuiTransfer : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_root;
    std::optional<Test::TestServer> m_server;
    std::unique_ptr<TransferEngine> m_studio;
    Test::ScriptedDecider m_accept;
    std::unique_ptr<EngineBackend> m_backend;
    std::unique_ptr<MainWindow> m_window;

    QString dir(const QString &name) const
    {
        const QString path = m_root.filePath(name);
        QDir().mkpath(path);
        return path;
    }

    //! Drops \a paths on the studio's contact row, once it is online.
    void dropOnStudio(const QStringList &paths)
    {
        const QModelIndex studio
            = Test::onlineContact(m_window->contactModel(), m_studio->selfId());
        QVERIFY(studio.isValid());
        QCOMPARE(studio.data(ContactListModel::NameRole).toString(), u"Studio"_qs);
        ContactView *view = m_window->contactView();
        QVERIFY(Test::dropFiles(view->viewport(), view->visualRect(studio).center(), paths));
    }

    //! The newest row reached a final state: Done, or the test fails with its error.
    void waitDone(const QString &what)
    {
        TransferListModel *transfers = m_window->transferModel();
        QTRY_VERIFY_WITH_TIMEOUT(transfers->snapshotAt(0).isFinished(), 60000);
        const TransferSnapshot s = transfers->snapshotAt(0);
        QVERIFY2(s.state == TransferSnapshot::State::Done, qPrintable(what + u": "_qs + s.error));
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

        // The second peer: an engine with a canned "accept" for offers.
        m_studio = Test::registeredPeer(
            dir(u"studio"_qs), port, u"Studio"_qs, dir(u"studio-downloads"_qs), &m_accept, &error);
        QVERIFY2(m_studio, qPrintable(error));

        // The app, configured like a person would: name, server, download folder.
        const ConfigDir appDir(dir(u"app"_qs));
        AppSettings settings = AppSettings::load(appDir);
        settings.displayName = u"Mei"_qs;
        settings.serverAddress = u"127.0.0.1:%1"_qs.arg(port);
        settings.downloadDir = dir(u"app-downloads"_qs);
        QVERIFY(settings.save(appDir));
        const auto appIdentity = DeviceIdentity::loadOrCreate(appDir, &error);
        QVERIFY2(appIdentity, qPrintable(error));
        m_backend
            = std::make_unique<EngineBackend>(*appIdentity, appDir, AppSettings::load(appDir));
        // No LAN discovery here: other processes on this machine must not show up.
        m_backend->setEngineTuning([](EngineConfig &config) { config.lan = false; });
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
        m_studio.reset();
        m_server.reset();
    }

    void senderSeesTheCodeTheReceiverIsAsked()
    {
        // The first transfer to a new contact: the receiver's prompt says "accept only if the
        // sender sees the same code", so the sender's window must show it, large, meanwhile.
        const QString source = dir(u"outbox"_qs) + u"/first-contact.bin"_qs;
        QVERIFY(writeRandomFile(source, 64 * 1024));
        m_accept.hold();
        const int callsBefore = m_accept.calls;
        dropOnStudio({source});
        if (QTest::currentTestFailed())
            return;
        auto *banner = m_window->findChild<VerificationBanner *>(u"verificationBanner"_qs);
        QVERIFY(banner);
        QTRY_COMPARE_WITH_TIMEOUT(m_accept.calls, callsBefore + 1, 30000);
        QVERIFY(m_accept.last.firstContact);
        const QString receiverCode = m_accept.last.verificationCode;
        QVERIFY(!receiverCode.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 5000);
        QCOMPARE(banner->code(), receiverCode);
        auto *label = banner->findChild<QLabel *>(u"senderVerificationCode"_qs);
        QVERIFY(label->isVisible());
        QCOMPARE(label->text(), receiverCode);
        QVERIFY(label->font().pointSizeF() >= 1.5 * m_window->font().pointSizeF());
        m_accept.release();
        waitDone(u"first contact"_qs);
        QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 5000);
    }

    void dropOnContactSendsToTheRealPeer()
    {
        const QString source = dir(u"outbox"_qs) + u"/drop-test.bin"_qs;
        QVERIFY(writeRandomFile(source, 3 * 1024 * 1024 + 17));
        TransferListModel *transfers = m_window->transferModel();
        const int before = transfers->rowCount();
        dropOnStudio({source});
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE_WITH_TIMEOUT(transfers->rowCount(), before + 1, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(transfers->snapshotAt(0).isFinished(), 60000);
        const TransferSnapshot done = transfers->snapshotAt(0);
        QVERIFY2(done.state == TransferSnapshot::State::Done, qPrintable(done.error));
        QCOMPARE(done.direction, TransferSnapshot::Direction::Outgoing);
        QCOMPARE(done.bytesDone, done.bytesTotal);
        QVERIFY(done.path != PathKind::Unknown);
        const QString received = m_root.filePath(u"studio-downloads/drop-test.bin"_qs);
        QVERIFY2(QFile::exists(received), qPrintable(received));
        QCOMPARE(fileHash(received), fileHash(source));
    }

    void findingADeviceThroughTheRealEngine()
    {
        // Known (same address as this app, so in presence): found at once and selected.
        m_window->findDevice(u"studio"_qs);
        QTRY_VERIFY_WITH_TIMEOUT(m_window->contactView()->currentIndex().isValid()
                && m_window->contactView()
                        ->currentIndex()
                        .data(ContactListModel::PeerRole)
                        .value<DeviceId>()
                    == m_studio->selfId(),
            10000);

        // Unknown locally: the engine asks the server, which knows nobody by that name either.
        QSignalSpy answers(m_backend.get(), &Backend::peerLookupFinished);
        m_backend->findPeer(u"nobody-by-this-name"_qs);
        QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 1, 10000);
        QCOMPARE(answers.at(0).at(0).toString(), u"nobody-by-this-name"_qs);
        QVERIFY(answers.at(0).at(1).value<DeviceId>().isNull());
        QVERIFY2(!answers.at(0).at(2).toString().isEmpty(), "a reason is given");
    }

    void lanDiscoveryFollowsTheSetting()
    {
        // Its own backend: the fixture's keeps LAN discovery off whatever the settings say.
        const ConfigDir configDir(dir(u"lan-switch"_qs));
        QString error;
        const auto identity = DeviceIdentity::loadOrCreate(configDir, &error);
        QVERIFY2(identity, qPrintable(error));
        AppSettings settings = AppSettings::load(configDir);
        QVERIFY(settings.lanDiscovery); // on by default
        EngineBackend backend(*identity, configDir, settings);
        backend.setEngineTuning([](EngineConfig &config) {
            config.lanConfig.port = 0; // the kernel's choice: no clash with a running app
            config.lanConfig.announce = false; // nothing leaves this test
            config.probeNat = false;
        });
        QVERIFY2(backend.start(&error), qPrintable(error));
        QVERIFY(backend.engine()->lanDiscovery());
        settings.lanDiscovery = false;
        backend.applySettings(settings);
        QVERIFY(backend.engine());
        QVERIFY(!backend.engine()->lanDiscovery());
        QCOMPARE(backend.engine()->lanTransferPort(), quint16(0));
        settings.lanDiscovery = true;
        backend.applySettings(settings);
        QVERIFY(backend.engine()->lanDiscovery());
    }

    void incomingOfferIsAnsweredInThePrompt()
    {
        const QString source = dir(u"studio-outbox"_qs) + u"/from-studio.bin"_qs;
        QVERIFY(writeRandomFile(source, 1024 * 1024 + 5));
        TransferListModel *transfers = m_window->transferModel();
        const int before = transfers->rowCount();
        m_studio->send(m_backend->selfId(), {source});

        IncomingOfferDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (dialog = m_window->findChild<IncomingOfferDialog *>(u"incomingOfferDialog"_qs)),
            30000);
        QCOMPARE(dialog->offer().senderName, u"Studio"_qs);
        QTest::mouseClick(dialog->findChild<QPushButton *>(u"acceptButton"_qs), Qt::LeftButton);

        QTRY_VERIFY_WITH_TIMEOUT(
            transfers->rowCount() > before && transfers->snapshotAt(0).isFinished(), 60000);
        const TransferSnapshot done = transfers->snapshotAt(0);
        QVERIFY2(done.state == TransferSnapshot::State::Done, qPrintable(done.error));
        QCOMPARE(done.direction, TransferSnapshot::Direction::Incoming);
        const QString received = m_root.filePath(u"app-downloads/from-studio.bin"_qs);
        QVERIFY2(QFile::exists(received), qPrintable(received));
        QCOMPARE(fileHash(received), fileHash(source));
    }
};

QTEST_MAIN(TestGuiTransfer)
#include "tst_guitransfer.moc"
