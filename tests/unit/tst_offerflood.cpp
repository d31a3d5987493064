// SPDX-License-Identifier: GPL-3.0-or-later
// Issue 12, H4: what a stranger's offers cost a receiver before anyone said yes. A real
// TransferEngine receives on its LAN port (loopback, real TLS); hostile clients send offers at
// and beyond the limits. Checked: a 1 000 000-item offer is refused from its first bytes
// (memory measured with VmRSS/VmHWM), declined offers leave no item lists behind, and sessions
// past the per-peer and total caps are refused at once with "busy".

#include "support/scripteddecider.h"
#include "support/testhelpers.h"
#include "support/transfersocketpair.h"

#include "core/configdir.h"
#include "net/security/securechannel.h"
#include "net/security/securestream.h"
#include "transfer/framechannel.h"
#include "transfer/offerdecider.h"
#include "transfer/transferengine.h"
#include "transfer/transferprotocol.h"

#include <QCborStreamWriter>
#include <QCoreApplication>
#include <QFile>
#include <QHash>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <qcorotask.h>

#include <chrono>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

//! kB of a line of /proc/self/status ("VmRSS", "VmHWM").
qint64 statusKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QString text = QString::fromLatin1(status.readAll());
    const QRegularExpression re(QLatin1String(field) + QStringLiteral(":\\s+(\\d+) kB"));
    const auto m = re.match(text);
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

//! KiB of heap in use by the ASan allocator's own count (RSS means little there: freed memory
//! waits in quarantine); 0 in other builds.
qint64 asanHeapKiB()
{
#ifdef PUNCHDROP_TEST_ASAN
    return qint64(__sanitizer_get_current_allocated_bytes() / 1024);
#else
    return 0;
#endif
}

//! Resets VmHWM to the current RSS (Linux: "5" to clear_refs).
bool resetPeak()
{
    QFile refs(QStringLiteral("/proc/self/clear_refs"));
    return refs.open(QIODevice::WriteOnly) && refs.write("5") == 1;
}

//! An OFFER frame of \a items one-byte files with paths of about \a pathLength characters,
//! written straight as CBOR (no QCborValue tree in the test process either).
QByteArray offerFrame(int items, int pathLength)
{
    QByteArray payload;
    {
        QCborStreamWriter w(&payload);
        w.startMap(4);
        w.append(QLatin1String("items"));
        w.startArray(quint64(items));
        const QString pad(qMax(0, pathLength - 7), QLatin1Char('x'));
        for (int i = 0; i < items; ++i) {
            w.startMap(4);
            w.append(QLatin1String("p"));
            w.append(QStringLiteral("%1%2").arg(i, 7, 10, QLatin1Char('0')).arg(pad));
            w.append(QLatin1String("s"));
            w.append(quint64(1));
            w.append(QLatin1String("m"));
            w.append(quint64(0644));
            w.append(QLatin1String("t"));
            w.append(quint64(0));
            w.endMap();
        }
        w.endArray();
        w.append(QLatin1String("bytes"));
        w.append(quint64(items));
        w.append(QLatin1String("files"));
        w.append(quint64(items));
        w.append(QLatin1String("n"));
        w.append(QByteArray(32, 'n'));
        w.endMap();
    }
    QByteArray frame(5, Qt::Uninitialized);
    qToBigEndian(quint32(payload.size() + 1), frame.data());
    frame[4] = char(Transfer::FrameType::Offer);
    return frame + payload;
}

//! One hostile client session: TLS to the engine, HELLO, then whatever the test sends.
struct Client
{
    std::unique_ptr<QSslSocket> socket;
    std::unique_ptr<FrameChannel> channel;
    QString error;

    Client(quint16 port, const DeviceIdentity &identity, const DeviceId &engine)
    {
        socket = Test::TransferSocketPair::dial(port, &error);
        if (!socket)
            return;
        const SecureChannel::Result r = QCoro::waitFor(
            SecureChannel::handshake(*socket, identity, SecureChannel::Role::Client, engine, 10s));
        if (!r.ok()) {
            error = r.error;
            return;
        }
        channel = std::make_unique<FrameChannel>(socket.get());
        channel->send(
            Transfer::Hello {Transfer::kProtocolVersion, {}, QStringLiteral("flood"), {}});
    }
    //! The next message that is not the engine's HELLO, or a failed read.
    FrameChannel::Incoming nextAnswer()
    {
        for (;;) {
            FrameChannel::Incoming in = QCoro::waitFor(channel->read(20s));
            if (in.status != FrameChannel::Status::Message
                || !std::holds_alternative<Transfer::Hello>(in.message))
                return in;
        }
    }
};

bool isError(const FrameChannel::Incoming &in, TransferError code)
{
    return in.status == FrameChannel::Status::Message
        && std::holds_alternative<Transfer::Error>(in.message)
        && std::get<Transfer::Error>(in.message).code == code;
}

} // namespace

