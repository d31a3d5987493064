// SPDX-License-Identifier: GPL-3.0-or-later
// OutgoingTransfer ↔ IncomingTransfer over real loopback TLS sockets with two ephemeral
// identities: sizes, folder trees, many small files (one by one and in FILES batches), resume,
// corruption, disk errors, decline, cancel, hostile offers, no-overwrite, symlinks, contact
// pinning.

#include "net/security/securestream.h"
#include "support/faildevice.h"
#include "support/flippingproxy.h"
#include "support/scripteddecider.h"
#include "support/testhelpers.h"
#include "support/transfersocketpair.h"

#include "core/filetimes.h"
#include "core/ownedfile.h"
#include "net/wire/sessioncode.h"
#include "transfer/contactstore.h"
#include "transfer/filedigest.h"
#include "transfer/framechannel.h"
#include "transfer/incomingtransfer.h"
#include "transfer/offerdecider.h"
#include "transfer/outgoingtransfer.h"
#include "transfer/safepath.h"
#include "transfer/transferprotocol.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <qcorotask.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <optional>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

struct Outcome
{
    TransferResult sent;
    TransferResult received;
};

using Setup = std::function<void(OutgoingTransfer &, IncomingTransfer &)>;

Outcome runTransfer(Test::TransferSocketPair &pair, const QStringList &paths,
    const ReceiveOptions &options, const Setup &setup = {})
{
    OutgoingTransfer sender(pair.client(), pair.clientIdentity(), paths);
    IncomingTransfer receiver(pair.server(), pair.serverIdentity(), pair.serverResult().peer,
        QStringLiteral("sender-box"), options);
    const TransferTimeouts timeouts {10s, 10s, 20s};
    sender.setTimeouts(timeouts);
    receiver.setTimeouts(timeouts);
    sender.setDeviceName(QStringLiteral("sender-box"));
    if (setup)
        setup(sender, receiver);
    auto sent = sender.run();
    auto received = receiver.run();
    Outcome out;
    out.sent = QCoro::waitFor(sent);
    out.received = QCoro::waitFor(received);
    return out;
}

QStringList listTree(const QString &root)
{
    QStringList out;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
        QDirIterator::Subdirectories);
    while (it.hasNext())
        out.append(QDir(root).relativeFilePath(it.next()));
    out.sort();
    return out;
}

//! An OFFER of one file per entry of \a contents, named \a prefix0, \a prefix1, …
Transfer::Offer offerOf(const QList<QByteArray> &contents, const QString &prefix)
{
    Transfer::Offer offer;
    for (int i = 0; i < contents.size(); ++i) {
        OfferItem item;
        item.relativePath = prefix + QString::number(i);
        item.size = contents.at(i).size();
        offer.items.append(item);
        offer.totalBytes += item.size;
    }
    offer.fileCount = int(contents.size());
    offer.codeNonce = QByteArray(32, 'n');
    return offer;
}

/*!
 * A sender driven by hand that announces "batch": HELLO and \a offer on \a channel, then reads
 * the receiver's HELLO, REVEAL and ACCEPT. Returns how many of those three came as messages.
 */
int openBatchSession(FrameChannel &channel, const Transfer::Offer &offer, const QString &name)
{
    using namespace Transfer;
    channel.send(Hello {kProtocolVersion, {capabilityXxh3(), capabilityBatch()}, name, {}});
    channel.send(offer);
    int messages = 0;
    for (int i = 0; i < 3; ++i)
        messages += QCoro::waitFor(channel.read(5s)).status == FrameChannel::Status::Message;
    return messages;
}

//! How a HandDrivenReceiver is set up.
struct HandDriven
{
    QString senderName = QStringLiteral("scripted"); //!< the name the receiver knows it by
    PartDeviceFactory factory; //!< writes go through it (FailDevice: a disk that fills)
    bool offerBatch = true; //!< the receiver announces "batch"
};

//! A hand-driven sender that calls itself "evil" (the hostile-sender tests).
HandDriven evilSender(bool offerBatch = true)
{
    HandDriven how;
    how.senderName = QStringLiteral("evil");
    how.offerBatch = offerBatch;
    return how;
}

/*!
 * A real IncomingTransfer (download folder \a downloadDir, set up as \a how says) on a secured
 * loopback pair, running from construction, with a decider that accepts; the test plays the
 * sender by hand on channel(). error() is the handshake's failure, if any.
 */
class HandDrivenReceiver
{
public:
    explicit HandDrivenReceiver(const QString &downloadDir, HandDriven how = {})
    {
        m_error = m_pair.secure();
        if (!m_error.isEmpty())
            return;
        m_options.downloadDir = downloadDir;
        m_options.decider = &m_decider;
        m_options.partDeviceFactory = std::move(how.factory);
        m_receiver = std::make_unique<IncomingTransfer>(m_pair.server(), m_pair.serverIdentity(),
            m_pair.serverResult().peer, how.senderName, m_options);
        m_receiver->setTimeouts({5s, 5s, 5s});
        m_receiver->setOfferBatch(how.offerBatch);
        m_received.emplace(m_receiver->run());
        m_channel = std::make_unique<FrameChannel>(m_pair.client());
    }

    const QString &error() const { return m_error; }
    FrameChannel &channel() { return *m_channel; }
    const Test::ScriptedDecider &decider() const { return m_decider; }
    //! Waits for the receiver's result.
    TransferResult result() { return QCoro::waitFor(*m_received); }

private:
    Test::TransferSocketPair m_pair;
    Test::ScriptedDecider m_decider {OfferDecision::Accept};
    ReceiveOptions m_options;
    QString m_error;
    std::unique_ptr<IncomingTransfer> m_receiver;
    std::optional<QCoro::Task<TransferResult>> m_received;
    std::unique_ptr<FrameChannel> m_channel;
};

//! Sends \a contents (offered by offerOf) as FILES frames of \a perFrame files each, at once.
void sendFrames(FrameChannel &channel, const QList<QByteArray> &contents, int perFrame)
{
    for (int first = 0; first < contents.size(); first += perFrame) {
        Transfer::FileBatch batch;
        for (int i = first; i < qMin(first + perFrame, int(contents.size())); ++i) {
            batch.files.append({i, FileDigest::of(FileDigest::Algorithm::Xxh3_128, contents.at(i)),
                contents.at(i)});
        }
        channel.send(batch);
    }
}

QString describe(const Outcome &o)
{
    return QStringLiteral("sent: %1 %2 / received: %3 %4")
        .arg(transferErrorName(o.sent.error), o.sent.message, transferErrorName(o.received.error),
            o.received.message);
}

} // namespace

