// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/redisconnection.h"

#include <QPointer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>

#include <hiredis/hiredis.h>

namespace PunchDrop {

namespace {

//! hiredis' reply tree → our value (the tree is freed by the caller).
RedisReply copyReply(const redisReply *r)
{
    RedisReply out;
    switch (r->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(qsizetype(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            out.elements.append(copyReply(r->element[i]));
        break;
    default:
        out.type = RedisReply::Type::Nil;
        break;
    }
    return out;
}

} // namespace

RedisReply RedisReply::failure(const QString &why)
{
    RedisReply r;
    r.type = Type::Error;
    r.string = why.toUtf8();
    return r;
}

RedisConnection::RedisConnection(const RedisUrl &url, const QString &caFile, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_caFile(caFile)
{
    m_clock.start();
    m_deadline.setInterval(500);
    connect(&m_deadline, &QTimer::timeout, this, &RedisConnection::checkDeadline);
}

RedisConnection::~RedisConnection()
{
    close();
}

QByteArray RedisConnection::encode(const QList<QByteArray> &args)
{
    QByteArray out;
    out += '*' + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray &a : args)
        out += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

void RedisConnection::open()
{
    close();
    m_reader = redisReaderCreate();
    m_state = State::Connecting;
    m_openedMs = m_clock.elapsed();
    if (m_url.tls) {
        auto *ssl = new QSslSocket(this);
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setProtocol(QSsl::TlsV1_2OrLater);
        if (!m_caFile.isEmpty()) {
            const auto cas = QSslCertificate::fromPath(m_caFile);
            if (cas.isEmpty()) {
                delete ssl;
                fail(QStringLiteral("no CA certificate in %1").arg(m_caFile));
                return;
            }
            tls.setCaCertificates(cas);
        }
        ssl->setSslConfiguration(tls);
        connect(ssl, &QSslSocket::encrypted, this, &RedisConnection::onConnected);
        connect(ssl, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
            fail(QStringLiteral("TLS: %1").arg(errors.value(0).errorString()));
        });
        m_socket = ssl;
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, &RedisConnection::onConnected);
    }
    connect(m_socket, &QTcpSocket::readyRead, this, &RedisConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_socket)
            fail(m_socket->errorString());
    });
    connect(m_socket, &QTcpSocket::disconnected, this,
        [this] { fail(QStringLiteral("Redis closed the connection")); });
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
        ssl->connectToHostEncrypted(m_url.host, m_url.port);
    else
        m_socket->connectToHost(m_url.host, m_url.port);
    m_deadline.start();
}

void RedisConnection::close()
{
    m_deadline.stop();
    if (m_socket) {
        QTcpSocket *socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    if (m_reader) {
        redisReaderFree(m_reader);
        m_reader = nullptr;
    }
    m_state = State::Closed;
    failPending(QStringLiteral("the connection to Redis was closed"));
}

void RedisConnection::flushAndClose(int ms)
{
    QElapsedTimer waited;
    waited.start();
    while (m_socket && m_socket->state() == QAbstractSocket::ConnectedState
        && m_socket->bytesToWrite() > 0 && waited.elapsed() < ms)
        m_socket->waitForBytesWritten(int(std::max<qint64>(1, ms - waited.elapsed())));
    close();
}

void RedisConnection::fail(const QString &reason)
{
    if (m_state == State::Closed)
        return;
    close();
    Q_EMIT lost(reason);
}

void RedisConnection::failPending(const QString &why)
{
    // Callbacks may issue commands (which fail at once) or close us: take the list first.
    std::deque<Pending> pending;
    pending.swap(m_pending);
    const RedisReply failure = RedisReply::failure(why);
    for (Pending &p : pending)
        if (p.done && !p.internal)
            p.done(failure);
}

void RedisConnection::send(const QList<QByteArray> &args, Callback done, bool internal)
{
    m_pending.push_back({std::move(done), m_clock.elapsed(), internal});
    m_socket->write(encode(args));
}

void RedisConnection::onConnected()
{
    m_state = State::Handshaking;
    m_handshakeLeft = 0;
    if (!m_url.password.isEmpty()) {
        QList<QByteArray> auth {"AUTH"};
        if (!m_url.user.isEmpty())
            auth.append(m_url.user.toUtf8());
        auth.append(m_url.password.toUtf8());
        send(auth, {}, true);
        ++m_handshakeLeft;
    }
    if (m_url.database != 0) {
        send({"SELECT", QByteArray::number(m_url.database)}, {}, true);
        ++m_handshakeLeft;
    }
    if (m_handshakeLeft == 0) {
        m_state = State::Ready;
        Q_EMIT ready();
    }
}

void RedisConnection::command(const QList<QByteArray> &args, Callback done)
{
    if (m_state != State::Ready) {
        if (done)
            done(RedisReply::failure(QStringLiteral("not connected to Redis")));
        return;
    }
    send(args, std::move(done), false);
}

void RedisConnection::onReadyRead()
{
    if (!m_socket || !m_reader)
        return;
    const QByteArray data = m_socket->readAll();
    if (redisReaderFeed(m_reader, data.constData(), size_t(data.size())) != REDIS_OK) {
        fail(QStringLiteral("cannot read Redis' reply"));
        return;
    }
    QPointer<RedisConnection> self(this);
    while (self && m_reader) {
        void *raw = nullptr;
        if (redisReaderGetReply(m_reader, &raw) != REDIS_OK) {
            fail(QStringLiteral("malformed reply from Redis: %1")
                     .arg(QString::fromLatin1(m_reader->errstr)));
            return;
        }
        if (!raw)
            return;
        const RedisReply reply = copyReply(static_cast<const redisReply *>(raw));
        freeReplyObject(raw);
        onReply(reply);
    }
}

void RedisConnection::onReply(const RedisReply &reply)
{
    if (m_subscriber && reply.type == RedisReply::Type::Array && !reply.elements.isEmpty()
        && (reply.elements.first().string == "message"
            || reply.elements.first().string == "pmessage")) {
        Q_EMIT pushed(reply);
        return;
    }
    if (m_pending.empty()) {
        fail(QStringLiteral("Redis sent a reply nobody asked for"));
        return;
    }
    Pending p = std::move(m_pending.front());
    m_pending.pop_front();
    if (p.internal) {
        if (reply.isError()) {
            const QString what
                = reply.string.startsWith("WRONGPASS") || reply.string.startsWith("NOAUTH")
                ? QStringLiteral("Redis refused the password")
                : QStringLiteral("Redis refused the connection set-up");
            fail(QStringLiteral("%1: %2").arg(what, QString::fromUtf8(reply.string)));
            return;
        }
        if (--m_handshakeLeft == 0) {
            m_state = State::Ready;
            Q_EMIT ready();
        }
        return;
    }
    if (p.done)
        p.done(reply);
}

void RedisConnection::checkDeadline()
{
    const qint64 now = m_clock.elapsed();
    if (m_state == State::Connecting && now - m_openedMs > m_replyTimeoutMs) {
        fail(QStringLiteral("no connection to Redis within %1 ms").arg(m_replyTimeoutMs));
        return;
    }
    if (!m_pending.empty() && now - m_pending.front().sentMs > m_replyTimeoutMs)
        fail(QStringLiteral("Redis did not answer within %1 ms").arg(m_replyTimeoutMs));
}

} // namespace PunchDrop
