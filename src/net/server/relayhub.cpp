// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/relayhub.h"

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

QByteArray RelayHub::createToken(const QString &label)
{
    dropExpiredTokens();
    QByteArray token(RelayJoin::kTokenSize, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(token.data()),
        reinterpret_cast<quint32 *>(token.data() + RelayJoin::kTokenSize));
    m_tokens.insert(token, {label, nowMs() + m_config.tokenLifetime.count()});
    return token;
}

void RelayHub::dropExpiredTokens()
{
    const qint64 now = nowMs();
    for (auto it = m_tokens.begin(); it != m_tokens.end();) {
        if (it->expiresAtMs <= now && !m_waiting.contains(it.key()))
            it = m_tokens.erase(it);
        else
            ++it;
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
    m_joining.insert(socket);
    connect(socket, &QObject::destroyed, this, [this, socket] { m_joining.remove(socket); });
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
        m_joining.remove(socket);
        readJoin(socket);
    });
    connect(socket, &QAbstractSocket::disconnected, this, [socket] { socket->deleteLater(); });
    if (socket->bytesAvailable() >= RelayJoin::kJoinSize)
        QTimer::singleShot(0, socket, [socket] { Q_EMIT socket->readyRead(); });
}

void RelayHub::refuse(QTcpSocket *socket, const QString &why)
{
    qCInfo(lcRelay).noquote() << "relay join from" << describe(socket) << "refused:" << why;
    socket->disconnect(this);
    m_joining.remove(socket);
    for (auto it = m_waiting.begin(); it != m_waiting.end(); ++it) {
        if (it.value() == socket) {
            m_waiting.erase(it);
            break;
        }
    }
    if (socket->state() == QAbstractSocket::ConnectedState) {
        socket->write(QByteArray(1, RelayJoin::kRefused));
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
        const QString label = info->label;
        m_tokens.remove(token);
        if (!first || first->state() != QAbstractSocket::ConnectedState)
            return refuse(socket, QStringLiteral("the other peer left before pairing"));
        pair(first, socket, label);
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

void RelayHub::pair(QTcpSocket *first, QTcpSocket *second, const QString &label)
{
    for (QTcpSocket *s : {first, second}) {
        s->disconnect(this);
        const auto timers = s->findChildren<QTimer *>(Qt::FindDirectChildrenOnly);
        for (QTimer *t : timers)
            delete t;
        s->setReadBufferSize(0);
        s->write(QByteArray(1, RelayJoin::kPaired));
    }
    auto *session = new RelaySession(first, second, m_config.limits,
        label + QStringLiteral(" (") + describe(first) + QStringLiteral(" ↔ ") + describe(second)
            + QLatin1Char(')'),
        this, m_bandwidth);
    m_sessions.append(session);
    connect(session, &RelaySession::finished, this, [this, session](const QString &reason) {
        m_sessions.removeAll(session);
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
}

} // namespace PunchDrop
