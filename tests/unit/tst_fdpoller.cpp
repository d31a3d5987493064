// SPDX-License-Identifier: GPL-3.0-or-later
// FdPoller on real sockets (socketpairs and loopback TCP), both backends: readiness reaches the
// owners, write interest toggles, and owners may unwatch, close, reuse and delete descriptors
// (their own and other owners') in the middle of a dispatch batch.

#include "core/socket/fdpoller.h"

#include <QTcpServer>
#include <QTest>
#include <QThread>

#include "support/rawsocket.h"

#ifndef Q_OS_WIN
#include <unistd.h> // dup2
#endif

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

using namespace PunchDrop;
using namespace PunchDrop::Test;

Q_DECLARE_METATYPE(PunchDrop::FdPoller::Backend)

namespace {

//! A connected pair of non-blocking stream sockets (RawSocket::pair: AF_UNIX, or loopback TCP on
//! Windows).
struct Pair
{
    qintptr a = -1; //!< watched
    qintptr b = -1; //!< the test's end
    Pair() { RawSocket::pair(&a, &b); }
    Pair(const Pair &) = delete;
    Pair &operator=(const Pair &) = delete;
    ~Pair()
    {
        closeA();
        RawSocket::close(b);
    }
    void closeA()
    {
        RawSocket::close(a);
        a = -1;
    }
};

//! Reads until it would block; returns the bytes read, -1 on end of stream or error.
qint64 drain(qintptr fd)
{
    qint64 total = 0;
    char buffer[4096];
    for (;;) {
        const qint64 n = RawSocket::receive(fd, buffer, sizeof buffer);
        if (n > 0) {
            total += n;
            continue;
        }
        if (n < 0 && RawSocket::interrupted())
            continue;
        if (n < 0 && RawSocket::wouldBlock())
            return total;
        return -1;
    }
}

bool sendByte(qintptr fd)
{
    const char c = 'x';
    return RawSocket::send(fd, &c, 1) == 1;
}

//! An owner that counts what it is told and reads what arrives.
class Counter : public QObject
{
public:
    qintptr fd = -1;
    //! Set by watchCounter(): at the end of the stream the counter stops reading, as every owner
    //! must (FdPoller's contract): Qt's Windows event dispatcher reports a closed socket readable
    //! again on every re-registration, so an owner that keeps watching it busies the loop.
    FdPoller *poller = nullptr;
    int readable = 0;
    int writable = 0;
    qint64 bytes = 0;
    bool ended = false;
    std::function<void(Counter *, FdPoller::Event)> extra;

    void handle(FdPoller::Event event)
    {
        if (event == FdPoller::Readable) {
            ++readable;
            const qint64 n = drain(fd);
            if (n < 0) {
                ended = true;
                if (poller)
                    poller->setReadInterest(fd, false);
            } else {
                bytes += n;
            }
        } else {
            ++writable;
        }
        if (extra)
            extra(this, event);
    }
};

//! Watches \a c's descriptor for \a c (its handle() on every event).
bool watchCounter(FdPoller &poller, Counter &c)
{
    c.poller = &poller;
    return poller.watch(c.fd, &c, [&c](FdPoller::Event e) { c.handle(e); });
}

} // namespace

class TestFdPoller : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void backends_data();
    void readinessReachesEveryOwner_data() { backends_data(); }
    void readinessReachesEveryOwner();
    void loopbackTcp_data() { backends_data(); }
    void loopbackTcp();
    void writeInterestToggles_data() { backends_data(); }
    void writeInterestToggles();
    void ownersDeletedDuringDispatch_data() { backends_data(); }
    void ownersDeletedDuringDispatch();
    void deadOwnerIsNotCalled_data() { backends_data(); }
    void deadOwnerIsNotCalled();
#ifndef Q_OS_WIN
    // Windows cannot give a new SOCKET a chosen handle value (no dup2 for sockets), so the
    // "number reused inside one batch" case cannot be arranged there.
    void unwatchCloseReuseInOneBatch_data()
    {
        backends_data();
    }
    void unwatchCloseReuseInOneBatch();
