// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/serverclient.h"

#include "core/logging.h"
#include "core/logthrottle.h"
#include "net/security/controllink.h"
#include "net/wire/controlprotocol.h"

#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>

#include <QTcpSocket>

namespace PunchDrop {

using namespace Control;

namespace {
//! Every ServerClient of one thread, with the one timer that checks their deadlines.
struct DeadlineRegistry
{
    QSet<ServerClient *> clients;
    QTimer timer;
    QElapsedTimer clock;
    qint64 intervalMs = 0;
};
thread_local DeadlineRegistry *t_deadlines = nullptr;
//! The sweep runs every tenth of the shortest timeout, within these bounds: a deadline fires
//! at most that much late (500 ms on a 5 s handshake deadline).
constexpr qint64 kMinSweepMs = 10;
constexpr qint64 kMaxSweepMs = 500;

constexpr int kMaxPendingPings = 8;
//! Messages queued for a client that does not read (presence updates keep coming): past this the
//! client is dropped instead of growing the server's memory.
constexpr qint64 kMaxQueuedOutput = 1024 * 1024;
} // namespace

ServerClient::ServerClient(
    qintptr fd, const ControlLinkContext &link, const Timeouts &timeouts, QObject *parent)
    : QObject(parent)
    , m_timeouts(timeouts)
{
    m_clock.start();
    watchDeadlines();
    m_deadlineAtMs = nowMs() + m_timeouts.handshake.count();

    // The link adopts the descriptor (a failure arrives as closed()); it sets TCP_NODELAY.
    m_link = new ControlLink(link, fd, this);
    connect(m_link, &ControlLink::handshakeDone, this, &ServerClient::onHandshakeDone);
    connect(m_link, &ControlLink::plaintextReady, this, &ServerClient::onPlaintext);
    connect(m_link, &ControlLink::closed, this, [this](const QString &reason) {
        if (m_closing)
            finish(QStringLiteral("closed by server"));
        else if (m_link->error() == ControlLink::Error::RemoteClosed)
            finish(QStringLiteral("disconnected"));
        else
            finish(reason);
    });
    m_observed = {m_link->peerAddress(), m_link->peerPort()};
    // An IPv4 client on a dual-stack listener shows up as ::ffff:a.b.c.d; peers want a.b.c.d.
    bool isV4 = false;
    const quint32 v4 = m_observed.address.toIPv4Address(&isV4);
    if (isV4)
        m_observed.address = QHostAddress(v4);
}

ServerClient::~ServerClient()
{
    t_deadlines->clients.remove(this);
    if (t_deadlines->clients.isEmpty()) {
        t_deadlines->timer.stop();
        t_deadlines->intervalMs = 0;
    }
}

qint64 ServerClient::nowMs()
{
    return t_deadlines->clock.elapsed();
}

void ServerClient::watchDeadlines()
{
    if (!t_deadlines) {
        t_deadlines = new DeadlineRegistry; // per thread, for the thread's lifetime
        t_deadlines->clock.start();
        connect(
            &t_deadlines->timer, &QTimer::timeout, &t_deadlines->timer, &ServerClient::sweepAll);
    }
    DeadlineRegistry &registry = *t_deadlines;
    registry.clients.insert(this);
    const qint64 shortest = std::min(m_timeouts.handshake, m_timeouts.idle).count();
    const qint64 interval = std::clamp<qint64>(shortest / 10, kMinSweepMs, kMaxSweepMs);
    if (registry.intervalMs == 0 || interval < registry.intervalMs) {
        registry.intervalMs = interval;
        registry.timer.start(int(interval));
    }
}

void ServerClient::sweepAll()
{
    const qint64 now = nowMs();
    QList<QPointer<ServerClient>> due;
    for (ServerClient *c : std::as_const(t_deadlines->clients))
        if ((c->m_deadlineAtMs >= 0 && now >= c->m_deadlineAtMs)
            || (c->m_idleAtMs >= 0 && now >= c->m_idleAtMs))
            due.append(c);
    for (const QPointer<ServerClient> &c : std::as_const(due))
        if (c)
            c->onDeadline(now);
}

void ServerClient::onDeadline(qint64 now)
{
    if (m_deadlineAtMs >= 0 && now >= m_deadlineAtMs) {
        m_deadlineAtMs = -1;
        // A stranger can cause this at will: one line per second, with a count.
        thread_local LogThrottle throttle;
        int suppressed = 0;
        if (throttle.allow(&suppressed))
            qCInfo(lcServer).noquote() << QStringLiteral("dropping %1 - no hello within %2 ms")
                                              .arg(describe())
                                              .arg(m_timeouts.handshake.count())
                    + LogThrottle::suffix(suppressed);
        close();
        finish(QStringLiteral("handshake deadline"));
    } else if (m_idleAtMs >= 0 && now >= m_idleAtMs) {
        m_idleAtMs = -1;
        fail(ServerError::Idle,
            QStringLiteral("nothing received for %1 s").arg(m_timeouts.idle.count() / 1000.0));
    }
}

QString ServerClient::describe() const
{
    QString text = m_id.isNull() ? QStringLiteral("(unidentified)") : m_id.shortString();
    if (!m_name.isEmpty())
        text += QStringLiteral(" \"%1\"").arg(m_name);
    return text + QLatin1Char(' ') + m_observed.toString();
}

void ServerClient::send(const ControlMessage &message)
{
    if (m_closing || m_finished || !m_link->isEstablished())
        return;
    if (m_link->bytesToWrite() > kMaxQueuedOutput) {
        qCInfo(lcServer).noquote()
            << "dropping" << describe() << "- not reading (over 1 MiB of messages queued)";
        m_closing = true;
        // Not from here: send() runs inside the server's broadcast loops.
        QTimer::singleShot(0, this, [this] {
            finish(QStringLiteral("not reading"));
            m_link->abort();
        });
        return;
    }
    m_link->write(ControlProtocol::encode(message));
}

quint64 ServerClient::ping()
{
    quint64 nonce = QRandomGenerator::global()->generate64() & 0x7fffffffffffffffULL;
    if (m_pendingPings.size() >= kMaxPendingPings)
        m_pendingPings.clear(); // a client that never answers must not grow this
    m_pendingPings.insert(nonce, m_clock.elapsed());
    send(Ping {nonce});
    return nonce;
}

void ServerClient::onHandshakeDone(const DeviceId &peer)
{
    m_id = peer; // from the client certificate's key, checked by the handshake
}

void ServerClient::onPlaintext(const QByteArray &plaintext)
{
    if (m_closing || m_finished || m_id.isNull())
        return;
    m_buffer += plaintext;
    // Frames are consumed by moving an offset; the buffer is compacted once at the end (a record
    // full of tiny frames must not cost one memmove of the rest per frame).
    qsizetype offset = 0;
    QPointer<ServerClient> guard(this);
    while (!m_closing) {
        const ControlProtocol::ParseResult r
            = ControlProtocol::parse(QByteArrayView(m_buffer).sliced(offset));
        if (r.status == ControlProtocol::Status::Incomplete)
            break;
        if (r.status == ControlProtocol::Status::Malformed) {
            fail(ServerError::Protocol, r.error);
            return;
        }
        offset += r.consumed;
        if (m_helloDone)
            m_idleAtMs = nowMs() + m_timeouts.idle.count();
        handle(r.message);
        if (!guard)
            return;
    }
    if (offset >= m_buffer.size())
        m_buffer.clear(); // an idle client keeps no buffer capacity
    else
        m_buffer.remove(0, offset);
}

void ServerClient::handle(const ControlMessage &message)
{
    if (!m_helloDone) {
        const auto *hello = std::get_if<Hello>(&message);
        if (!hello) {
            fail(ServerError::Protocol,
                QStringLiteral("expected hello, got %1").arg(ControlProtocol::typeName(message)));
            return;
        }
        if (hello->version != ControlProtocol::kVersion) {
            fail(ServerError::Version,
                QStringLiteral("protocol version %1 is not supported (this server speaks %2)")
                    .arg(hello->version)
                    .arg(ControlProtocol::kVersion));
            return;
        }
        m_helloDone = true;
        m_deadlineAtMs = -1;
        m_idleAtMs = nowMs() + m_timeouts.idle.count();
        m_name = hello->name.trimmed();
        if (m_name.isEmpty())
            m_name = m_id.shortString();
        m_private = hello->privateEndpoints;
        m_nat = hello->nat;
        m_device = hello->device;
        m_helloWatch = hello->watch;
        Q_EMIT helloReceived(this);
        return;
    }
    if (const auto *ping = std::get_if<Ping>(&message)) {
        send(Pong {ping->nonce});
        return;
    }
    if (const auto *pong = std::get_if<Pong>(&message)) {
        const auto it = m_pendingPings.find(pong->nonce);
        if (it == m_pendingPings.end())
            return; // late or unsolicited: harmless
        m_lastRttMs = int(m_clock.elapsed() - it.value());
        m_pendingPings.erase(it);
        Q_EMIT pongReceived(this, pong->nonce, m_lastRttMs);
        return;
    }
    if (std::holds_alternative<Hello>(message)) {
        fail(ServerError::Protocol, QStringLiteral("hello sent twice"));
        return;
    }
    if (std::holds_alternative<Unknown>(message)) {
        qCDebug(lcServer).noquote()
            << describe() << "sent unknown message type" << ControlProtocol::typeName(message);
        return;
    }
    Q_EMIT messageReceived(this, message);
}

void ServerClient::fail(ServerError code, const QString &message)
{
    if (m_closing || m_finished)
        return;
    qCInfo(lcServer).noquote() << "closing" << describe() << "-"
                               << serverErrorName(code) + QStringLiteral(":") << message;
    send(Error {code, message});
    close();
}

void ServerClient::close()
{
    if (m_closing || m_finished)
        return;
    m_closing = true;
    m_deadlineAtMs = -1;
    m_idleAtMs = -1;
    // Flushes the error frame first; a client that does not read is aborted after a grace
    // period (ControlLink::kLingerMs). closed() → finish().
    m_link->close();
}

void ServerClient::finish(const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_deadlineAtMs = -1;
    m_idleAtMs = -1;
    // The link goes with this object (the server deletes it later).
    m_link->disconnect(this);
    Q_EMIT closed(this, reason);
}

} // namespace PunchDrop
