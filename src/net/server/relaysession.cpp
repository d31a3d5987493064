// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/relaysession.h"

#include "core/logging.h"
#include "core/socket/fdpoller.h"
#include "net/server/relaybandwidth.h"

#include <QTcpSocket>

#include <algorithm>
#include <limits>

#ifdef Q_OS_LINUX
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace PunchDrop {

namespace {
// A bucket holds at most a tenth of a second's worth of bytes (but one chunk at least), so a
// session cannot save up a long burst while idle.
qint64 bucketCapacity(const RelaySessionLimits &limits)
{
    return std::max<qint64>(
        limits.rateBytesPerSecond / 10, std::min<qint64>(limits.chunkSize, 16384));
}

QString side(bool isA)
{
    return isA ? QStringLiteral("first") : QStringLiteral("second");
}

#ifdef Q_OS_LINUX
//! Splice passes in one pump call at most (then the event loop runs; level-triggered interest
//! brings the direction back).
constexpr int kMaxRounds = 16;
constexpr unsigned kSpliceFlags = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;
//! What pipe2() gives while the user's pipe budget lasts (16 pages).
constexpr int kDefaultPipeSize = 64 * 1024;

//! A plain QTcpSocket (not a subclass that transforms the bytes) on a TCP stream socket.
bool isPlainTcp(const QTcpSocket *socket)
{
    if (socket->metaObject() != &QTcpSocket::staticMetaObject
        || socket->state() != QAbstractSocket::ConnectedState || socket->socketDescriptor() < 0)
        return false;
    const int fd = int(socket->socketDescriptor());
    int type = 0;
    int protocol = 0;
    socklen_t length = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM)
        return false;
    length = sizeof protocol;
    return ::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &length) == 0
        && protocol == IPPROTO_TCP;
}

//! splice() into a socket whose peer reset raises SIGPIPE (no MSG_NOSIGNAL for it): ignore the
//! signal unless someone installed a handler for it.
void ignoreSigpipe()
{
    static const bool done = [] {
        struct sigaction current = {};
        if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
            struct sigaction ignore = {};
            ignore.sa_handler = SIG_IGN;
            ::sigaction(SIGPIPE, &ignore, nullptr);
        }
        return true;
    }();
    Q_UNUSED(done);
}

void closeFd(int &fd)
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

bool wouldBlock(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK;
}
#endif
} // namespace

RelaySession::RelaySession(QTcpSocket *a, QTcpSocket *b, const RelaySessionLimits &limits,
    const QString &label, QObject *parent, RelayBandwidth *shared)
    : QObject(parent)
    , m_limits(limits)
    , m_shared(shared)
    , m_label(label)
{
    m_ab.from = a;
    m_ab.to = b;
    m_ba.from = b;
    m_ba.to = a;
    m_ab.isA = true;
    m_ba.isA = false;
    m_started.start();
    m_lastActivity.start();
    m_refill.start();
    m_tokens = double(bucketCapacity(m_limits));
    for (Direction *d : {&m_ab, &m_ba}) {
        d->from->setParent(this);
        d->from->setReadBufferSize(m_limits.chunkSize * 2);
        d->resume = new QTimer(this);
        d->resume->setSingleShot(true);
        connect(d->resume, &QTimer::timeout, this, [this, d] { pump(*d); });
        connect(d->from, &QIODevice::readyRead, this, [this, d] { pump(*d); });
        // The other direction waits for this socket's queue to drain.
        Direction *reverse = d == &m_ab ? &m_ba : &m_ab;
        connect(d->from, &QIODevice::bytesWritten, this, [this, reverse] { pump(*reverse); });
        const bool isA = d == &m_ab;
        connect(d->from, &QAbstractSocket::disconnected, this, [this, isA] {
            finish(
                isA ? QStringLiteral("first peer closed") : QStringLiteral("second peer closed"));
        });
        connect(d->from, &QAbstractSocket::errorOccurred, this,
            [this, isA](QAbstractSocket::SocketError e) {
                if (e == QAbstractSocket::RemoteHostClosedError)
                    return; // disconnected() follows
                finish(QStringLiteral("%1 peer: %2")
                           .arg(side(isA), (isA ? m_ab.from : m_ba.from)->errorString()));
            });
    }
#ifdef Q_OS_LINUX
    if (m_limits.splice && isPlainTcp(a) && isPlainTcp(b))
        m_mode = Mode::Draining;
#endif
    m_idleCheck.setInterval(std::max<qint64>(m_limits.idleTimeout.count() / 4, 10));
    connect(&m_idleCheck, &QTimer::timeout, this, &RelaySession::checkIdle);
    m_idleCheck.start();
    // Bytes that arrived together with the join are already buffered.
    QTimer::singleShot(0, this, [this] {
        pump(m_ab);
        pump(m_ba);
    });
}