class TestOfferFlood : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void hugeOfferIsRefusedFromItsFirstBytes();
    void declinedOffersKeepNoItemLists();
    void sessionsPastTheCapsAreRefusedAtOnce();

private:
    void startEngine(int maxTotal, int maxPerPeer);

    std::unique_ptr<QTemporaryDir> m_tmp;
    //! Declines every offer (or holds it, see hold()); keeps no item lists of its own.
    std::unique_ptr<Test::ScriptedDecider> m_decider;
    std::unique_ptr<TransferEngine> m_engine;
    DeviceIdentity m_identity;
    QHash<quint64, TransferSnapshot> m_last;
};

void TestOfferFlood::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_decider = std::make_unique<Test::ScriptedDecider>(OfferDecision::Decline);
    m_decider->keepItems = false; // the engine keeps its own copy until the session ends
    m_last.clear();
}

void TestOfferFlood::cleanup()
{
    if (m_engine)
        m_engine->stop();
    m_engine.reset();
}

void TestOfferFlood::startEngine(int maxTotal, int maxPerPeer)
{
    m_identity = Test::ephemeralIdentity();
    EngineConfig config;
    config.lan = true;
    config.lanConfig.port = 0;
    config.lanConfig.interfaces = {QStringLiteral("lo")};
    config.probeNat = false;
    config.useContacts = false;
    config.displayName = QStringLiteral("receiver");
    config.downloadDir = m_tmp->filePath(QStringLiteral("dl"));
    config.maxIncomingSessions = maxTotal;
    config.maxIncomingPerPeer = maxPerPeer;
    config.transferTimeouts.hello = 20s;
    m_engine = std::make_unique<TransferEngine>(
        m_identity, ConfigDir(m_tmp->filePath(QStringLiteral("conf"))), config);
    m_engine->setOfferDecider(m_decider.get());
    QObject::connect(m_engine.get(), &TransferEngine::transferUpdated, m_engine.get(),
        [this](const TransferSnapshot &s) { m_last.insert(s.id, s); });
    QString error;
    QVERIFY2(m_engine->start(&error), qPrintable(error));
    QVERIFY(m_engine->lanTransferPort() != 0);
}

void TestOfferFlood::hugeOfferIsRefusedFromItsFirstBytes()
{
    startEngine(8, 2);
    // What the review sent: 1 000 000 items, ~14 MB in one OFFER (d4d466d: +594 MiB peak).
    const QByteArray huge = offerFrame(1000000, 8);
    QVERIFY(huge.size() > 12 * 1024 * 1024);
    const DeviceIdentity stranger = Test::ephemeralIdentity();
    {
        Client warmup(m_engine->lanTransferPort(), stranger, m_identity.id());
        QVERIFY2(warmup.error.isEmpty(), qPrintable(warmup.error));
    }
    const qint64 rssBefore = statusKiB("VmRSS");
    QVERIFY(resetPeak());
    for (int i = 0; i < 3; ++i) {
        Client c(m_engine->lanTransferPort(), stranger, m_identity.id());
        QVERIFY2(c.error.isEmpty(), qPrintable(c.error));
        SecureStream::of(c.socket.get())->write(huge);
        const FrameChannel::Incoming in = c.nextAnswer();
        QVERIFY2(isError(in, TransferError::Protocol), qPrintable(in.error));
        QVERIFY2(std::get<Transfer::Error>(in.message).message.contains(QStringLiteral("limit")),
            qPrintable(std::get<Transfer::Error>(in.message).message));
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->incomingSessions(), 0, 10000);
    const qint64 peakGrowth = statusKiB("VmHWM") - rssBefore;
    const qint64 rssGrowth = statusKiB("VmRSS") - rssBefore;
    qInfo("three 1M-item offers: RSS +%lld KiB, peak +%lld KiB (client buffers included)",
        rssGrowth, peakGrowth);
    QCOMPARE(m_decider->calls, 0);
    // The client side of this process holds its 14 MB frame and TLS buffers; the engine reads
    // 5 bytes of it. d4d466d peaked at +594 MiB per such offer. (Under ASan freed memory sits in
    // quarantine instead of being reused: RSS says nothing there.)
    if (!Test::kAddressSanitizer)
        QVERIFY2(peakGrowth < 128 * 1024, qPrintable(QString::number(peakGrowth)));
}