class TestTransferSession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void sizes_data();
    void sizes();
    void folderTreeWithUnicodeAndEmptyFolder();
    void folderTimesAreRestored();
    void tenThousandSmallFiles();
    void smallFilesTravelInBatches_data();
    void smallFilesTravelInBatches();
    void senderBatchesSmallFiles();
    void receiverStoresABatch();
    void heldFramesShareOneSync_data();
    void heldFramesShareOneSync();
    void fullDiskWhileFramesAreHeld();
    void hostileBatchIsRefused_data();
    void hostileBatchIsRefused();
    void fullDiskInABatchLosesNothing();
    void interruptedTransferResumes();
    void pushedBackSenderQueuesNoRecordsInQt();
    void corruptedChunkIsAnIntegrityError_data();
    void corruptedChunkIsAnIntegrityError();
    void flippedCiphertextFailsTheTransfer();
    void diskFailureMidwayKeepsPartForResume();
    void declineWritesNothing();
    void cancelFromSender();
    void cancelFromReceiver();
    void receiverDeletedWhileDeciding();
    void hostilePathIsRefused();
    void neverOverwrites();
    void symlinkInDownloadDirIsNotFollowed();
    void changedKeyIsRefused();
    void contactClaimingAnotherContactsNameIsFlagged();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    QString m_src;
    QString m_dst;
};

void TestTransferSession::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_src = m_tmp->filePath(QStringLiteral("src"));
    m_dst = m_tmp->filePath(QStringLiteral("dst"));
    QVERIFY(QDir().mkpath(m_src));
}

void TestTransferSession::sizes_data()
{
    // Each side's preferred file digest, and the one the session must use (XXH3-128 only when
    // both offer it).
    QTest::addColumn<qint64>("size");
    QTest::addColumn<FileDigest::Algorithm>("senderDigest");
    QTest::addColumn<FileDigest::Algorithm>("receiverDigest");
    QTest::addColumn<FileDigest::Algorithm>("expected");
    using A = FileDigest::Algorithm;
    QTest::newRow("0 bytes") << qint64(0) << A::Xxh3_128 << A::Xxh3_128 << A::Xxh3_128;
    QTest::newRow("1 byte") << qint64(1) << A::Xxh3_128 << A::Xxh3_128 << A::Xxh3_128;
    QTest::newRow("one chunk exactly")
        << qint64(Transfer::kMaxChunkSize) << A::Xxh3_128 << A::Xxh3_128 << A::Xxh3_128;
    QTest::newRow("1 MiB + 1") << qint64(1024 * 1024 + 1) << A::Xxh3_128 << A::Xxh3_128
                               << A::Xxh3_128;
    QTest::newRow("sender asks for SHA-256, small")
        << qint64(1000) << A::Sha256 << A::Xxh3_128 << A::Sha256;
    QTest::newRow("sender asks for SHA-256")
        << qint64(1024 * 1024 + 1) << A::Sha256 << A::Xxh3_128 << A::Sha256;
    QTest::newRow("receiver asks for SHA-256")
        << qint64(1024 * 1024 + 1) << A::Xxh3_128 << A::Sha256 << A::Sha256;
}

void TestTransferSession::sizes()
{
    QFETCH(qint64, size);
    QFETCH(FileDigest::Algorithm, senderDigest);
    QFETCH(FileDigest::Algorithm, receiverDigest);
    QFETCH(FileDigest::Algorithm, expected);
    const QByteArray data = Test::randomBytes(size, quint32(size) + 7);
    const QString path = m_src + QStringLiteral("/file.bin");
    QVERIFY(Test::writeFile(path, data));

    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    QList<FileResult> finishedOnSender;
    QString senderCode;
    const Outcome o
        = runTransfer(pair, {path}, options, [&](OutgoingTransfer &s, IncomingTransfer &r) {
              s.setPreferredDigest(senderDigest);
              r.setPreferredDigest(receiverDigest);
              QObject::connect(&s, &OutgoingTransfer::fileFinished, &s,
                  [&](const FileResult &f) { finishedOnSender.append(f); });
              QObject::connect(&s, &OutgoingTransfer::verificationCodeKnown, &s,
                  [&](const QString &code) { senderCode = code; });
          });
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(decider.calls, 1);
    QCOMPARE(decider.last.totalBytes, size);
    QCOMPARE(decider.last.fileCount, 1);
    QVERIFY(decider.last.firstContact);
    QVERIFY(!decider.last.verificationCode.isEmpty());
    QCOMPARE(decider.last.verificationCode, senderCode); // the same code on both sides
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/file.bin")), data);
    const QString sha = QString::fromLatin1(FileDigest::of(expected, data).toHex());
    QCOMPARE(o.sent.files.size(), 1);
    QCOMPARE(o.sent.files.first().digestAlgorithm, expected);
    QCOMPARE(o.received.files.first().digestAlgorithm, expected);
    QCOMPARE(o.sent.files.first().digest, sha);
    QCOMPARE(o.received.files.first().digest, sha);
    QCOMPARE(o.received.files.first().localPath, m_dst + QStringLiteral("/file.bin"));
    QCOMPARE(o.sent.bytesTransferred, size);
    QCOMPARE(finishedOnSender.size(), 1);
    QCOMPARE(finishedOnSender.first().digest, sha);
    QCOMPARE(listTree(m_dst), QStringList {QStringLiteral("file.bin")}); // no .pdpart left
}

void TestTransferSession::folderTreeWithUnicodeAndEmptyFolder()
{
    const QString root = m_src + QStringLiteral("/Fotos 📷 Ärger");
    QVERIFY(Test::writeFile(root + QStringLiteral("/日本語/ファイル.txt"), "konnichiwa"));
    QVERIFY(Test::writeFile(root + QStringLiteral("/ελληνικά/ä ö ü.md"), "umlaut"));
    QVERIFY(Test::writeFile(root + QStringLiteral("/run.sh"), "#!/bin/sh\necho hi\n"));
    QVERIFY(QFile::setPermissions(root + QStringLiteral("/run.sh"),
        QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup
            | QFile::ExeGroup));
    QVERIFY(QDir().mkpath(root + QStringLiteral("/empty/also empty")));
    const QDateTime mtime = QDateTime::fromSecsSinceEpoch(1500000000, Qt::UTC);
    {
        QFile f(root + QStringLiteral("/ελληνικά/ä ö ü.md"));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.setFileTime(mtime, QFileDevice::FileModificationTime));
    }
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    const Outcome o = runTransfer(pair, {root}, options);
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(listTree(m_dst), listTree(m_src));
    const QString out = m_dst + QStringLiteral("/Fotos 📷 Ärger");
    QCOMPARE(
        Test::readFile(out + QStringLiteral("/日本語/ファイル.txt")), QByteArray("konnichiwa"));
    QVERIFY(QFileInfo(out + QStringLiteral("/empty/also empty")).isDir());
    // A first contact's executable bit is not honoured (tst_sessionsecurity has the rest).
    QVERIFY(!QFileInfo(out + QStringLiteral("/run.sh")).isExecutable());
    QVERIFY(!QFileInfo(out + QStringLiteral("/日本語/ファイル.txt")).isExecutable());
    QCOMPARE(QFileInfo(out + QStringLiteral("/ελληνικά/ä ö ü.md")).lastModified().toUTC(), mtime);
}