#endif
    void readInterestOffAndHangUp_data()
    {
        backends_data();
    }
    void readInterestOffAndHangUp();
    void badInput();
    void onePerThread();
};

void TestFdPoller::backends_data()
{
    QTest::addColumn<FdPoller::Backend>("backend");
#ifdef Q_OS_LINUX
    QTest::newRow("epoll") << FdPoller::Backend::Epoll;
#endif
    QTest::newRow("notifiers") << FdPoller::Backend::Notifiers;
}

void TestFdPoller::readinessReachesEveryOwner()
{
    QFETCH(FdPoller::Backend, backend);
    FdPoller poller(backend);
    QVERIFY2(poller.isValid(), qPrintable(poller.errorString()));
    QCOMPARE(poller.backend(), backend);

    // More ready descriptors than one epoll_wait() batch takes.
    constexpr int kPairs = 3 * FdPoller::kBatch / 2;
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<std::unique_ptr<Counter>> owners;
    for (int i = 0; i < kPairs; ++i) {
        pairs.push_back(std::make_unique<Pair>());
        QVERIFY(pairs.back()->a >= 0);
        owners.push_back(std::make_unique<Counter>());
        Counter *c = owners.back().get();
        c->fd = pairs.back()->a;
        QVERIFY(watchCounter(poller, *c));
    }
    QCOMPARE(poller.watchedCount(), qsizetype(kPairs));

    for (int round = 1; round <= 3; ++round) {
        for (const auto &p : pairs)
            QVERIFY(sendByte(p->b));
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(owners.begin(), owners.end(),
                                     [round](const auto &c) { return c->bytes == round; }),
            10000);
    }
    for (const auto &c : owners) {
        QVERIFY(c->readable >= 3);
        QCOMPARE(c->writable, 0); // never asked for
        QVERIFY(!c->ended);
    }

    // The end of the stream reaches the owner as readable; recv() tells it apart.
    RawSocket::close(pairs.front()->b);
    pairs.front()->b = -1;
    QTRY_VERIFY_WITH_TIMEOUT(owners.front()->ended, 5000);
    poller.unwatch(pairs.front()->a);
    QCOMPARE(poller.watchedCount(), qsizetype(kPairs - 1));
    for (const auto &p : pairs)
        poller.unwatch(p->a);
    QCOMPARE(poller.watchedCount(), qsizetype(0));
}

void TestFdPoller::loopbackTcp()
{
    QFETCH(FdPoller::Backend, backend);
    FdPoller poller(backend);
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));

    constexpr int kConnections = 100;
    // The server side, as the rendezvous server holds it: bare accepted descriptors.
    server.pauseAccepting();
    const qintptr listenFd = server.socketDescriptor();
    RawSocket::makeNonBlocking(listenFd);
    std::vector<qintptr> clients;
    std::vector<std::unique_ptr<Counter>> owners;
    for (int i = 0; i < kConnections; ++i) {
        const qintptr fd = RawSocket::connectLoopback(server.serverPort());
        QVERIFY(fd >= 0);
        clients.push_back(fd);
        RawSocket::makeNonBlocking(fd);
        QVERIFY(RawSocket::waitReadable(listenFd, 5000)); // bounded
        const qintptr accepted = RawSocket::accept(listenFd);
        QVERIFY(accepted >= 0);
        owners.push_back(std::make_unique<Counter>());
        Counter *c = owners.back().get();
        c->fd = accepted;
        QVERIFY(watchCounter(poller, *c));
    }
    QCOMPARE(poller.watchedCount(), qsizetype(kConnections));
    const QByteArray payload(1000, 'p');
    for (qintptr fd : clients)
        QCOMPARE(RawSocket::send(fd, payload.constData(), payload.size()), payload.size());
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(owners.begin(), owners.end(),
                                 [&](const auto &c) { return c->bytes == payload.size(); }),
        10000);
    for (qintptr fd : clients)
        RawSocket::close(fd);
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(owners.begin(), owners.end(), [](const auto &c) { return c->ended; }), 10000);
    for (const auto &c : owners) {
        poller.unwatch(c->fd);
        RawSocket::close(c->fd);
    }
    QCOMPARE(poller.watchedCount(), qsizetype(0));
}