void TestOfferFlood::declinedOffersKeepNoItemLists()
{
    startEngine(8, 2);
    // Offers at the limits: 100 000 items in (just under) 4 MiB.
    const QByteArray full = offerFrame(int(Transfer::kMaxOfferItems), 22);
    QVERIFY2(
        full.size() - 4 <= Transfer::kMaxFrameLength, qPrintable(QString::number(full.size())));
    QVERIFY(full.size() > 3 * 1024 * 1024);
    {
        Client warmup(m_engine->lanTransferPort(), Test::ephemeralIdentity(), m_identity.id());
        SecureStream::of(warmup.socket.get())->write(full);
        QVERIFY(std::holds_alternative<Transfer::Reveal>(warmup.nextAnswer().message));
        QVERIFY(std::holds_alternative<Transfer::Decline>(warmup.nextAnswer().message));
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->incomingSessions(), 0, 10000);
    const qint64 rssBefore = statusKiB("VmRSS");
    const qint64 heapBefore = asanHeapKiB();
    QVERIFY(resetPeak());
    constexpr int kOffers = 12;
    for (int i = 0; i < kOffers; ++i) {
        Client c(m_engine->lanTransferPort(), Test::ephemeralIdentity(), m_identity.id());
        QVERIFY2(c.error.isEmpty(), qPrintable(c.error));
        SecureStream::of(c.socket.get())->write(full);
        FrameChannel::Incoming in = c.nextAnswer();
        QVERIFY2(std::holds_alternative<Transfer::Reveal>(in.message), qPrintable(in.error));
        in = c.nextAnswer();
        QVERIFY2(std::holds_alternative<Transfer::Decline>(in.message), qPrintable(in.error));
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->incomingSessions(), 0, 10000);
    QCOMPARE(m_decider->calls, kOffers + 1);
    // Every declined offer left a summary, never its item list.
    int declined = 0;
    for (const TransferSnapshot &s : std::as_const(m_last)) {
        if (s.state != TransferSnapshot::State::Failed
            && s.state != TransferSnapshot::State::Declined)
            continue;
        ++declined;
        QVERIFY2(s.items.size() <= TransferSnapshot::kSummaryNames,
            qPrintable(QString::number(s.items.size())));
        QCOMPARE(s.itemCount, int(Transfer::kMaxOfferItems));
        QCOMPARE(s.fileCount, int(Transfer::kMaxOfferItems));
    }
    QCOMPARE(declined, kOffers + 1);
    // Run the deleteLater()s of the finished sessions before measuring what stays.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    const qint64 rssGrowth = statusKiB("VmRSS") - rssBefore;
    const qint64 peakGrowth = statusKiB("VmHWM") - rssBefore;
    qInfo("%d declined 100 000-item offers: RSS +%lld KiB, peak +%lld KiB", kOffers, rssGrowth,
        peakGrowth);
    // One offer at the limits costs tens of MiB while it is decided; none of it may stay.
    // d4d466d kept every declined offer's names: ~10 MiB each here. Under ASan the allocator
    // counts what stays; the peak is the product build's bound only.
    if (Test::kAddressSanitizer) {
        const qint64 heapGrowth = asanHeapKiB() - heapBefore;
        qInfo("heap in use (ASan's count): +%lld KiB", heapGrowth);
        QVERIFY2(heapGrowth < 40 * 1024, qPrintable(QString::number(heapGrowth)));
    } else {
        QVERIFY2(rssGrowth < 40 * 1024, qPrintable(QString::number(rssGrowth)));
        QVERIFY2(peakGrowth < 160 * 1024, qPrintable(QString::number(peakGrowth)));
    }
}

void TestOfferFlood::sessionsPastTheCapsAreRefusedAtOnce()
{
    startEngine(3, 2);
    m_decider->hold(); // offers wait for a decision: their sessions stay open
    const QByteArray small = offerFrame(2, 8);
    const DeviceIdentity alice = Test::ephemeralIdentity();
    const DeviceIdentity bob = Test::ephemeralIdentity();
    const quint16 port = m_engine->lanTransferPort();
    std::vector<std::unique_ptr<Client>> admitted;
    const auto admit = [&](const DeviceIdentity &who) {
        auto c = std::make_unique<Client>(port, who, m_identity.id());
        QVERIFY2(c->error.isEmpty(), qPrintable(c->error));
        SecureStream::of(c->socket.get())->write(small);
        const FrameChannel::Incoming in = c->nextAnswer();
        QVERIFY2(std::holds_alternative<Transfer::Reveal>(in.message), qPrintable(in.error));
        admitted.push_back(std::move(c));
    };
    const auto refused = [&](const DeviceIdentity &who) {
        Client c(port, who, m_identity.id());
        QVERIFY2(c.error.isEmpty(), qPrintable(c.error));
        const FrameChannel::Incoming in = c.nextAnswer();
        QVERIFY2(isError(in, TransferError::Busy), qPrintable(in.error));
        QVERIFY(std::get<Transfer::Error>(in.message).message.contains(QStringLiteral("busy")));
    };
    admit(alice);
    admit(alice);
    refused(alice); // per device: 2
    admit(bob);
    QCOMPARE(m_engine->incomingSessions(), 3);
    refused(bob); // in total: 3
    refused(Test::ephemeralIdentity());
    QCOMPARE(m_decider->calls, 3); // the refused ones never reached anyone
    QCOMPARE(m_decider->heldTooLong(), 0);
    m_decider->release();
    for (auto &c : admitted)
        QVERIFY(std::holds_alternative<Transfer::Decline>(c->nextAnswer().message));
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->incomingSessions(), 0, 10000);
    admit(bob); // room again
}

QTEST_GUILESS_MAIN(TestOfferFlood)
#include "tst_offerflood.moc"