void TestTransferSession::folderTimesAreRestored()
{
    // Folders get the offer's time after their files are written (which touches them): nested,
    // empty and the root, each with a different time.
    const QString root = m_src + QStringLiteral("/album");
    QVERIFY(
        Test::writeFile(root + QStringLiteral("/2019/a.jpg"), Test::randomBytes(300 * 1024, 5)));
    QVERIFY(Test::writeFile(root + QStringLiteral("/2019/deep/b.jpg"), "b"));
    QVERIFY(QDir().mkpath(root + QStringLiteral("/empty")));
    const QList<std::pair<QString, QDateTime>> folders {
        {QStringLiteral("album"), QDateTime::fromMSecsSinceEpoch(1500000000123, Qt::UTC)},
        {QStringLiteral("album/2019"), QDateTime::fromMSecsSinceEpoch(1546300800000, Qt::UTC)},
        {QStringLiteral("album/2019/deep"), QDateTime::fromMSecsSinceEpoch(1234567890500, Qt::UTC)},
        {QStringLiteral("album/empty"), QDateTime::fromMSecsSinceEpoch(1000000000000, Qt::UTC)},
    };
    // Deepest first: setting a folder's time does not touch its parent.
    for (auto it = folders.crbegin(); it != folders.crend(); ++it) {
        QString error;
        QVERIFY2(FileTimes::setModified(m_src + QLatin1Char('/') + it->first, it->second, &error),
            qPrintable(error));
    }
    for (const auto &[path, time] : folders)
        QCOMPARE(QFileInfo(m_src + QLatin1Char('/') + path).lastModified().toUTC(), time);

    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    const Outcome o = runTransfer(pair, {root}, options);
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(listTree(m_dst), listTree(m_src));
    for (const auto &[path, time] : folders) {
        const QFileInfo received(m_dst + QLatin1Char('/') + path);
        QVERIFY2(received.isDir(), qPrintable(path));
        QCOMPARE(received.lastModified().toUTC(), time);
    }
}

void TestTransferSession::tenThousandSmallFiles()
{
    // On tmpfs when there is one: this measures the protocol (no round trip per file), not how
    // fast ext4 creates 20 000 inodes.
    std::unique_ptr<QTemporaryDir> shm;
    if (QFileInfo(QStringLiteral("/dev/shm")).isWritable()) {
        shm = std::make_unique<QTemporaryDir>(QStringLiteral("/dev/shm/punchdrop-test-XXXXXX"));
        QVERIFY(shm->isValid());
        m_src = shm->filePath(QStringLiteral("src"));
        m_dst = shm->filePath(QStringLiteral("dst"));
    }
    const QString root = m_src + QStringLiteral("/many");
    constexpr int kFiles = 10000;
    for (int i = 0; i < kFiles; ++i) {
        const QString path = root + QStringLiteral("/d%1/f%2.txt").arg(i / 500).arg(i);
        QVERIFY(Test::writeFile(path, QByteArray::number(i)));
    }
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    QElapsedTimer timer;
    timer.start();
    const Outcome o = runTransfer(pair, {root}, options);
    const qint64 ms = timer.elapsed();
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(o.received.files.size(), kFiles);
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/many/d19/f9999.txt")), QByteArray("9999"));
    qInfo("10 000 files in %lld ms", ms);
    // Without pipelining this would be 10 000 round trips plus per-file waits; with it the
    // whole set goes through well within the bound.
    QVERIFY2(ms < 60000, qPrintable(QStringLiteral("took %1 ms").arg(ms)));
}

void TestTransferSession::smallFilesTravelInBatches_data()
{
    // Whether each side announces "batch": only when both do do small files go in FILES frames;
    // otherwise every file takes HEADER … END, as with an older peer.
    QTest::addColumn<bool>("senderBatch");
    QTest::addColumn<bool>("receiverBatch");
    QTest::newRow("both batch") << true << true;
    QTest::newRow("the sender does not") << false << true;
    QTest::newRow("the receiver does not") << true << false;
}

void TestTransferSession::smallFilesTravelInBatches()
{
    QFETCH(bool, senderBatch);
    QFETCH(bool, receiverBatch);
    // Small files around big ones, at the edges of a chunk and of a batch: the order of files,
    // HEADERs and FILES frames must hold wherever a run of small files starts and ends.
    const QString root = m_src + QStringLiteral("/mix");
    QList<std::pair<QString, QByteArray>> files {
        {QStringLiteral("a.txt"), QByteArray("alpha")},
        {QStringLiteral("b-empty"), QByteArray()},
        {QStringLiteral("c-big.bin"), Test::randomBytes(600 * 1024 + 7, 3)},
        {QStringLiteral("d-chunk.bin"), Test::randomBytes(Transfer::kMaxChunkSize, 4)},
        {QStringLiteral("e-over.bin"), Test::randomBytes(Transfer::kMaxChunkSize + 1, 5)},
        {QStringLiteral("f-after.txt"), QByteArray("omega")},
    };
    for (int i = 0; i < 300; ++i) // more than kBatchFiles: several FILES frames
        files.append({QStringLiteral("many/%1.bin").arg(i, 3, 10, QLatin1Char('0')),
            Test::randomBytes(1 + i * 7, quint32(100 + i))});
    for (const auto &[name, bytes] : std::as_const(files))
        QVERIFY(Test::writeFile(root + QLatin1Char('/') + name, bytes));
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    quint64 framesToReceiver = 0;
    const Outcome o = runTransfer(
        pair, {root}, options, [&](OutgoingTransfer &sender, IncomingTransfer &receiver) {
            sender.setOfferBatch(senderBatch);
            receiver.setOfferBatch(receiverBatch);
            connect(&receiver, &TransferJob::finished, &receiver,
                [&] { framesToReceiver = receiver.channel().framesReceived(); });
        });
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(o.received.files.size(), files.size());
    for (const auto &[name, bytes] : std::as_const(files))
        QVERIFY2(Test::readFile(m_dst + QStringLiteral("/mix/") + name) == bytes, qPrintable(name));
    for (const FileResult &f : o.sent.files)
        QVERIFY2(f.verified && !f.digest.isEmpty(), qPrintable(f.relativePath));
    QVERIFY(!listTree(m_dst).join(QLatin1Char(' ')).contains(SafePath::partSuffix()));
    // 304 small files: one by one they are 5 frames each (HEADER, SENDFROM, DATA, END; the empty
    // one no DATA); in FILES frames of up to kBatchFiles a handful in all.
    const bool batched = senderBatch && receiverBatch;
    QVERIFY2(batched ? framesToReceiver < 40 : framesToReceiver > 4 * 300,
        qPrintable(QString::number(framesToReceiver)));
}