void TestFdPoller::writeInterestToggles()
{
    QFETCH(FdPoller::Backend, backend);
    FdPoller poller(backend);
    Pair pair;
    Counter owner;
    owner.fd = pair.a;
    QVERIFY(watchCounter(poller, owner));

    // Writable at once when asked; the owner turns the interest off in its handler.
    owner.extra = [&poller](Counter *c, FdPoller::Event e) {
        if (e == FdPoller::Writable)
            poller.setWriteInterest(c->fd, false);
    };
    poller.setWriteInterest(pair.a, true);
    QTRY_COMPARE_WITH_TIMEOUT(owner.writable, 1, 5000);
    // Off: a later round trip (readable) brings no second writable.
    QVERIFY(sendByte(pair.b));
    QTRY_COMPARE_WITH_TIMEOUT(owner.bytes, qint64(1), 5000);
    QCOMPARE(owner.writable, 1);

    // Fill the kernel buffer: asked for, writable must wait until the peer reads.
    const QByteArray block(64 * 1024, 'f');
    qint64 queued = 0;
    for (;;) {
        const qint64 n = RawSocket::send(pair.a, block.constData(), block.size());
        if (n <= 0)
            break;
        queued += n;
    }
    QVERIFY(RawSocket::wouldBlock());
    QVERIFY(queued > 0);
    owner.extra = nullptr; // stays on now
    poller.setWriteInterest(pair.a, true);
    QVERIFY(sendByte(pair.b));
    QTRY_COMPARE_WITH_TIMEOUT(owner.bytes, qint64(2), 5000);
    QCOMPARE(owner.writable, 1); // the buffer is still full
    // The peer reads (a little more each try): room again, writable again.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            (void)drain(pair.b);
            return owner.writable > 1;
        }(),
        5000);
    // Level-triggered while on: it keeps coming; off: it stops.
    const int seen = owner.writable;
    QTRY_VERIFY_WITH_TIMEOUT(owner.writable > seen + 2, 5000);
    poller.setWriteInterest(pair.a, false);
    const int stopped = owner.writable;
    QVERIFY(sendByte(pair.b));
    QTRY_COMPARE_WITH_TIMEOUT(owner.bytes, qint64(3), 5000);
    QCOMPARE(owner.writable, stopped);
    poller.unwatch(pair.a);
}

void TestFdPoller::ownersDeletedDuringDispatch()
{
    QFETCH(FdPoller::Backend, backend);
    FdPoller poller(backend);
    constexpr int kOwners = 40;
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<Counter *> owners;
    int calls = 0;
    for (int i = 0; i < kOwners; ++i) {
        pairs.push_back(std::make_unique<Pair>());
        auto *c = new Counter;
        c->fd = pairs.back()->a;
        owners.push_back(c);
        QVERIFY(poller.watch(c->fd, c, [c, &calls, &owners, &pairs, &poller](FdPoller::Event) {
            ++calls;
            // The first owner called removes every other owner (unwatched and closed, or only
            // deleted), then itself, all with their readiness still pending in this batch.
            for (int j = 0; j < int(owners.size()); ++j) {
                Counter *other = owners[size_t(j)];
                if (!other || other == c)
                    continue;
                if (j % 2 == 0) {
                    poller.unwatch(other->fd);
                    pairs[size_t(j)]->closeA();
                }
                delete other;
                owners[size_t(j)] = nullptr;
            }
            const auto self = std::find(owners.begin(), owners.end(), c);
            poller.unwatch(c->fd);
            pairs[size_t(self - owners.begin())]->closeA();
            *self = nullptr;
            delete c;
        }));
    }
    for (const auto &p : pairs)
        QVERIFY(sendByte(p->b));
    // All readable at once, in one batch.
    QTRY_VERIFY_WITH_TIMEOUT(calls > 0, 5000);
    // A later round trip through the loop: nobody else was called.
    Pair probe;
    Counter witness;
    witness.fd = probe.a;
    QVERIFY(watchCounter(poller, witness));
    QVERIFY(sendByte(probe.b));
    QTRY_COMPARE_WITH_TIMEOUT(witness.bytes, qint64(1), 5000);
    QCOMPARE(calls, 1);
    QVERIFY(std::all_of(owners.begin(), owners.end(), [](Counter *c) { return c == nullptr; }));
    // The deleted-but-not-unwatched ones were dropped as their events came, or stay until then.
    poller.unwatch(probe.a);
    for (const auto &p : pairs)
        if (p->a >= 0)
            poller.unwatch(p->a);
    QCOMPARE(poller.watchedCount(), qsizetype(0));
}

