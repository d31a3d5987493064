// SPDX-License-Identifier: GPL-3.0-or-later
// A 5 GiB file (64-bit sizes end to end) over real loopback TLS, with bounded memory.
//
// The source is SPARSE (QFile::resize: no disk blocks, reads return zeros). The receiver hashes
// every byte it receives, streaming, exactly as for a real download, but its part device
// discards the bytes instead of writing 5 GiB to the test machine's disk (the disk path is
// covered by the smaller tests in tst_transfersession). What this proves: sizes past 4 GiB
// travel and verify, the SHA-256 of 5 GiB matches on both sides, and memory stays bounded.

#include "support/scripteddecider.h"
#include "support/transfersocketpair.h"

#include "transfer/filedigest.h"
#include "transfer/incomingtransfer.h"
#include "transfer/offerdecider.h"
#include "transfer/outgoingtransfer.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTest>

#include <qcorotask.h>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#endif
#ifdef Q_OS_WIN
#include <windows.h>
#include <winioctl.h>
#else
#include <sys/stat.h>
#endif

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

//! Accepts and drops every byte (the FileSink still hashes them).
class DiscardDevice : public QIODevice
{
public:
    DiscardDevice() { open(QIODevice::WriteOnly | QIODevice::Unbuffered); }
    qint64 written = 0;

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *, qint64 size) override
    {
        written += size;
        return size;
    }
};

qint64 peakRssKiB()
{
#ifdef Q_OS_LINUX
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
#else
    return 0;
#endif
}

/*!
 * Creates \a path as a \a size-byte file without writing its bytes. POSIX file systems (ext4,
 * APFS) make a file extended by truncation sparse by themselves; NTFS does only for a file marked
 * sparse first (FSCTL_SET_SPARSE), otherwise it allocates every byte.
 */
bool createSparseFile(const QString &path, qint64 size)
{
#ifdef Q_OS_WIN
    const HANDLE file = CreateFileW(reinterpret_cast<const wchar_t *>(path.utf16()),
        GENERIC_READ | GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (file == INVALID_HANDLE_VALUE)
        return false;
    DWORD returned = 0;
    LARGE_INTEGER end;
    end.QuadPart = size;
    const bool ok
        = DeviceIoControl(file, FSCTL_SET_SPARSE, nullptr, 0, nullptr, 0, &returned, nullptr)
        && SetFilePointerEx(file, end, nullptr, FILE_BEGIN) && SetEndOfFile(file);
    CloseHandle(file);
    return ok;
#else
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.resize(size);
#endif
}

//! Bytes the file system allocated for \a path; -1 if unknown.
qint64 allocatedBytes(const QString &path)
{
#ifdef Q_OS_WIN
    DWORD high = 0;
    const DWORD low
        = GetCompressedFileSizeW(reinterpret_cast<const wchar_t *>(path.utf16()), &high);
    if (low == INVALID_FILE_SIZE && GetLastError() != NO_ERROR)
        return -1;
    return (qint64(high) << 32) | low;
#else
    struct stat st
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return qint64(st.st_blocks) * 512;
#endif
}

} // namespace

class TestTransferLarge : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void fiveGiBSparse();
};

void TestTransferLarge::fiveGiBSparse()
{
    constexpr qint64 kSize = qint64(5) << 30;
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString source = tmp.filePath(QStringLiteral("sparse.img"));
    QVERIFY(createSparseFile(source, kSize));
    QCOMPARE(QFileInfo(source).size(), kSize);
    // Fail clearly instead of silently writing 5 GiB where sparse files are not supported.
    const qint64 allocated = allocatedBytes(source);
    QVERIFY(allocated >= 0);
    QVERIFY2(allocated < 64 * 1024 * 1024, "the temporary directory does not support sparse files");
    const qint64 rssBefore = peakRssKiB();

    Test::TransferSocketPair pair;
    const QString error = pair.secure();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    Test::ScriptedDecider decider;
    ReceiveOptions options;
    options.downloadDir = tmp.filePath(QStringLiteral("dst"));
    options.decider = &decider;
    options.freeSpaceMargin = -kSize; // the bytes are discarded, not stored (see above)
    qint64 discarded = 0;
    options.partDeviceFactory
        = [&discarded](QIODevice *, qint64 offset, QString *why) -> std::unique_ptr<QIODevice> {
        if (offset != 0) {
            *why = QStringLiteral("unexpected resume");
            return nullptr;
        }
        struct Counting : DiscardDevice
        {
            qint64 *total;
            explicit Counting(qint64 *t)
                : total(t)
            { }
            ~Counting() override { *total += written; }
        };
        return std::make_unique<Counting>(&discarded);
    };
    OutgoingTransfer sender(pair.client(), pair.clientIdentity(), {source});
    IncomingTransfer receiver(pair.server(), pair.serverIdentity(), pair.serverResult().peer,
        QStringLiteral("sender"), options);
    const TransferTimeouts timeouts {10s, 10s, 30s};
    sender.setTimeouts(timeouts);
    receiver.setTimeouts(timeouts);
    int progressSignals = 0;
    connect(&receiver, &IncomingTransfer::progress, this, [&](qint64, qint64 total, double) {
        ++progressSignals;
        QCOMPARE(total, kSize);
    });
    QElapsedTimer timer;
    timer.start();
    auto sent = sender.run();
    auto received = receiver.run();
    const TransferResult s = QCoro::waitFor(sent);
    const TransferResult r = QCoro::waitFor(received);
    const qint64 ms = timer.elapsed();
    QVERIFY2(s.allVerified(), qPrintable(s.message));
    QVERIFY2(r.allVerified(), qPrintable(r.message));
    QCOMPARE(s.bytesTransferred, kSize);
    QCOMPARE(r.bytesTransferred, kSize);
    QCOMPARE(discarded, kSize);
    // The XXH3-128 of 5 GiB of zeros (the digest both offer by default), computed independently.
    FileDigest zeros(FileDigest::Algorithm::Xxh3_128);
    const QByteArray block(8 * 1024 * 1024, '\0');
    for (qint64 done = 0; done < kSize; done += block.size())
        zeros.addData(block);
    const QString expected = QString::fromLatin1(zeros.result().toHex());
    QCOMPARE(s.files.first().digest, expected);
    QCOMPARE(r.files.first().digest, expected);
    // Throttled progress: at most ~10 per second (+ the forced first and last).
    QVERIFY2(progressSignals <= ms / 100 + 3, qPrintable(QString::number(progressSignals)));
    const qint64 rssGrowthKiB = peakRssKiB() - rssBefore;
    qInfo("5 GiB in %lld ms (%.0f MB/s), peak RSS growth %lld KiB (both peers in this process)", ms,
        double(kSize) / 1e6 / (double(ms) / 1000.0), rssGrowthKiB);
#ifdef Q_OS_LINUX
    // Both peers live in this process: 64 MiB each.
    QVERIFY2(rssGrowthKiB < 128 * 1024, qPrintable(QString::number(rssGrowthKiB)));
#endif
}

QTEST_GUILESS_MAIN(TestTransferLarge)
#include "tst_transferlarge.moc"