void TestTransferSession::senderBatchesSmallFiles()
{
    // The real sender against a receiver driven by hand that announces "batch": the small files
    // come as FILES frames of at most kBatchFiles files and kBatchBytes of content, in offer
    // order, each with its digest, and nothing else until the VERDICTs are in.
    const QString root = m_src + QStringLiteral("/batch");
    QList<QByteArray> contents;
    for (int i = 0; i < 300; ++i) {
        contents.append(Test::randomBytes(i % 10 == 0 ? 20000 : 1000 + i, quint32(i)));
        QVERIFY(Test::writeFile(
            root + QStringLiteral("/f%1.bin").arg(i, 3, 10, QLatin1Char('0')), contents.last()));
    }
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    OutgoingTransfer sender(pair.client(), pair.clientIdentity(), {root});
    sender.setTimeouts({5s, 5s, 5s});
    auto sent = sender.run();

    using namespace Transfer;
    FrameChannel channel(pair.server());
    const QByteArray nonce = SessionCode::newNonce();
    channel.send(Hello {kProtocolVersion, {capabilityXxh3(), capabilityBatch()},
        QStringLiteral("scripted"), SessionCode::commitment(nonce)});
    auto in = QCoro::waitFor(channel.read(5s));
    QVERIFY(std::holds_alternative<Hello>(in.message));
    in = QCoro::waitFor(channel.read(5s));
    QVERIFY(std::holds_alternative<Offer>(in.message));
    const Offer offer = std::get<Offer>(in.message);
    QCOMPARE(offer.fileCount, 300);
    channel.send(Reveal {nonce});
    channel.send(Accept {});
    qint64 next = 1; // item 0 is the folder
    int frames = 0;
    while (next < offer.items.size()) {
        in = QCoro::waitFor(channel.read(5s));
        QCOMPARE(in.status, FrameChannel::Status::Message);
        const auto *batch = std::get_if<FileBatch>(&in.message);
        QVERIFY2(batch, qPrintable(frameTypeName(frameTypeOf(in.message))));
        ++frames;
        QVERIFY(batch->files.size() <= kBatchFiles);
        qint64 bytes = 0;
        QList<Message> verdicts;
        for (const InlineFile &file : batch->files) {
            QCOMPARE(file.index, next);
            const QByteArray &expected = contents.at(int(next - 1));
            QCOMPARE(file.bytes, expected);
            QCOMPARE(file.digest, FileDigest::of(FileDigest::Algorithm::Xxh3_128, expected));
            bytes += file.bytes.size();
            verdicts.append(Verdict {file.index, TransferError::None, {}});
            ++next;
        }
        QVERIFY(batch->files.size() == 1 || bytes <= kBatchBytes);
        channel.sendAll(verdicts);
    }
    QVERIFY2(frames >= 3 && frames <= 20, qPrintable(QString::number(frames)));
    in = QCoro::waitFor(channel.read(5s));
    QVERIFY(std::holds_alternative<SessionEnd>(in.message));
    channel.send(SessionEnd {});
    const TransferResult r = QCoro::waitFor(sent);
    QVERIFY2(r.allVerified(), qPrintable(r.message));
    QCOMPARE(r.files.size(), 300);
}

void TestTransferSession::receiverStoresABatch()
{
    // A FILES frame driven by hand: each file is checked on its own. The one whose content does
    // not match its digest gets an "integrity" VERDICT and leaves nothing behind; the others
    // land verified, and the session goes on to its end.
    HandDrivenReceiver session(m_dst);
    QVERIFY2(session.error().isEmpty(), qPrintable(session.error()));

    using namespace Transfer;
    using A = FileDigest::Algorithm;
    const QList<QByteArray> contents {
        QByteArray("one"), QByteArray(), Test::randomBytes(kMaxChunkSize, 9), QByteArray("four")};
    FrameChannel &channel = session.channel();
    QCOMPARE(openBatchSession(
                 channel, offerOf(contents, QStringLiteral("in/f")), QStringLiteral("scripted")),
        3); // HELLO, REVEAL, ACCEPT
    FileBatch batch;
    for (int i = 0; i < contents.size(); ++i)
        batch.files.append({i, FileDigest::of(A::Xxh3_128, contents.at(i)), contents.at(i)});
    batch.files[3].bytes = QByteArray("f0ur"); // same size, other bytes
    channel.send(batch);
    QList<TransferError> verdicts;
    for (int i = 0; i < contents.size(); ++i) {
        const auto in = QCoro::waitFor(channel.read(5s));
        QCOMPARE(in.status, FrameChannel::Status::Message);
        const auto *verdict = std::get_if<Verdict>(&in.message);
        QVERIFY2(verdict, qPrintable(frameTypeName(frameTypeOf(in.message))));
        QCOMPARE(verdict->index, qint64(i));
        verdicts.append(verdict->error);
    }
    QCOMPARE(verdicts,
        (QList<TransferError> {TransferError::None, TransferError::None, TransferError::None,
            TransferError::Integrity}));
    channel.send(SessionEnd {});
    QVERIFY(std::holds_alternative<SessionEnd>(QCoro::waitFor(channel.read(5s)).message));
    const TransferResult r = session.result();
    QCOMPARE(r.files.size(), 4);
    QVERIFY(r.files.at(0).verified && r.files.at(1).verified && r.files.at(2).verified);
    QCOMPARE(r.files.at(3).error, TransferError::Integrity);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(Test::readFile(m_dst + QStringLiteral("/in/f%1").arg(i)), contents.at(i));
    QCOMPARE(listTree(m_dst + QStringLiteral("/in")),
        (QStringList {QStringLiteral("f0"), QStringLiteral("f1"), QStringLiteral("f2")}));
}

void TestTransferSession::heldFramesShareOneSync_data()
{
    QTest::addColumn<int>("files");
    QTest::addColumn<int>("perFrame");
    QTest::addColumn<int>("commits");
    // Every frame is there to read at once: the receiver holds them and puts them all in place
    // after the last one, with one sync (Linux: one syncfs; elsewhere one sync a file anyway).
    QTest::newRow("32 frames of 2") << 64 << 2 << 1;
    // No more than IncomingTransfer::kHeldFiles wait: 300 held after the third frame, 300
    // more after the sixth.
    QTest::newRow("6 frames of 100") << 600 << 100 << 2;
}

void TestTransferSession::heldFramesShareOneSync()
{
    QFETCH(int, files);
    QFETCH(int, perFrame);
    QFETCH(int, commits);
    HandDrivenReceiver session(m_dst);
    QVERIFY2(session.error().isEmpty(), qPrintable(session.error()));

    using namespace Transfer;
    QList<QByteArray> contents;
    for (int i = 0; i < files; ++i)
        contents.append(Test::randomBytes(64, quint32(i)));
    FrameChannel &channel = session.channel();
    QCOMPARE(openBatchSession(
                 channel, offerOf(contents, QStringLiteral("in/f")), QStringLiteral("scripted")),
        3); // HELLO, REVEAL, ACCEPT
    const quint64 syncsBefore = OwnedFile::syncCalls();
    sendFrames(channel, contents, perFrame);
    for (int i = 0; i < files; ++i) {
        const auto in = QCoro::waitFor(channel.read(5s));
        QCOMPARE(in.status, FrameChannel::Status::Message);
        const auto *verdict = std::get_if<Verdict>(&in.message);
        QVERIFY2(verdict, qPrintable(frameTypeName(frameTypeOf(in.message))));
        QCOMPARE(verdict->index, qint64(i));
        QCOMPARE(verdict->error, TransferError::None);
    }
    const quint64 syncs = OwnedFile::syncCalls() - syncsBefore;
    channel.send(SessionEnd {});
    QVERIFY(std::holds_alternative<SessionEnd>(QCoro::waitFor(channel.read(5s)).message));
    const TransferResult r = session.result();
    QVERIFY2(r.allVerified(), qPrintable(r.message));
    for (int i = 0; i < files; ++i)
        QCOMPARE(Test::readFile(m_dst + QStringLiteral("/in/f%1").arg(i)), contents.at(i));
    // Where one call syncs many files (Linux), one a commit; elsewhere one a file.
    QCOMPARE(syncs, OwnedFile::kSyncAllIsOneCall ? quint64(commits) : quint64(files));
}