void TestFdPoller::deadOwnerIsNotCalled()
{
    QFETCH(FdPoller::Backend, backend);
    FdPoller poller(backend);
    Pair pair;
    bool called = false;
    {
        QObject owner;
        QVERIFY(poller.watch(pair.a, &owner, [&called](FdPoller::Event) { called = true; }));
    } // deleted without unwatch
    QVERIFY(sendByte(pair.b));
    // The stale registration goes away at its first event, without a call.
    QTRY_VERIFY_WITH_TIMEOUT(!poller.isWatched(pair.a), 5000);
    QVERIFY(!called);
}

#ifndef Q_OS_WIN
void TestFdPoller::unwatchCloseReuseInOneBatch()
{
    QFETCH(FdPoller::Backend, backend);
    FdPoller poller(backend);
    Pair first;
    Pair second;
    Counter a;
    Counter b;
    a.fd = first.a;
    b.fd = second.a;
    std::unique_ptr<Pair> reused;
    Counter newcomer;
    bool swapped = false;
    qintptr reusedNumber = -1;
    // Whichever of a and b comes first in the batch unwatches and closes the other's descriptor
    // (readable, its event pending), opens a new socket that gets the same number (the lowest
    // free one) and watches it for a new owner. The pending event must not reach the newcomer
    // (if it did anyway, it would read nothing: EAGAIN).
    auto swap = [&](Counter *self, FdPoller::Event) {
        if (swapped)
            return;
        swapped = true;
        Counter *other = self == &a ? &b : &a;
        Pair &otherPair = self == &a ? second : first;
        poller.unwatch(other->fd);
        const qintptr number = otherPair.a;
        otherPair.closeA();
        // The same number for a new socket (dup2: the lowest free number might be lower).
        reused = std::make_unique<Pair>();
        if (reused->b == number)
            std::swap(reused->a, reused->b);
        if (reused->a != number && ::dup2(int(reused->a), int(number)) == number) {
            RawSocket::close(reused->a);
            reused->a = number;
        }
        reusedNumber = reused->a == number ? number : -1;
        newcomer.fd = reused->a;
        QVERIFY(poller.watch(
            reused->a, &newcomer, [&newcomer](FdPoller::Event e) { newcomer.handle(e); }));
    };
    a.extra = swap;
    b.extra = swap;
    QVERIFY(watchCounter(poller, a));
    QVERIFY(watchCounter(poller, b));
    QVERIFY(sendByte(first.b));
    QVERIFY(sendByte(second.b));
    QTRY_VERIFY_WITH_TIMEOUT(swapped, 5000);
    QVERIFY2(reusedNumber >= 0, "the kernel did not reuse the descriptor number");
    QCOMPARE(a.readable + b.readable, 1);
    // A round trip later: the newcomer was not called for its predecessor's readiness ...
    Pair probe;
    Counter witness;
    witness.fd = probe.a;
    QVERIFY(watchCounter(poller, witness));
    QVERIFY(sendByte(probe.b));
    QTRY_COMPARE_WITH_TIMEOUT(witness.bytes, qint64(1), 5000);
    QCOMPARE(newcomer.readable, 0);
    QCOMPARE(a.readable + b.readable, 1);
    // ... and gets its own.
    QVERIFY(sendByte(reused->b));
    QTRY_COMPARE_WITH_TIMEOUT(newcomer.bytes, qint64(1), 5000);
    poller.unwatch(probe.a);
    poller.unwatch(reused->a);
    poller.unwatch(first.a);
    poller.unwatch(second.a);
    QCOMPARE(poller.watchedCount(), qsizetype(0));
}

