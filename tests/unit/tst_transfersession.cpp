// SPDX-License-Identifier: GPL-3.0-or-later
// OutgoingTransfer ↔ IncomingTransfer over real loopback TLS sockets with two ephemeral
// identities: sizes, folder trees, many small files, resume, corruption, disk errors, decline,
// cancel, hostile offers, no-overwrite, symlinks, contact pinning.

#include "net/security/securestream.h"
#include "support/faildevice.h"
#include "support/flippingproxy.h"
#include "support/scripteddecider.h"
#include "support/testhelpers.h"
#include "support/transfersocketpair.h"

#include "core/filetimes.h"
#include "transfer/contactstore.h"
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

#include <qcorotask.h>

#include <chrono>
#include <functional>

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
    void interruptedTransferResumes();
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
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    IncomingTransfer receiver(pair.server(), pair.serverIdentity(), pair.serverResult().peer,
        QStringLiteral("evil"), options);
    receiver.setTimeouts({5s, 5s, 5s});
    auto received = receiver.run();

    const QByteArray content = Test::randomBytes(1000, 1);
    QByteArray corrupted = content;
    corrupted[500] = char(corrupted[500] ^ 0x01);
    FrameChannel channel(pair.client());
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
    const TransferResult r = QCoro::waitFor(received);
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
    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider(OfferDecision::Accept);
    ReceiveOptions options;
    options.downloadDir = m_dst;
    options.decider = &decider;
    IncomingTransfer receiver(pair.server(), pair.serverIdentity(), pair.serverResult().peer,
        QStringLiteral("evil"), options);
    receiver.setTimeouts({5s, 5s, 5s});
    auto received = receiver.run();
    using namespace Transfer;
    FrameChannel channel(pair.client());
    OfferItem item;
    item.relativePath = QStringLiteral("../../escape.txt");
    item.size = 4;
    channel.send(Hello {kProtocolVersion, {}, QStringLiteral("evil"), {}});
    channel.send(Offer {{item}, 4, 1, QByteArray(32, 'n')});
    const TransferResult r = QCoro::waitFor(received);
    QCOMPARE(r.error, TransferError::UnsafePath);
    QCOMPARE(decider.calls, 0); // refused before anyone is asked
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
