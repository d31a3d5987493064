// SPDX-License-Identifier: GPL-3.0-or-later
// ChunkPool: buffers come back for reuse (same memory, no new allocation), shared or small ones
// are not kept, the pool never holds more than its bound, and it is safe across threads.

#include "transfer/chunkpool.h"

#include <QTest>
#include <QThreadPool>

#include <atomic>

using namespace PunchDrop;

class TestChunkPool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void givenBackBufferIsReused();
    void sharedOrSmallBuffersAreNotKept();
    void keepsAtMostItsBound();
    void takeAndGiveFromManyThreads();
};

void TestChunkPool::givenBackBufferIsReused()
{
    ChunkPool pool(4096);
    QByteArray first = pool.take(4096);
    QCOMPARE(first.size(), qsizetype(4096));
    const char *memory = first.constData();
    pool.give(std::move(first));
    QCOMPARE(pool.freeBuffers(), 1);
    // Smaller requests reuse it too, without reallocating.
    QByteArray again = pool.take(100);
    QCOMPARE(again.size(), qsizetype(100));
    QCOMPARE(again.constData(), memory);
    QCOMPARE(pool.freeBuffers(), 0);
    again[99] = 'x'; // writable: not shared with anything
    QCOMPARE(again.at(99), 'x');
}

void TestChunkPool::sharedOrSmallBuffersAreNotKept()
{
    ChunkPool pool(4096);
    QByteArray buffer = pool.take(4096);
    const QByteArray stillInUse = buffer; // e.g. a socket holding a reference
    pool.give(std::move(buffer));
    QCOMPARE(pool.freeBuffers(), 0);
    QCOMPARE(stillInUse.size(), qsizetype(4096));
    pool.give(QByteArray(10, 'a')); // too small to serve a chunk
    QCOMPARE(pool.freeBuffers(), 0);
    // Bigger than a chunk: served, but freshly allocated at the size asked.
    QCOMPARE(pool.take(8192).size(), qsizetype(8192));
}

void TestChunkPool::keepsAtMostItsBound()
{
    ChunkPool pool(1024, 3);
    QList<QByteArray> taken;
    for (int i = 0; i < 5; ++i)
        taken.append(pool.take(1024));
    for (QByteArray &b : taken)
        pool.give(std::move(b));
    QCOMPARE(pool.freeBuffers(), 3);
}

void TestChunkPool::takeAndGiveFromManyThreads()
{
    ChunkPool pool(64 * 1024, 8);
    QThreadPool threads;
    threads.setMaxThreadCount(4);
    std::atomic<int> wrong {0};
    for (int t = 0; t < 4; ++t) {
        threads.start([&pool, &wrong, t] {
            for (int i = 0; i < 2000; ++i) {
                QByteArray b = pool.take(64 * 1024);
                b.fill(char(t));
                if (b.count(char(t)) != b.size())
                    ++wrong;
                pool.give(std::move(b));
            }
        });
    }
    QVERIFY(threads.waitForDone(60000));
    QCOMPARE(wrong.load(), 0);
    QVERIFY(pool.freeBuffers() >= 1 && pool.freeBuffers() <= 8);
}

QTEST_GUILESS_MAIN(TestChunkPool)
#include "tst_chunkpool.moc"