void TestTransferSession::fullDiskWhileFramesAreHeld()
{
    // The disk fills at the 41st of 64 files, sent as 32 frames of 2 that the receiver holds
    // for one sync: the 40 written before it are synced and put in place, with their VERDICTs;
    // nothing of the rest is left behind, and the transfer fails as a write failure.
    auto opened = std::make_shared<std::atomic_int>(0);
    HandDriven fillingDisk;
    fillingDisk.factory
        = [opened](QIODevice *part, qint64, QString *) -> std::unique_ptr<QIODevice> {
        return std::make_unique<Test::FailDevice>(part, opened->fetch_add(1) < 40 ? 1 << 20 : 10);
    };
    HandDrivenReceiver session(m_dst, std::move(fillingDisk));
    QVERIFY2(session.error().isEmpty(), qPrintable(session.error()));

    using namespace Transfer;
    QList<QByteArray> contents;
    for (int i = 0; i < 64; ++i)
        contents.append(Test::randomBytes(64, quint32(i)));
    FrameChannel &channel = session.channel();
    QCOMPARE(openBatchSession(
                 channel, offerOf(contents, QStringLiteral("in/f")), QStringLiteral("scripted")),
        3); // HELLO, REVEAL, ACCEPT
    sendFrames(channel, contents, 2);
    int verdicts = 0;
    for (;;) {
        const auto in = QCoro::waitFor(channel.read(5s));
        const auto *verdict = std::get_if<Verdict>(&in.message);
        if (in.status != FrameChannel::Status::Message || !verdict)
            break;
        QCOMPARE(verdict->index, qint64(verdicts));
        QCOMPARE(verdict->error, TransferError::None);
        ++verdicts;
    }
    QCOMPARE(verdicts, 40);
    const TransferResult r = session.result();
    QCOMPARE(r.error, TransferError::WriteFailed);
    QStringList placed;
    for (int i = 0; i < 40; ++i) {
        QCOMPARE(Test::readFile(m_dst + QStringLiteral("/in/f%1").arg(i)), contents.at(i));
        placed.append(QStringLiteral("f%1").arg(i));
    }
    placed.sort();
#ifdef Q_OS_LINUX
    QCOMPARE(listTree(m_dst + QStringLiteral("/in")), placed);
#else
    for (int i = 40; i < 64; ++i)
        QVERIFY(!QFile::exists(m_dst + QStringLiteral("/in/f%1").arg(i)));
#endif
}

void TestTransferSession::hostileBatchIsRefused_data()
{
    // What a hostile sender does with FILES, and the receiver's answer: ERROR "protocol", and
    // not one byte written.
    QTest::addColumn<QString>("attack");
    QTest::addColumn<bool>("receiverBatch");
    QTest::newRow("FILES to a receiver without batch") << QStringLiteral("plain") << false;
    QTest::newRow("files out of offer order") << QStringLiteral("order") << true;
    QTest::newRow("a file of another size than offered") << QStringLiteral("size") << true;
    QTest::newRow("more files than the offer has") << QStringLiteral("beyond") << true;
    QTest::newRow("FILES while a HEADER is answered") << QStringLiteral("header") << true;
    QTest::newRow("a big file's bytes in FILES") << QStringLiteral("big") << true;
    QTest::newRow("a digest of the other algorithm") << QStringLiteral("digest") << true;
}

void TestTransferSession::hostileBatchIsRefused()
{
    QFETCH(QString, attack);
    QFETCH(bool, receiverBatch);
    HandDrivenReceiver session(m_dst, evilSender(receiverBatch));
    QVERIFY2(session.error().isEmpty(), qPrintable(session.error()));

    using namespace Transfer;
    using A = FileDigest::Algorithm;
    // Two small files and one of two chunks.
    const QList<QByteArray> contents {
        QByteArray("first"), QByteArray("second"), Test::randomBytes(kMaxChunkSize + 10, 2)};
    FrameChannel &channel = session.channel();
    QCOMPARE(
        openBatchSession(channel, offerOf(contents, QStringLiteral("f")), QStringLiteral("evil")),
        3); // HELLO, REVEAL, ACCEPT
    const auto entry = [&](int i, const QByteArray &bytes) {
        return InlineFile {i, FileDigest::of(A::Xxh3_128, bytes), bytes};
    };
    FileBatch batch {{entry(0, contents.at(0)), entry(1, contents.at(1))}};
    if (attack == u"order") {
        std::swap(batch.files[0], batch.files[1]);
    } else if (attack == u"size") {
        batch.files[1] = entry(1, QByteArray("second!"));
    } else if (attack == u"beyond") {
        batch.files.append(entry(2, contents.at(2).left(100)));
        batch.files.append(entry(3, QByteArray("x")));
    } else if (attack == u"header") {
        channel.send(FileHeader {0, contents.at(0).size()});
        const auto start = QCoro::waitFor(channel.read(5s));
        QVERIFY(std::holds_alternative<Start>(start.message));
        batch.files.removeFirst();
    } else if (attack == u"big") {
        batch.files.append(entry(2, contents.at(2).left(kMaxChunkSize)));
    } else if (attack == u"digest") {
        batch.files[1].digest = FileDigest::of(A::Sha256, contents.at(1));
    }
    channel.send(batch);
    const auto answer = QCoro::waitFor(channel.read(5s));
    QCOMPARE(answer.status, FrameChannel::Status::Message);
    QVERIFY2(std::holds_alternative<Error>(answer.message),
        qPrintable(frameTypeName(frameTypeOf(answer.message))));
    QCOMPARE(std::get<Error>(answer.message).code, TransferError::Protocol);
    const TransferResult r = session.result();
    QCOMPARE(r.error, TransferError::Protocol);
    QCOMPARE(listTree(m_dst), QStringList {});
}

void TestTransferSession::fullDiskInABatchLosesNothing()
{
    // The disk fills at the fifth file of a FILES frame: the four before it land verified, the
    // transfer ends with the write error on both sides, and no file after them exists under
    // its final name. On Linux the fifth had no name yet (O_TMPFILE): nothing at all is left;
    // elsewhere its part file may stay, and the next attempt takes it over.
    const QString root = m_src + QStringLiteral("/full");
    QList<QByteArray> contents;
    for (int i = 0; i < 10; ++i) {
        contents.append(Test::randomBytes(1000, quint32(i)));
        QVERIFY(Test::writeFile(root + QStringLiteral("/f%1").arg(i), contents.last()));
    }
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    auto opened = std::make_shared<std::atomic_int>(0);
    options.partDeviceFactory
        = [opened](QIODevice *part, qint64, QString *) -> std::unique_ptr<QIODevice> {
        return std::make_unique<Test::FailDevice>(part, opened->fetch_add(1) < 4 ? 1 << 20 : 500);
    };
    const Outcome o = runTransfer(pair, {root}, options);
    QCOMPARE(o.received.error, TransferError::WriteFailed);
    QCOMPARE(o.sent.error, TransferError::WriteFailed);
    for (int i = 0; i < 10; ++i) {
        const QString target = m_dst + QStringLiteral("/full/f%1").arg(i);
        QCOMPARE(o.received.files.at(i).verified, i < 4);
        if (i < 4)
            QCOMPARE(Test::readFile(target), contents.at(i));
        else
            QVERIFY2(!QFile::exists(target), qPrintable(target));
    }
#ifdef Q_OS_LINUX
    QCOMPARE(listTree(m_dst),
        (QStringList {QStringLiteral("full"), QStringLiteral("full/f0"), QStringLiteral("full/f1"),
            QStringLiteral("full/f2"), QStringLiteral("full/f3")}));
#endif
}

