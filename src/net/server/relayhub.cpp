// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/relayhub.h"

#include "core/addressprefix.h"
#include "core/logging.h"
#include "net/wire/relayjoin.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>

namespace PunchDrop {

namespace {
qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString describe(const QTcpSocket *socket)
{
    return socket->peerAddress().toString() + QLatin1Char(':')
        + QString::number(socket->peerPort());
}
} // namespace

RelayHub::RelayHub(const RelayHubConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
    if (m_config.totalRateBytesPerSecond > 0)
        m_bandwidth = new RelayBandwidth(m_config.totalRateBytesPerSecond, this);
}

RelayHub::~RelayHub()
{
    closeAll();
}

QByteArray RelayHub::createToken(const QString &label, const RelayOwner &owner, QString *refusal)
{
    dropExpiredTokens();
    QString why;
    if (m_slotsPerIdentity.value(owner.id) >= m_config.maxSlotsPerIdentity)
        why = QStringLiteral("this device holds %1 relay slots already")
                  .arg(m_config.maxSlotsPerIdentity);
    else if (m_slotsPerPrefix.value(owner.prefix) >= m_config.maxSlotsPerPrefix)
        why = QStringLiteral("devices on this network hold %1 relay slots already")
                  .arg(m_config.maxSlotsPerPrefix);
    if (!why.isEmpty()) {
        if (refusal)
            *refusal = why;
        return {};
    }
    QByteArray token(RelayJoin::kTokenSize, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(token.data()),
        reinterpret_cast<quint32 *>(token.data() + RelayJoin::kTokenSize));
    m_tokens.insert(token, {label, nowMs() + m_config.tokenLifetime.count(), owner});
    charge(owner, +1);
    return token;
}

bool RelayHub::revokeToken(const QByteArray &token)
{
    const auto it = m_tokens.find(token);
    if (it == m_tokens.end() || m_waiting.contains(token))
        return false;
    charge(it->owner, -1);
    m_tokens.erase(it);
    return true;
}

void RelayHub::charge(const RelayOwner &owner, int delta)
{
    const auto apply = [delta](auto &table, const auto &key) {
        auto it = table.find(key);
        if (it == table.end())
            it = table.insert(key, 0);
        it.value() += delta;
        if (it.value() <= 0)
            table.erase(it);
    };
    apply(m_slotsPerIdentity, owner.id);
    apply(m_slotsPerPrefix, owner.prefix);
}

void RelayHub::stopJoining(QTcpSocket *socket)
{
    const auto it = m_joining.find(socket);
    if (it == m_joining.end())
        return;
    const QHostAddress prefix = it.value();
    m_joining.erase(it);
    if (--m_joiningPerPrefix[prefix] <= 0)
        m_joiningPerPrefix.remove(prefix);
}

void RelayHub::dropExpiredTokens()
{
    const qint64 now = nowMs();
    for (auto it = m_tokens.begin(); it != m_tokens.end();) {
        if (it->expiresAtMs <= now && !m_waiting.contains(it.key())) {
            charge(it->owner, -1);
            it = m_tokens.erase(it);
        } else {
            ++it;
        }
    }
}

void RelayHub::acceptJoin(QTcpSocket *socket)
{
    socket->setParent(this);
    // Connections that have not sent their join yet are bounded too (each for at most the
    // handshake timeout), so a flood of idle relay connections cannot pile up.
    if (m_joining.size() >= maxJoining()) {
        refuse(socket, QStringLiteral("too many joins in progress (%1)").arg(maxJoining()));
        return;
    }
    const QHostAddress prefix = AddressPrefix::of(socket->peerAddress());
    if (m_joiningPerPrefix.value(prefix) >= m_config.maxJoiningPerPrefix) {
        refuse(socket,
            QStringLiteral("too many joins in progress from this network (%1)")
                .arg(m_config.maxJoiningPerPrefix));
        return;
    }
    m_joining.insert(socket, prefix);
    ++m_joiningPerPrefix[prefix];
    connect(socket, &QObject::destroyed, this, [this, socket] { stopJoining(socket); });
    socket->setReadBufferSize(RelayJoin::kJoinSize);
    auto *deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, socket, [this, socket] {
        refuse(socket,
            QStringLiteral("no complete join within %1 ms").arg(m_config.handshakeTimeout.count()));
    });
    deadline->start(m_config.handshakeTimeout);
    connect(socket, &QIODevice::readyRead, this, [this, socket, deadline] {
        if (socket->bytesAvailable() < RelayJoin::kJoinSize)
            return;
        deadline->stop();
        socket->disconnect(this);
        stopJoining(socket);
        readJoin(socket);
    });
    connect(socket, &QAbstractSocket::disconnected, this, [socket] { socket->deleteLater(); });
    if (socket->bytesAvailable() >= RelayJoin::kJoinSize)
        QTimer::singleShot(0, socket, [socket] { Q_EMIT socket->readyRead(); });
}