RelaySession::~RelaySession()
{
    if (m_shared) {
        m_shared->forget(m_ab.resume);
        m_shared->forget(m_ba.resume);
    }
    releaseDescriptors();
}

qint64 RelaySession::bytesQueued() const
{
    if (m_mode != Mode::Splice) {
        qint64 queued = 0;
        for (const Direction *d : {&m_ab, &m_ba})
            if (d->to)
                queued += d->to->bytesToWrite();
        return queued;
    }
    return m_ab.inPipe + m_ab.head.size() + m_ab.out.size() + m_ba.inPipe + m_ba.head.size()
        + m_ba.out.size();
}

qint64 RelaySession::allowance()
{
    if (m_limits.rateBytesPerSecond <= 0)
        return std::numeric_limits<qint64>::max();
    const qint64 elapsedNs = m_refill.nsecsElapsed();
    m_refill.restart();
    m_tokens = std::min(double(bucketCapacity(m_limits)),
        m_tokens + double(elapsedNs) * 1e-9 * double(m_limits.rateBytesPerSecond));
    return qint64(m_tokens);
}

int RelaySession::tokenWaitMs() const
{
    const double missing = 1.0 - m_tokens;
    const int waitMs = std::max(1, int(missing * 1000.0 / double(m_limits.rateBytesPerSecond)) + 1);
    return std::max(waitMs, 5);
}

void RelaySession::pump(Direction &d)
{
    if (m_finished)
        return;
    if (m_mode == Mode::Splice)
        return pumpSpliced(d);
    if (m_mode == Mode::Draining)
        return tryAdopt();
    while (d.to->state() == QAbstractSocket::ConnectedState) {
        const qint64 queued = d.to->bytesToWrite();
        if (queued >= m_limits.highWater)
            return; // resumed by d.to's bytesWritten
        const qint64 available = d.from->bytesAvailable();
        if (available <= 0)
            return; // resumed by readyRead
        qint64 n = std::min({available, m_limits.chunkSize, m_limits.highWater - queued});
        const qint64 allowed = allowance();
        if (allowed <= 0) {
            if (!d.resume->isActive())
                d.resume->start(tokenWaitMs());
            return;
        }
        n = std::min(n, allowed);
        if (m_shared) {
            // The direction's resume timer stands for it in the global queue: it dies with us.
            const qint64 granted = m_shared->acquire(d.resume, n, [this, &d] { pump(d); });
            if (granted <= 0)
                return; // nothing read: TCP flow control holds the peer until our turn
            n = granted;
        }
        // One reused buffer: the copy into the other socket's write buffer is the only one.
        if (m_buffer.size() < n)
            m_buffer.resize(n);
        const qint64 got = d.from->read(m_buffer.data(), n);
        if (m_shared && got < n)
            m_shared->refund(n - std::max<qint64>(got, 0));
        if (got <= 0)
            return;
        d.to->write(m_buffer.constData(), got);
        d.bytes += got;
        if (m_limits.rateBytesPerSecond > 0)
            m_tokens -= double(got);
        m_lastActivity.restart();
    }
}