void TestTransferSession::pushedBackSenderQueuesNoRecordsInQt()
{
    // A receiver whose disk is slow (3 ms a 256 KiB chunk) pushes back on the sender. Where
    // SecureStream hands records straight to the kernel, the sender writes its next record only
    // when Qt's write buffer is empty: at most the tail of one record the kernel did not take
    // waits there, never a queue of records (copied once more, and sent from cold memory).
    const qint64 size = 64 * 1024 * 1024;
    const QByteArray data = Test::randomBytes(size, 64);
    const QString path = m_src + QStringLiteral("/pushed.bin");
    QVERIFY(Test::writeFile(path, data));
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    options.partDeviceFactory = [](QIODevice *part, qint64, QString *) {
        auto slow = std::make_unique<Test::FailDevice>(part, std::numeric_limits<qint64>::max());
        slow->setWriteDelay(3ms);
        return std::unique_ptr<QIODevice>(std::move(slow));
    };
    qint64 most = 0;
    int waiting = 0; // samples that found bytes in the sender's Qt buffer
    QTimer sampler;
    sampler.setTimerType(Qt::PreciseTimer);
    QObject::connect(&sampler, &QTimer::timeout, &sampler, [&] {
        const qint64 queued = pair.client()->bytesToWrite();
        most = qMax(most, queued);
        waiting += queued > 0;
    });
    sampler.start(1);
    const Outcome o = runTransfer(pair, {path}, options);
    sampler.stop();
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/pushed.bin")), data);
    QVERIFY2(waiting > 0, "the receiver never pushed back: this test proves nothing");
    // One DATA record: u32 length, the 5-byte frame head and the chunk, the AEAD tag.
    const qint64 record = 4 + 5 + Transfer::kMaxChunkSize + 16;
    const qint64 bound
        = SecureStream::kWritesDirect ? record : TransferJob::kWriteThreshold + record;
    QVERIFY2(most < bound,
        qPrintable(QStringLiteral("%1 bytes waited in Qt's buffer (%2 samples); at most %3")
                       .arg(most)
                       .arg(waiting)
                       .arg(bound)));
}

void TestTransferSession::interruptedTransferResumes()
{
    const qint64 size = 16 * 1024 * 1024 + 123;
    const QByteArray data = Test::randomBytes(size, 42);
    const QString path = m_src + QStringLiteral("/big.bin");
    QVERIFY(Test::writeFile(path, data));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;

    Test::TransferSocketPair first;
    QString error = first.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // The sender vanishes after 6 MiB of ciphertext left it: at most that (plus what the
    // backpressure threshold allows) can have arrived, so the file cannot be complete.
    qint64 written = 0;
    QObject::connect(SecureStream::of(first.client()), &SecureStream::bytesSent, first.client(),
        [&first, &written](qint64 n) {
            written += n;
            if (written > 6 * 1024 * 1024
                && first.client()->state() == QAbstractSocket::ConnectedState)
                first.client()->abort();
        });
    const Outcome broken = runTransfer(first, {path}, options);
    QVERIFY2(!broken.received.ok() && !broken.sent.ok(), qPrintable(describe(broken)));
    QVERIFY(!QFile::exists(m_dst + QStringLiteral("/big.bin")));
    const QStringList parts = Test::partFilesOf(m_dst + QStringLiteral("/big.bin"));
    QCOMPARE(parts.size(), 1);
    const QByteArray part = Test::readFile(parts.first());
    QVERIFY2(part.size() > 0 && part.size() < size, qPrintable(QString::number(part.size())));
    QCOMPARE(part, data.left(part.size()));

    Test::TransferSocketPair second;
    second.setIdentities(first.clientIdentity(), first.serverIdentity());
    error = second.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Outcome o = runTransfer(second, {path}, options);
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/big.bin")), data);
    const qint64 resumedFrom = o.sent.files.first().resumedFrom;
    QCOMPARE(resumedFrom, qint64(part.size()));
    QCOMPARE(o.received.files.first().resumedFrom, resumedFrom);
    QCOMPARE(o.sent.bytesTransferred, size - resumedFrom); // fewer bytes the second time
    QCOMPARE(listTree(m_dst), QStringList {QStringLiteral("big.bin")});
}

void TestTransferSession::corruptedChunkIsAnIntegrityError_data()
{
    // The hostile sender's HELLO capabilities, the digest its END carries (of the real content),
    // and what the receiver answers: a VERDICT "integrity", or ERROR "protocol" for a digest of
    // the other algorithm's size.
    QTest::addColumn<QStringList>("caps");
    QTest::addColumn<FileDigest::Algorithm>("endDigest");
    QTest::addColumn<TransferError>("expected");
    using A = FileDigest::Algorithm;
    const QStringList xxh3 {Transfer::capabilityXxh3()};
    QTest::newRow("SHA-256 session") << QStringList() << A::Sha256 << TransferError::Integrity;
    QTest::newRow("XXH3 session") << xxh3 << A::Xxh3_128 << TransferError::Integrity;
    QTest::newRow("XXH3 session, SHA-256 END") << xxh3 << A::Sha256 << TransferError::Protocol;
    QTest::newRow("SHA-256 session, XXH3 END")
        << QStringList() << A::Xxh3_128 << TransferError::Protocol;
}

void TestTransferSession::corruptedChunkIsAnIntegrityError()
{
    // A hostile or broken sender (driven by hand with the protocol encoder) sends one flipped
    // byte of plaintext but the digest of the real content.
    QFETCH(QStringList, caps);
    QFETCH(FileDigest::Algorithm, endDigest);
    QFETCH(TransferError, expected);
    HandDrivenReceiver session(m_dst, evilSender());
    QVERIFY2(session.error().isEmpty(), qPrintable(session.error()));

    const QByteArray content = Test::randomBytes(1000, 1);
    QByteArray corrupted = content;
    corrupted[500] = char(corrupted[500] ^ 0x01);
    FrameChannel &channel = session.channel();
    OfferItem item;
    item.relativePath = QStringLiteral("victim.bin");
    item.size = content.size();
    using namespace Transfer;
    channel.send(Hello {kProtocolVersion, caps, QStringLiteral("evil"), {}});
    channel.send(Offer {{item}, item.size, 1, QByteArray(32, 'n')});
    channel.send(FileHeader {0, item.size});
    QStringList seen;
    for (int i = 0; i < 4; ++i) { // HELLO, REVEAL, ACCEPT, START
        const auto in = QCoro::waitFor(channel.read(5s));
        QCOMPARE(in.status, FrameChannel::Status::Message);
        seen.append(frameTypeName(frameTypeOf(in.message)));
    }
    QCOMPARE(seen,
        (QStringList {QStringLiteral("HELLO"), QStringLiteral("REVEAL"), QStringLiteral("ACCEPT"),
            QStringLiteral("START")}));
    channel.send(SendFrom {0, 0});
    channel.sendData(corrupted);
    channel.send(FileEnd {0, FileDigest::of(endDigest, content)});
    const auto answer = QCoro::waitFor(channel.read(5s));
    QCOMPARE(answer.status, FrameChannel::Status::Message);
    if (expected == TransferError::Integrity) {
        QVERIFY(std::holds_alternative<Verdict>(answer.message));
        QCOMPARE(std::get<Verdict>(answer.message).error, TransferError::Integrity);
        channel.send(SessionEnd {});
    } else {
        QVERIFY(std::holds_alternative<Error>(answer.message));
        QCOMPARE(std::get<Error>(answer.message).code, expected);
    }
    const TransferResult r = session.result();
    QCOMPARE(r.error, expected);
    QVERIFY(!r.allVerified());
    QCOMPARE(listTree(m_dst), QStringList {}); // neither the final name nor a part file
}