#endif // Q_OS_WIN

void TestFdPoller::readInterestOffAndHangUp()
{
    QFETCH(FdPoller::Backend, backend);
    FdPoller poller(backend);
    Pair pair;
    Pair probe;
    Counter owner;
    Counter witness;
    owner.fd = pair.a;
    witness.fd = probe.a;
    QVERIFY(watchCounter(poller, owner));
    QVERIFY(watchCounter(poller, witness));
    // Neither interest: data and a hang-up reach nobody (and do not spin the loop).
    poller.setReadInterest(pair.a, false);
    QVERIFY(sendByte(pair.b));
    RawSocket::close(pair.b);
    pair.b = -1;
    for (int i = 1; i <= 3; ++i) {
        QVERIFY(sendByte(probe.b));
        QTRY_COMPARE_WITH_TIMEOUT(witness.bytes, qint64(i), 5000);
    }
    QCOMPARE(owner.readable, 0);
    QCOMPARE(owner.writable, 0);
    // Back on: the byte, then the end.
    poller.setReadInterest(pair.a, true);
    QTRY_VERIFY_WITH_TIMEOUT(owner.ended || owner.bytes == 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(owner.ended, 5000);
    poller.unwatch(pair.a);
    poller.unwatch(probe.a);
}

void TestFdPoller::badInput()
{
    FdPoller poller;
    QObject owner;
    QVERIFY(!poller.watch(-1, &owner, [](FdPoller::Event) {}));
    QVERIFY(!poller.errorString().isEmpty());
    QVERIFY(!poller.watch(0, nullptr, [](FdPoller::Event) {}));
    QVERIFY(!poller.watch(0, &owner, {}));
#ifdef Q_OS_LINUX
    // A descriptor that is not open: the kernel refuses it, nothing is left registered.
    Pair pair;
    const qintptr closed = pair.a;
    pair.closeA();
    QVERIFY(!poller.watch(closed, &owner, [](FdPoller::Event) {}));
    QVERIFY(poller.errorString().contains(QLatin1String("epoll_ctl")));
    QVERIFY(!poller.isWatched(closed));
#endif
    // Unknown descriptors: no-ops.
    poller.unwatch(12345);
    poller.setWriteInterest(12345, true);
    poller.setReadInterest(12345, false);
    QCOMPARE(poller.watchedCount(), qsizetype(0));
}

void TestFdPoller::onePerThread()
{
    FdPoller *mine = FdPoller::forCurrentThread();
    QCOMPARE(FdPoller::forCurrentThread(), mine);
    QCOMPARE(mine->backend(), FdPoller::defaultBackend());

    FdPoller *theirs = nullptr;
    bool delivered = false;
    QThread thread;
    Pair pair;
    QObject context; // for the cross-thread call
    context.moveToThread(&thread);
    thread.start();
    QMetaObject::invokeMethod(&context, [&] {
        theirs = FdPoller::forCurrentThread();
        theirs->watch(pair.a, &context, [&](FdPoller::Event) {
            delivered = drain(pair.a) == 1;
            theirs->unwatch(pair.a);
            QThread::currentThread()->quit();
        });
        sendByte(pair.b);
    });
    QVERIFY(thread.wait(10000));
    QVERIFY(theirs != nullptr);
    QVERIFY(theirs != mine);
    QVERIFY(delivered);
}

QTEST_GUILESS_MAIN(TestFdPoller)
#include "tst_fdpoller.moc"