void RelaySession::checkIdle()
{
    if (m_lastActivity.elapsed() >= m_limits.idleTimeout.count())
        finish(QStringLiteral("idle for %1 s").arg(m_limits.idleTimeout.count() / 1000.0));
}

void RelaySession::close(const QString &reason)
{
    finish(reason);
}

void RelaySession::finish(const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_idleCheck.stop();
    if (m_shared) {
        m_shared->forget(m_ab.resume);
        m_shared->forget(m_ba.resume);
    }
    for (Direction *d : {&m_ab, &m_ba})
        d->resume->stop();
    if (m_mode != Mode::Splice) {
        // Whatever one side sent before closing still goes to the other (the end of a TLS
        // stream).
        for (Direction *d : {&m_ab, &m_ba}) {
            if (d->to->state() == QAbstractSocket::ConnectedState
                && d->from->bytesAvailable() > 0) {
                const QByteArray rest = d->from->readAll();
                d->to->write(rest);
                d->bytes += rest.size();
            }
        }
    }
    const double seconds = double(m_started.elapsed()) / 1000.0;
    qCInfo(lcRelay).noquote() << QStringLiteral(
        "relay session %1 ended after %2 s: %3 bytes first→second, "
        "%4 bytes second→first (%5)")
                                     .arg(m_label)
                                     .arg(seconds, 0, 'f', 1)
                                     .arg(m_ab.bytes)
                                     .arg(m_ba.bytes)
                                     .arg(reason);
    if (m_mode == Mode::Splice) {
        Q_EMIT finished(reason);
        finishSpliced();
        return;
    }
    int pending = 0;
    for (QTcpSocket *s : {m_ab.from, m_ba.from}) {
        s->disconnect(this);
        if (s->state() != QAbstractSocket::UnconnectedState) {
            ++pending;
            s->disconnectFromHost(); // flushes what is queued, then closes
        }
    }
    Q_EMIT finished(reason);
    if (pending == 0) {
        deleteLater();
        return;
    }
    finishCopy();
}

void RelaySession::finishCopy()
{
    // Give the queued bytes a bounded time to leave, then drop whatever is left.
    auto *grace = new QTimer(this);
    grace->setSingleShot(true);
    connect(grace, &QTimer::timeout, this, [this] {
        m_ab.from->abort();
        m_ba.from->abort();
        deleteLater();
    });
    grace->start(5000);
    for (QTcpSocket *s : {m_ab.from, m_ba.from}) {
        connect(s, &QAbstractSocket::disconnected, this, [this] {
            if (m_ab.from->state() == QAbstractSocket::UnconnectedState
                && m_ba.from->state() == QAbstractSocket::UnconnectedState)
                deleteLater();
        });
    }
}

// ---- splice (Linux) ---------------------------------------------------------------------------

void RelaySession::tryAdopt()
{
#ifdef Q_OS_LINUX
    if (m_mode != Mode::Draining || m_finished)
        return;
    for (const Direction *d : {&m_ab, &m_ba})
        if (d->from->state() != QAbstractSocket::ConnectedState || d->from->bytesToWrite() > 0)
            return; // disconnected() finishes; bytesWritten() comes back here
    // Not inside the socket's own signal (abort() below): from the event loop, checked again.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_mode != Mode::Draining || m_finished)
                return;
            for (const Direction *d : {&m_ab, &m_ba})
                if (d->from->state() != QAbstractSocket::ConnectedState
                    || d->from->bytesToWrite() > 0)
                    return;
            if (!adopt())
                m_mode = Mode::Copy;
            pump(m_ab);
            pump(m_ba);
        },
        Qt::QueuedConnection);
#endif
}