void TestTransferSession::flippedCiphertextFailsTheTransfer()
{
    const QString path = m_src + QStringLiteral("/doc.bin");
    QVERIFY(Test::writeFile(path, Test::randomBytes(2 * 1024 * 1024, 77)));
    Test::FlippingProxy proxy(1024 * 1024); // well after the handshake, inside file data
    Test::TransferSocketPair pair;
    pair.setDialThrough([&proxy](quint16 target) { return proxy.listen(target); });
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    const Outcome o = runTransfer(pair, {path}, options);
    QVERIFY(proxy.flipped());
    // TLS authenticates every record: the receiver refuses the record, the session dies.
    QVERIFY2(!o.received.ok() && !o.sent.ok(), qPrintable(describe(o)));
    QVERIFY(!QFile::exists(m_dst + QStringLiteral("/doc.bin")));
}

void TestTransferSession::diskFailureMidwayKeepsPartForResume()
{
    const qint64 size = 2 * 1024 * 1024;
    const QByteArray data = Test::randomBytes(size, 3);
    const QString path = m_src + QStringLiteral("/payload.bin");
    QVERIFY(Test::writeFile(path, data));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    static constexpr qint64 kBudget = 700 * 1024;
    options.partDeviceFactory
        = [](QIODevice *part, qint64 offset, QString *error) -> std::unique_ptr<QIODevice> {
        if (offset != 0) {
            *error = QStringLiteral("unexpected resume");
            return nullptr;
        }
        return std::make_unique<Test::FailDevice>(part, kBudget);
    };
    Test::TransferSocketPair first;
    QString error = first.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Outcome broken = runTransfer(first, {path}, options);
    QVERIFY2(broken.received.error == TransferError::WriteFailed
            || broken.received.error == TransferError::DiskFull,
        qPrintable(describe(broken)));
    QCOMPARE(broken.sent.error, broken.received.error); // the sender is told why
    // … in English and without the receiver's paths (tst_sessionsecurity has the rest).
    QVERIFY2(broken.sent.message.contains(QStringLiteral("the receiver")),
        qPrintable(broken.sent.message));
    QVERIFY(!broken.sent.message.contains(m_dst));
    QVERIFY(!QFile::exists(m_dst + QStringLiteral("/payload.bin")));
    const QStringList parts = Test::partFilesOf(m_dst + QStringLiteral("/payload.bin"));
    QCOMPARE(parts.size(), 1);
    const QByteArray part = Test::readFile(parts.first());
    QVERIFY(part.size() > 0 && part.size() <= kBudget);
    QCOMPARE(part, data.left(part.size())); // nothing corrupt, just short

    options.partDeviceFactory = {};
    Test::TransferSocketPair second;
    second.setIdentities(first.clientIdentity(), first.serverIdentity());
    error = second.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Outcome o = runTransfer(second, {path}, options);
    QVERIFY2(o.sent.allVerified() && o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(o.received.files.first().resumedFrom, qint64(part.size()));
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/payload.bin")), data);
}

void TestTransferSession::declineWritesNothing()
{
    QVERIFY(Test::writeFile(m_src + QStringLiteral("/a.txt"), "hello"));
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Decline);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    QList<TransferSnapshot::State> senderStates;
    const Outcome o = runTransfer(pair, {m_src + QStringLiteral("/a.txt")}, options,
        [&](OutgoingTransfer &s, IncomingTransfer &) {
            QObject::connect(&s, &OutgoingTransfer::stateChanged, &s,
                [&](TransferSnapshot::State st) { senderStates.append(st); });
        });
    QCOMPARE(o.sent.error, TransferError::Declined);
    QCOMPARE(o.received.error, TransferError::Declined);
    QVERIFY(senderStates.contains(TransferSnapshot::State::Waiting));
    QCOMPARE(senderStates.last(), TransferSnapshot::State::Declined);
    QCOMPARE(listTree(m_dst), QStringList {});
}

void TestTransferSession::cancelFromSender()
{
    const QString path = m_src + QStringLiteral("/big.bin");
    QVERIFY(Test::writeFile(path, Test::randomBytes(32 * 1024 * 1024, 9)));
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    qint64 written = 0;
    const Outcome o
        = runTransfer(pair, {path}, options, [&](OutgoingTransfer &s, IncomingTransfer &) {
              QObject::connect(
                  SecureStream::of(pair.client()), &SecureStream::bytesSent, &s, [&](qint64 n) {
                      written += n;
                      if (written > 4 * 1024 * 1024)
                          s.cancel(); // idempotent
                  });
          });
    QCOMPARE(o.sent.error, TransferError::Cancelled);
    QCOMPARE(o.received.error, TransferError::Cancelled);
    QVERIFY(!QFile::exists(m_dst + QStringLiteral("/big.bin")));
}

void TestTransferSession::cancelFromReceiver()
{
    const QString path = m_src + QStringLiteral("/big.bin");
    QVERIFY(Test::writeFile(path, Test::randomBytes(32 * 1024 * 1024, 10)));
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    qint64 written = 0;
    const Outcome o
        = runTransfer(pair, {path}, options, [&](OutgoingTransfer &, IncomingTransfer &r) {
              QObject::connect(
                  SecureStream::of(pair.client()), &SecureStream::bytesSent, &r, [&](qint64 n) {
                      written += n;
                      if (written > 4 * 1024 * 1024)
                          r.cancel();
                  });
          });
    QCOMPARE(o.sent.error, TransferError::Cancelled);
    QCOMPARE(o.received.error, TransferError::Cancelled);
    QVERIFY(!QFile::exists(m_dst + QStringLiteral("/big.bin")));
}

