// SPDX-License-Identifier: GPL-3.0-or-later
#include "serverclient.h"

#include "controlprotocol.h"
#include "core/logging.h"

#include <QRandomGenerator>
#include <QSslSocket>

namespace PunchDrop {

using namespace Control;

namespace {
constexpr int kMaxPendingPings = 8;
//! Messages queued for a client that does not read (presence updates keep coming): past this the
//! client is dropped instead of growing the server's memory.
constexpr qint64 kMaxQueuedOutput = 1024 * 1024;
}

ServerClient::ServerClient(
    qintptr fd, const QSslConfiguration &tls, const Timeouts &timeouts, QObject *parent)
    : QObject(parent)
    , m_socket(new QSslSocket(this))
    , m_timeouts(timeouts)
{
    m_clock.start();
    m_socket->setSslConfiguration(tls);
    // Bounded: a frame is at most 4 + 64 KiB; Qt stops reading the socket when this is full.
    m_socket->setReadBufferSize(ControlProtocol::kMaxBodySize + ControlProtocol::kHeaderSize);
    connect(m_socket, &QSslSocket::encrypted, this, &ServerClient::onEncrypted);
    connect(m_socket, &QIODevice::readyRead, this, &ServerClient::onReadyRead);
    connect(m_socket, &QAbstractSocket::disconnected, this, [this] {
        finish(m_closing ? QStringLiteral("closed by server") : QStringLiteral("disconnected"));
    });
    connect(
        m_socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
            if (e == QAbstractSocket::RemoteHostClosedError)
                return finish(QStringLiteral("disconnected"));
            finish(m_socket->errorString());
        });
    connect(m_socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        // The server does not check client certificates against a CA: the certificate only has
        // to carry the key the DeviceId is derived from.
        m_socket->ignoreSslErrors(errors);
    });

    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        qCInfo(lcServer).noquote() << "dropping" << describe() << "- no hello within"
                                   << m_timeouts.handshake.count() << "ms";
        close();
        finish(QStringLiteral("handshake deadline"));
    });
    m_deadline.start(m_timeouts.handshake);
    m_idle.setSingleShot(true);
    connect(&m_idle, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("idle"),
            QStringLiteral("nothing received for %1 s").arg(m_timeouts.idle.count() / 1000.0));
    });

    if (!m_socket->setSocketDescriptor(fd)) {
        QTimer::singleShot(0, this, [this] { finish(QStringLiteral("cannot adopt socket")); });
        return;
    }
    m_observed = {m_socket->peerAddress(), m_socket->peerPort()};
    // An IPv4 client on a dual-stack listener shows up as ::ffff:a.b.c.d; peers want a.b.c.d.
    bool isV4 = false;
    const quint32 v4 = m_observed.address.toIPv4Address(&isV4);
    if (isV4)
        m_observed.address = QHostAddress(v4);
    // Control messages are small and latency-bound (a connect → go round trip): no Nagle
    // delay (benchmarks-server.md measured a ~40 ms stall on back-to-back requests).
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->startServerEncryption();
}

ServerClient::~ServerClient() = default;

QString ServerClient::describe() const
{
    QString text = m_id.isNull() ? QStringLiteral("(unidentified)") : m_id.shortString();
    if (!m_name.isEmpty())
        text += QStringLiteral(" \"%1\"").arg(m_name);
    return text + QLatin1Char(' ') + m_observed.toString();
}

void ServerClient::send(const ControlMessage &message)
{
    if (m_closing || m_finished || !m_socket->isEncrypted())
        return;
    if (m_socket->bytesToWrite() > kMaxQueuedOutput) {
        qCInfo(lcServer).noquote() << "dropping" << describe()
                                   << "- not reading (over 1 MiB of messages queued)";
        m_closing = true;
        // Not from here: send() runs inside the server's broadcast loops.
        QTimer::singleShot(0, this, [this] {
            m_socket->abort();
            finish(QStringLiteral("not reading"));
        });
        return;
    }
    m_socket->write(ControlProtocol::encode(message));
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

void ServerClient::onEncrypted()
{
    m_id = DeviceId::fromCertificate(m_socket->peerCertificate());
    if (m_id.isNull())
        fail(QStringLiteral("certificate"),
            QStringLiteral("a client certificate with an ECDSA or RSA key is required"));
    else
        onReadyRead(); // a hello may already be buffered
}

void ServerClient::onReadyRead()
{
    if (m_closing || m_finished || !m_socket->isEncrypted() || m_id.isNull())
        return;
    m_buffer += m_socket->readAll();
    while (!m_closing) {
        const ControlProtocol::ParseResult r = ControlProtocol::parse(m_buffer);
        if (r.status == ControlProtocol::Status::Incomplete)
            break;
        if (r.status == ControlProtocol::Status::Malformed) {
            fail(QStringLiteral("protocol"), r.error);
            return;
        }
        m_buffer.remove(0, r.consumed);
        if (m_helloDone)
            m_idle.start(m_timeouts.idle);
        handle(r.message);
    }
}

void ServerClient::handle(const ControlMessage &message)
{
    if (!m_helloDone) {
        const auto *hello = std::get_if<Hello>(&message);
        if (!hello) {
            fail(QStringLiteral("protocol"),
                QStringLiteral("expected hello, got %1").arg(ControlProtocol::typeName(message)));
            return;
        }
        if (hello->version != ControlProtocol::kVersion) {
            fail(QStringLiteral("version"),
                QStringLiteral("protocol version %1 is not supported (this server speaks %2)")
                    .arg(hello->version)
                    .arg(ControlProtocol::kVersion));
            return;
        }
        m_helloDone = true;
        m_deadline.stop();
        m_idle.start(m_timeouts.idle);
        m_name = hello->name.trimmed();
        if (m_name.isEmpty())
            m_name = m_id.shortString();
        m_private = hello->privateEndpoints;
        m_nat = hello->nat;
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
        fail(QStringLiteral("protocol"), QStringLiteral("hello sent twice"));
        return;
    }
    if (std::holds_alternative<Unknown>(message)) {
        qCDebug(lcServer).noquote()
            << describe() << "sent unknown message type" << ControlProtocol::typeName(message);
        return;
    }
    Q_EMIT messageReceived(this, message);
}

void ServerClient::fail(const QString &code, const QString &message)
{
    if (m_closing || m_finished)
        return;
    qCInfo(lcServer).noquote() << "closing" << describe() << "-" << code + QStringLiteral(":")
                               << message;
    send(Error {code, message});
    close();
}

void ServerClient::close()
{
    if (m_closing || m_finished)
        return;
    m_closing = true;
    m_deadline.stop();
    m_idle.stop();
    m_socket->disconnectFromHost(); // flushes the error frame first
    if (m_socket->state() == QAbstractSocket::UnconnectedState) {
        finish(QStringLiteral("closed by server"));
        return;
    }
    // A client that does not read must not keep the connection open.
    QTimer::singleShot(2000, this, [this] {
        m_socket->abort();
        finish(QStringLiteral("closed by server"));
    });
}

void ServerClient::finish(const QString &reason)
{
    if (m_finished)
        return;
    m_finished = true;
    m_deadline.stop();
    m_idle.stop();
    // The socket goes with this object (the server deletes it later); aborting it here, inside
    // one of its own signals, would make QSslSocket read from a closed engine.
    m_socket->disconnect(this);
    Q_EMIT closed(this, reason);
}

} // namespace PunchDrop