bool RelaySession::adopt()
{
#ifdef Q_OS_LINUX
    const auto fail = [this](const char *what) {
        const int error = errno;
        qCWarning(lcRelay).noquote()
            << QStringLiteral("relay session %1: %2: %3; copying instead")
                   .arg(m_label, QLatin1String(what), QString::fromLocal8Bit(strerror(error)));
        releaseDescriptors();
        return false;
    };
    m_poller = FdPoller::forCurrentThread();
    FdPoller *poller = m_poller;
    if (!poller->isValid())
        return fail("no descriptor poller");
    const int fdA = ::fcntl(int(m_ab.from->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (fdA < 0)
        return fail("dup");
    const int fdB = ::fcntl(int(m_ba.from->socketDescriptor()), F_DUPFD_CLOEXEC, 0);
    if (fdB < 0) {
        ::close(fdA);
        return fail("dup");
    }
    m_ab.fromFd = m_ba.toFd = fdA;
    m_ab.toFd = m_ba.fromFd = fdB;
    for (Direction *d : {&m_ab, &m_ba}) {
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
            return fail("pipe2");
        d->pipeRead = fds[0];
        d->pipeWrite = fds[1];
        d->spliceIn = d->spliceOut = m_limits.spliceSyscalls;
        // Room for the high-water mark (a pipe holds 64 KiB by default); refused, the pipe keeps
        // its size. Pipe capacity counts against the user's budget (fs.pipe-user-pages-soft,
        // 64 MiB by default: 128 sessions at 256 KiB a direction; a systemd DynamicUser server
        // has no CAP_SYS_RESOURCE to go past it). Once it is spent the kernel hands out one-page
        // pipes, through which splice() crawls: such a session copies instead.
        (void)::fcntl(
            fds[1], F_SETPIPE_SZ, int(std::clamp<qint64>(m_limits.highWater, 4096, 1 << 20)));
        if (::fcntl(fds[1], F_GETPIPE_SZ) < kDefaultPipeSize) {
            errno = ENOBUFS;
            return fail("the pipe budget (fs.pipe-user-pages-soft) is spent");
        }
    }
    for (const bool onA : {true, false}) {
        const int fd = onA ? fdA : fdB;
        if (!poller->watch(
                fd, this, [this, onA](FdPoller::Event event) { onEvent(onA, int(event)); })) {
            errno = EINVAL;
            return fail("watch");
        }
        poller->setReadInterest(fd, false); // pumpSpliced() decides
    }
    ignoreSigpipe();
    // Qt reads only from its notifiers, in this thread: between readAll() and abort() nothing
    // can arrive in its buffer. abort() closes Qt's descriptor (and notifiers); the connection
    // stays open through the duplicate.
    for (Direction *d : {&m_ab, &m_ba}) {
        d->head = d->from->readAll();
        d->bytes += d->head.size();
        if (m_limits.rateBytesPerSecond > 0)
            m_tokens -= double(d->head.size());
        if (m_shared)
            m_shared->charge(d->head.size());
    }
    for (QTcpSocket *s : {m_ab.from, m_ba.from}) {
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }
    for (Direction *d : {&m_ab, &m_ba}) {
        d->from = nullptr;
        d->to = nullptr;
    }
    m_mode = Mode::Splice;
    qCDebug(lcRelay).noquote() << "relay session" << m_label << "spliced";
    return true;
#else
    return false;
#endif
}

void RelaySession::onEvent(bool onA, int event)
{
    // A socket is `from` of one direction (reads) and `to` of the other (writes).
    Direction &reading = onA ? m_ab : m_ba;
    Direction &writing = towards(onA);
    if (!m_finished) {
        pump(event == FdPoller::Readable ? reading : writing);
        return;
    }
    if (event == FdPoller::Readable)
        closingDrain(writing);
    else
        closingFlush(writing);
}

void RelaySession::pumpSpliced(Direction &d)
{
#ifdef Q_OS_LINUX
    FdPoller *poller = m_poller;
    if (!poller || d.fromFd < 0)
        return;
    for (int round = 0; round < kMaxRounds; ++round) {
        if (!flushOut(d))
            return;
        if (!d.head.isEmpty()) {
            const qsizetype before = d.head.size();
            if (!headIntoPipe(d))
                return;
            if (d.head.size() < before)
                continue; // flush what went in
            // The pipe is full, so flushOut() is waiting for d.toFd (write interest on).
            poller->setReadInterest(d.fromFd, false);
            return;
        }
        const qint64 queued = d.inPipe + d.out.size();
        if (queued >= m_limits.highWater) {
            poller->setReadInterest(d.fromFd, false); // flushOut() progress brings us back
            return;
        }
        qint64 n = std::min(m_limits.spliceChunk, m_limits.highWater - queued);
        const qint64 allowed = allowance();
        if (allowed <= 0) {
            poller->setReadInterest(d.fromFd, false);
            if (!d.resume->isActive())
                d.resume->start(tokenWaitMs());
            return;
        }
        n = std::min(n, allowed);
        if (m_shared) {
            const qint64 granted = m_shared->acquire(d.resume, n, [this, &d] { pump(d); });
            if (granted <= 0) {
                poller->setReadInterest(d.fromFd, false); // woken by the global queue
                return;
            }
            n = granted;
        }
        const qint64 got = readIntoPipe(d, n);
        if (m_shared && got < n)
            m_shared->refund(n - std::max<qint64>(got, 0));
        if (got < 0)
            return; // finished
        if (got == 0) {
            // Nothing to read, or (bytes still in the pipe) the pipe is full: then flushOut()
            // waits for d.toFd and its progress brings us back.
            poller->setReadInterest(d.fromFd, d.inPipe == 0 && d.out.isEmpty());
            return;
        }
        d.bytes += got;
        if (m_limits.rateBytesPerSecond > 0)
            m_tokens -= double(got);
        m_lastActivity.restart();
    }
    // Used up this turn. What the last round read must not wait in the pipe for more input (the
    // end of a stream brings none): it goes out now, or write interest brings it out; a head
    // left by the recv() fallback goes in next turn. Level-triggered read interest brings us
    // back if more is waiting.
    if (!flushOut(d))
        return;
    if (!d.head.isEmpty() && d.inPipe == 0 && d.out.isEmpty() && !d.resume->isActive())
        d.resume->start(0);
    poller->setReadInterest(d.fromFd, true);
#else
    Q_UNUSED(d);
#endif
}

bool RelaySession::flushOut(Direction &d)
{
#ifdef Q_OS_LINUX
    FdPoller *poller = m_poller;
    while (d.inPipe > 0 || !d.out.isEmpty()) {
        ssize_t r = 0;
        if (d.spliceOut && d.out.isEmpty()) {
            r = ::splice(d.pipeRead, nullptr, d.toFd, nullptr, size_t(d.inPipe), kSpliceFlags);
            if (r > 0) {
                d.inPipe -= r;
                continue;
            }
            if (r < 0 && errno == EINVAL) {
                d.spliceOut = false;
                continue;
            }
        } else {
            if (d.out.isEmpty()) {
                d.out.resize(std::min<qint64>(d.inPipe, 64 * 1024));
                const ssize_t got = ::read(d.pipeRead, d.out.data(), size_t(d.out.size()));
                if (got <= 0) { // cannot be: the pipe holds inPipe bytes
                    d.out.clear();
                    failSpliced(!d.isA, got < 0 ? errno : EIO);
                    return false;
                }
                d.out.resize(got);
                d.inPipe -= got;
            }
            r = ::send(d.toFd, d.out.constData(), size_t(d.out.size()), MSG_NOSIGNAL);
            if (r > 0) {
                d.out.remove(0, r);
                continue;
            }
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && wouldBlock(errno)) {
            poller->setWriteInterest(d.toFd, true);
            return true;
        }
        failSpliced(!d.isA, r < 0 ? errno : EPIPE); // to is the other peer
        return false;
    }
    poller->setWriteInterest(d.toFd, false);
    return true;
#else
    Q_UNUSED(d);
    return false;
#endif
}

bool RelaySession::headIntoPipe(Direction &d)
{
#ifdef Q_OS_LINUX
    while (!d.head.isEmpty()) {
        const ssize_t w = ::write(d.pipeWrite, d.head.constData(), size_t(d.head.size()));
        if (w > 0) {
            d.head.remove(0, w);
            d.inPipe += w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && wouldBlock(errno))
            return true;
        failSpliced(d.isA, w < 0 ? errno : EIO);
        return false;
    }
    return true;
#else
    Q_UNUSED(d);
    return false;
#endif
}

qint64 RelaySession::readIntoPipe(Direction &d, qint64 n)
{
#ifdef Q_OS_LINUX
    for (;;) {
        ssize_t r = 0;
        if (d.spliceIn) {
            r = ::splice(d.fromFd, nullptr, d.pipeWrite, nullptr, size_t(n), kSpliceFlags);
            if (r < 0 && errno == EINVAL) {
                d.spliceIn = false;
                continue;
            }
        } else {
            if (m_buffer.size() < n)
                m_buffer.resize(n);
            r = ::recv(d.fromFd, m_buffer.data(), size_t(n), 0);
            if (r > 0) {
                // What the pipe does not take waits in head (counted, goes in first).
                const ssize_t w = ::write(d.pipeWrite, m_buffer.constData(), size_t(r));
                const qint64 in = std::max<ssize_t>(w, 0);
                d.inPipe += in;
                if (in < r)
                    d.head.append(m_buffer.constData() + in, r - in);
            }
        }
        if (r > 0) {
            if (d.spliceIn)
                d.inPipe += r;
            return r;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && wouldBlock(errno))
            return 0;
        if (r == 0)
            finish(
                d.isA ? QStringLiteral("first peer closed") : QStringLiteral("second peer closed"));
        else
            failSpliced(d.isA, errno);
        return -1;
    }
#else
    Q_UNUSED(d);
    Q_UNUSED(n);
    return -1;
#endif
}

void RelaySession::failSpliced(bool isA, int error)
{
#ifdef Q_OS_LINUX
    // As on the copy path, where Qt reports a reset or a broken pipe as "remote host closed".
    if (error == ECONNRESET || error == EPIPE)
        return finish(QStringLiteral("%1 peer closed").arg(side(isA)));
    finish(QStringLiteral("%1 peer: %2").arg(side(isA), QString::fromLocal8Bit(strerror(error))));
#else
    Q_UNUSED(isA);
    Q_UNUSED(error);
#endif
}

void RelaySession::finishSpliced()
{
    // finish() has logged and emitted: what is queued goes out (no caps: like the copy path's
    // readAll()), then each socket is shut down for writing and drained until its peer closes.
    auto *grace = new QTimer(this);
    grace->setSingleShot(true);
    connect(grace, &QTimer::timeout, this, [this] {
        releaseDescriptors();
        deleteLater();
    });
    grace->start(5000);
    // Nothing more is read until a side is flushed and shut down (level-triggered: an interest
    // left on would call us for nothing).
    if (m_poller)
        for (const Direction *d : {&m_ab, &m_ba})
            if (d->fromFd >= 0)
                m_poller->setReadInterest(d->fromFd, false);
    for (Direction *d : {&m_ab, &m_ba})
        closingFlush(*d);
}

void RelaySession::closingFlush(Direction &d)
{
#ifdef Q_OS_LINUX
    if (d.flushed || d.toFd < 0 || !m_poller)
        return;
    for (;;) {
        if (!d.head.isEmpty() && d.pipeWrite >= 0) {
            const ssize_t w = ::write(d.pipeWrite, d.head.constData(), size_t(d.head.size()));
            if (w > 0) {
                d.head.remove(0, w);
                d.inPipe += w;
            }
        }
        if (d.inPipe == 0 && d.out.isEmpty())
            break; // all out (head too: it goes into an empty pipe, or cannot)
        ssize_t r = 0;
        if (d.spliceOut && d.out.isEmpty()) {
            r = ::splice(d.pipeRead, nullptr, d.toFd, nullptr, size_t(d.inPipe), kSpliceFlags);
            if (r > 0)
                d.inPipe -= r;
        } else {
            if (d.out.isEmpty()) {
                d.out.resize(std::min<qint64>(d.inPipe, 64 * 1024));
                const ssize_t got = ::read(d.pipeRead, d.out.data(), size_t(d.out.size()));
                if (got <= 0)
                    break;
                d.out.resize(got);
                d.inPipe -= got;
            }
            r = ::send(d.toFd, d.out.constData(), size_t(d.out.size()), MSG_NOSIGNAL);
            if (r > 0)
                d.out.remove(0, r);
        }
        if (r > 0 || (r < 0 && errno == EINTR))
            continue;
        if (r < 0 && wouldBlock(errno)) {
            m_poller->setWriteInterest(d.toFd, true);
            return;
        }
        break; // the peer is gone: the rest cannot leave
    }
    m_poller->setWriteInterest(d.toFd, false);
    d.flushed = true;
    d.head.clear();
    d.out.clear();
    // The end of the stream, after the bytes; then wait for the peer to close (reading and
    // dropping what it still sends), so that closing with unread bytes does not reset the tail.
    ::shutdown(d.toFd, SHUT_WR);
    m_poller->setReadInterest(d.toFd, true);
    closingDrain(d);
#else
    Q_UNUSED(d);
#endif
}

void RelaySession::closingDrain(Direction &d)
{
#ifdef Q_OS_LINUX
    if (!d.flushed || d.closed || d.toFd < 0)
        return;
    char scratch[16384];
    for (;;) {
        const ssize_t r = ::recv(d.toFd, scratch, sizeof scratch, 0);
        if (r > 0)
            continue;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && wouldBlock(errno))
            return; // read interest is on
        break; // end of stream or error
    }
    closeSide(d);
#else
    Q_UNUSED(d);
#endif
}

void RelaySession::closeSide(Direction &d)
{
#ifdef Q_OS_LINUX
    Direction &reverse = &d == &m_ab ? m_ba : m_ab;
    if (d.toFd >= 0) {
        if (m_poller)
            m_poller->unwatch(d.toFd);
        ::close(d.toFd);
    }
    d.toFd = -1;
    reverse.fromFd = -1;
    d.closed = true;
    if (m_ab.closed && m_ba.closed) {
        releaseDescriptors();
        deleteLater();
    }
#else
    Q_UNUSED(d);
#endif
}

void RelaySession::releaseDescriptors()
{
#ifdef Q_OS_LINUX
    FdPoller *poller = m_poller; // unwatch before close (may be gone: the thread ended)
    for (Direction *d : {&m_ab, &m_ba}) {
        if (d->fromFd >= 0) {
            if (poller)
                poller->unwatch(d->fromFd);
            ::close(d->fromFd);
            // The same descriptor is the other direction's toFd.
            Direction *reverse = d == &m_ab ? &m_ba : &m_ab;
            reverse->toFd = -1;
            d->fromFd = -1;
        }
    }
    for (Direction *d : {&m_ab, &m_ba}) {
        if (d->toFd >= 0) {
            if (poller)
                poller->unwatch(d->toFd);
            ::close(d->toFd);
            d->toFd = -1;
        }
        closeFd(d->pipeRead);
        closeFd(d->pipeWrite);
    }
#endif
}

} // namespace PunchDrop