void TestTransferSession::receiverDeletedWhileDeciding()
{
    // The app deletes a job with its engine (a server change) while a person decides; the answer
    // comes later. The receiver's coroutine then resumes: it must end without touching the job
    // (no ACCEPT from freed memory, no crash) and the sender must see no answer at all.
    const QString path = m_src + QStringLiteral("/small.txt");
    QVERIFY(Test::writeFile(path, QByteArrayLiteral("hello")));
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept, 300ms);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    OutgoingTransfer sender(pair.client(), pair.clientIdentity(), {path});
    auto *receiver = new IncomingTransfer(pair.server(), pair.serverIdentity(),
        pair.serverResult().peer, QStringLiteral("sender-box"), options);
    sender.setTimeouts({5s, 1500ms, 5s});
    receiver->setTimeouts({5s, 5s, 5s});
    QSignalSpy receiverFinished(receiver, &TransferJob::finished);
    auto sent = sender.run();
    auto received = receiver->run();
    QTRY_VERIFY_WITH_TIMEOUT(decider.calls == 1, 5000);
    QCOMPARE(receiver->state(), TransferSnapshot::State::Waiting);
    delete receiver;

    const TransferResult gone = QCoro::waitFor(received); // resumed by the decider's answer
    QCOMPARE(gone.error, TransferError::Cancelled);
    QCOMPARE(gone.message, QStringLiteral("the transfer was deleted"));
    QCOMPARE(receiverFinished.count(), 0); // nothing reported from a deleted job
    const TransferResult r = QCoro::waitFor(sent);
    QCOMPARE(r.error, TransferError::Timeout); // no ACCEPT ever came
    QCOMPARE(listTree(m_dst), QStringList {});
}

void TestTransferSession::hostilePathIsRefused()
{
    HandDrivenReceiver session(m_dst, evilSender());
    QVERIFY2(session.error().isEmpty(), qPrintable(session.error()));
    using namespace Transfer;
    FrameChannel &channel = session.channel();
    OfferItem item;
    item.relativePath = QStringLiteral("../../escape.txt");
    item.size = 4;
    channel.send(Hello {kProtocolVersion, {}, QStringLiteral("evil"), {}});
    channel.send(Offer {{item}, 4, 1, QByteArray(32, 'n')});
    const TransferResult r = session.result();
    QCOMPARE(r.error, TransferError::UnsafePath);
    QCOMPARE(session.decider().calls, 0); // refused before anyone is asked
    QVERIFY(!QFile::exists(m_tmp->filePath(QStringLiteral("escape.txt"))));
    // The sender is told why.
    auto in = QCoro::waitFor(channel.read(5s));
    QVERIFY(std::holds_alternative<Hello>(in.message));
    in = QCoro::waitFor(channel.read(5s));
    QVERIFY(std::holds_alternative<Error>(in.message));
    QCOMPARE(std::get<Error>(in.message).code, TransferError::UnsafePath);
}

void TestTransferSession::neverOverwrites()
{
    QVERIFY(Test::writeFile(m_src + QStringLiteral("/a.txt"), "new content"));
    QVERIFY(Test::writeFile(m_dst + QStringLiteral("/a.txt"), "precious"));
    QVERIFY(Test::writeFile(m_dst + QStringLiteral("/a (1).txt"), "also precious"));
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    const Outcome o = runTransfer(pair, {m_src + QStringLiteral("/a.txt")}, options);
    QVERIFY2(o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/a.txt")), QByteArray("precious"));
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/a (1).txt")), QByteArray("also precious"));
    QCOMPARE(Test::readFile(m_dst + QStringLiteral("/a (2).txt")), QByteArray("new content"));
    QCOMPARE(o.received.files.first().localPath, m_dst + QStringLiteral("/a (2).txt"));
}

void TestTransferSession::symlinkInDownloadDirIsNotFollowed()
{
    const QString outside = m_tmp->filePath(QStringLiteral("outside"));
    QVERIFY(QDir().mkpath(outside));
    QVERIFY(QDir().mkpath(m_dst));
    QVERIFY(QFile::link(outside, m_dst + QStringLiteral("/docs")));
    QVERIFY(Test::writeFile(m_src + QStringLiteral("/docs/x.txt"), "payload"));
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    const Outcome o = runTransfer(pair, {m_src + QStringLiteral("/docs")}, options);
    QVERIFY2(!o.received.ok(), qPrintable(describe(o)));
    QVERIFY(!o.sent.ok());
    QCOMPARE(listTree(outside), QStringList {}); // nothing written through the link
}

void TestTransferSession::changedKeyIsRefused()
{
    QVERIFY(Test::writeFile(m_src + QStringLiteral("/a.txt"), "hello"));
    ContactStore contacts(m_tmp->filePath(QStringLiteral("contacts.json")));
    QString error;
    QVERIFY(contacts.load(&error));
    // "sender-box" is pinned with some other key.
    QVERIFY(contacts.remember(
        DeviceId::fromDigest(QByteArray(32, '\x07')), QStringLiteral("sender-box"), &error));
    Test::TransferSocketPair pair;
    error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    options.contacts = &contacts;
    const Outcome o = runTransfer(pair, {m_src + QStringLiteral("/a.txt")}, options);
    QCOMPARE(o.received.error, TransferError::UntrustedPeer);
    QVERIFY(o.received.message.contains(QStringLiteral("different key")));
    QCOMPARE(o.sent.error, TransferError::Declined);
    QCOMPARE(decider.calls, 0);
    QCOMPARE(listTree(m_dst), QStringList {});

    // After re-verification the same device is accepted and becomes a known contact.
    QVERIFY(contacts.reverify(QStringLiteral("sender-box"), pair.serverResult().peer, &error));
    Test::TransferSocketPair again;
    again.setIdentities(pair.clientIdentity(), pair.serverIdentity());
    error = again.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const Outcome ok = runTransfer(again, {m_src + QStringLiteral("/a.txt")}, options);
    QVERIFY2(ok.received.allVerified(), qPrintable(describe(ok)));
    QVERIFY(!decider.last.firstContact);
    // Every session has its code; the prompt shows it on a first contact only.
    QVERIFY(!decider.last.verificationCode.isEmpty());
}

void TestTransferSession::contactClaimingAnotherContactsNameIsFlagged()
{
    // Issue 12, M4: the sender is a known contact ("old-name") that now calls itself
    // "sender-box", the name another contact is pinned under.
    QVERIFY(Test::writeFile(m_src + QStringLiteral("/a.txt"), "hello"));
    ContactStore contacts(m_tmp->filePath(QStringLiteral("contacts.json")));
    QString error;
    QVERIFY(contacts.load(&error));
    const DeviceId other = DeviceId::fromDigest(QByteArray(32, '\x07'));
    QVERIFY(contacts.remember(other, QStringLiteral("sender-box"), &error));
    Test::TransferSocketPair pair;
    error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const DeviceId sender = pair.serverResult().peer;
    QVERIFY(contacts.remember(sender, QStringLiteral("old-name"), &error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    options.contacts = &contacts;
    const Outcome o = runTransfer(pair, {m_src + QStringLiteral("/a.txt")}, options);
    QVERIFY2(o.received.allVerified(), qPrintable(describe(o)));
    QCOMPARE(decider.calls, 1);
    QVERIFY(!decider.last.firstContact);
    QCOMPARE(decider.last.senderName, QStringLiteral("old-name"));
    QVERIFY2(
        decider.last.nameWarning.contains(sender.toString()), qPrintable(decider.last.nameWarning));
    QVERIFY2(
        decider.last.nameWarning.contains(other.toString()), qPrintable(decider.last.nameWarning));
    // Accepting does not give it the other contact's name.
    QCOMPARE(contacts.find(sender)->name, QStringLiteral("old-name"));
    QCOMPARE(contacts.findByName(QStringLiteral("sender-box"))->id, other);
}

QTEST_GUILESS_MAIN(TestTransferSession)
#include "tst_transfersession.moc"
