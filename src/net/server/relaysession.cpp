// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/relaysession.h"

#include "core/logging.h"
#include "net/server/relaybandwidth.h"

#include <QTcpSocket>

#include <algorithm>
#include <limits>

namespace PunchDrop {

namespace {
// A bucket holds at most a tenth of a second's worth of bytes (but one chunk at least), so a
// session cannot save up a long burst while idle.
qint64 bucketCapacity(const RelaySessionLimits &limits)
{
    return std::max<qint64>(
        limits.rateBytesPerSecond / 10, std::min<qint64>(limits.chunkSize, 16384));
}
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
                           .arg(isA ? QStringLiteral("first") : QStringLiteral("second"),
                               (isA ? m_ab.from : m_ba.from)->errorString()));
            });
    }
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

void RelaySession::pump(Direction &d)
{
    if (m_finished)
        return;
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
            const double missing = 1.0 - m_tokens;
            const int waitMs
                = std::max(1, int(missing * 1000.0 / double(m_limits.rateBytesPerSecond)) + 1);
            if (!d.resume->isActive())
                d.resume->start(std::max(waitMs, 5));
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
    // Whatever one side sent before closing still goes to the other (the end of a TLS stream).
    for (Direction *d : {&m_ab, &m_ba}) {
        d->resume->stop();
        if (d->to->state() == QAbstractSocket::ConnectedState && d->from->bytesAvailable() > 0) {
            const QByteArray rest = d->from->readAll();
            d->to->write(rest);
            d->bytes += rest.size();
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

} // namespace PunchDrop