void RelayHub::refuse(QTcpSocket *socket, const QString &why)
{
    // Anyone can cause this at will: one line per second, with a count.
    int suppressed = 0;
    if (m_refusalLog.allow(&suppressed))
        qCInfo(lcRelay).noquote()
            << QStringLiteral("relay join from %1 refused: %2").arg(describe(socket), why)
                + LogThrottle::suffix(suppressed);
    socket->disconnect(this);
    stopJoining(socket);
    for (auto it = m_waiting.begin(); it != m_waiting.end(); ++it) {
        if (it.value() == socket) {
            m_waiting.erase(it);
            break;
        }
    }
    answerAndClose(socket, RelayJoin::kRefused);
}

void RelayHub::answerAndClose(QTcpSocket *socket, char answer)
{
    if (socket->state() == QAbstractSocket::ConnectedState) {
        socket->write(QByteArray(1, answer));
        socket->disconnectFromHost();
    }
    if (socket->state() == QAbstractSocket::UnconnectedState) {
        socket->deleteLater();
        return;
    }
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(2000, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
}

void RelayHub::readJoin(QTcpSocket *socket)
{
    const RelayJoin::Parsed join = RelayJoin::parse(socket->read(RelayJoin::kJoinSize));
    if (!join.ok)
        return refuse(socket, join.error);
    if (join.claim) {
        if (!m_claims || !m_claims(join.token, {socket->peerAddress(), socket->peerPort()}))
            return refuse(socket, QStringLiteral("unknown address claim"));
        return answerAndClose(socket, RelayJoin::kPaired);
    }
    if (!m_config.enabled)
        return refuse(socket, QStringLiteral("relay disabled on this server"));
    const QByteArray token = join.token;
    dropExpiredTokens();
    const auto info = m_tokens.constFind(token);
    if (info == m_tokens.cend())
        return refuse(socket, QStringLiteral("unknown or expired token"));

    const auto waiting = m_waiting.find(token);
    if (waiting != m_waiting.end()) {
        QPointer<QTcpSocket> first = waiting.value();
        m_waiting.erase(waiting);
        const TokenInfo used = *info;
        m_tokens.remove(token);
        if (!first || first->state() != QAbstractSocket::ConnectedState) {
            charge(used.owner, -1);
            return refuse(socket, QStringLiteral("the other peer left before pairing"));
        }
        pair(first, socket, used); // the slot stays charged until the session ends
        return;
    }

    m_sessions.removeAll(nullptr);
    if (m_sessions.size() + m_waiting.size() >= m_config.maxSessions)
        return refuse(
            socket, QStringLiteral("relay session limit (%1) reached").arg(m_config.maxSessions));
    m_waiting.insert(token, socket);
    qCDebug(lcRelay).noquote() << "relay join from" << describe(socket) << "waits for its peer";
    auto *timeout = new QTimer(socket);
    timeout->setSingleShot(true);
    connect(timeout, &QTimer::timeout, this, [this, socket] {
        refuse(socket,
            QStringLiteral("the other peer did not join within %1 ms")
                .arg(m_config.joinTimeout.count()));
    });
    timeout->start(m_config.joinTimeout);
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket, token] {
        if (m_waiting.value(token) == socket)
            m_waiting.remove(token);
        socket->deleteLater();
    });
}

void RelayHub::pair(QTcpSocket *first, QTcpSocket *second, const TokenInfo &token)
{
    for (QTcpSocket *s : {first, second}) {
        s->disconnect(this);
        const auto timers = s->findChildren<QTimer *>(Qt::FindDirectChildrenOnly);
        for (QTimer *t : timers)
            delete t;
        s->setReadBufferSize(0);
        s->write(QByteArray(1, RelayJoin::kPaired));
    }
    const QString &label = token.label;
    auto *session = new RelaySession(first, second, m_config.limits,
        label + QStringLiteral(" (") + describe(first) + QStringLiteral(" ↔ ") + describe(second)
            + QLatin1Char(')'),
        this, m_bandwidth);
    m_sessions.append(session);
    const RelayOwner owner = token.owner;
    connect(session, &RelaySession::finished, this, [this, session, owner](const QString &reason) {
        m_sessions.removeAll(session);
        charge(owner, -1);
        Q_EMIT sessionFinished(session->bytesAtoB(), session->bytesBtoA(), reason);
    });
    qCInfo(lcRelay).noquote() << "relay session" << label << "paired" << describe(first) << "with"
                              << describe(second);
    Q_EMIT sessionStarted();
}

void RelayHub::closeAll()
{
    const auto sessions = m_sessions;
    for (const QPointer<RelaySession> &s : sessions)
        if (s)
            s->close(QStringLiteral("server shutting down"));
    m_sessions.clear();
    const auto waiting = m_waiting;
    for (const QPointer<QTcpSocket> &s : waiting)
        if (s)
            s->abort();
    m_waiting.clear();
    m_tokens.clear();
    m_slotsPerIdentity.clear();
    m_slotsPerPrefix.clear();
}

} // namespace PunchDrop
