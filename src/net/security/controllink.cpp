// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/controllink.h"

#include "core/socket/fdpoller.h"
#include "core/socket/reusablesocket.h"
#include "net/security/tlssupport.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>
#include <QtEndian>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>

#ifdef Q_OS_WIN
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

namespace PunchDrop {

namespace {

using TlsSupport::takeOpensslErrors;

constexpr char kClientToServer[] = "client to server";
constexpr char kServerToClient[] = "server to client";

// ---- the descriptor transport -------------------------------------------------------------

#ifdef Q_OS_WIN
using NativeSocket = SOCKET;
using NativeLength = int;
bool wouldBlock()
{
    return WSAGetLastError() == WSAEWOULDBLOCK;
}
bool interrupted()
{
    return WSAGetLastError() == WSAEINTR;
}
bool connectionReset()
{
    return WSAGetLastError() == WSAECONNRESET;
}
QString nativeError()
{
    return QStringLiteral("winsock error %1").arg(WSAGetLastError());
}
#else
using NativeSocket = int;
using NativeLength = size_t;
bool wouldBlock()
{
    return errno == EAGAIN || errno == EWOULDBLOCK;
}
bool interrupted()
{
    return errno == EINTR;
}
bool connectionReset()
{
    return errno == ECONNRESET;
}
QString nativeError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}
#endif

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL; // a peer that reset must not SIGPIPE the server
#else
constexpr int kSendFlags = 0; // SO_NOSIGPIPE below (macOS), no SIGPIPE at all (Windows)
#endif

qint64 nativeReceive(qintptr fd, char *data, qint64 size)
{
    return qint64(::recv(NativeSocket(fd), data, NativeLength(size), 0));
}

qint64 nativeSend(qintptr fd, const char *data, qint64 size)
{
    return qint64(::send(NativeSocket(fd), data, NativeLength(size), kSendFlags));
}

//! Non-blocking, no Nagle delay (control frames are small and latency-bound), no SIGPIPE.
bool prepareDescriptor(qintptr fd, QString *error)
{
    int one = 1;
#ifdef Q_OS_WIN
    u_long nonBlocking = 1;
    if (::ioctlsocket(NativeSocket(fd), FIONBIO, &nonBlocking) != 0) {
        *error = nativeError();
        return false;
    }
    ::setsockopt(NativeSocket(fd), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char *>(&one),
        sizeof one);
#else
    const int flags = ::fcntl(int(fd), F_GETFL);
    if (flags < 0 || ::fcntl(int(fd), F_SETFL, flags | O_NONBLOCK) < 0) {
        *error = nativeError();
        return false;
    }
    ::setsockopt(int(fd), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
    ::setsockopt(int(fd), SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
#endif
    return true;
}

std::pair<QHostAddress, quint16> socketName(qintptr fd, bool peer)
{
    sockaddr_storage storage {};
    socklen_t length = sizeof storage;
    auto *address = reinterpret_cast<sockaddr *>(&storage);
    const int r = peer ? ::getpeername(NativeSocket(fd), address, &length)
                       : ::getsockname(NativeSocket(fd), address, &length);
    if (r != 0)
        return {};
    quint16 port = 0;
    if (storage.ss_family == AF_INET)
        port = ntohs(reinterpret_cast<const sockaddr_in *>(&storage)->sin_port);
    else if (storage.ss_family == AF_INET6)
        port = ntohs(reinterpret_cast<const sockaddr_in6 *>(&storage)->sin6_port);
    return {QHostAddress(address), port};
}

bool exportKey(SSL *ssl, const char *context, unsigned char *key)
{
    return TlsSupport::exportKey(
        ssl, ControlLink::kExporterLabel, context, key, ControlLink::kKeySize);
}

ControlLink::Error linkError(RecordCipher::Error error)
{
    switch (error) {
    case RecordCipher::Error::Oversize:
        return ControlLink::Error::Oversize;
    case RecordCipher::Error::CounterExhausted:
        return ControlLink::Error::CounterExhausted;
    case RecordCipher::Error::None:
    case RecordCipher::Error::Integrity:
    case RecordCipher::Error::Crypto:
        break;
    }
    return ControlLink::Error::Integrity;
}

} // namespace

ControlLink::ControlLink(const ControlLinkContext &context, QTcpSocket *socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
{
    m_socket->setParent(this);
    setUp(context);
}

ControlLink::ControlLink(const ControlLinkContext &context, qintptr fd, QObject *parent)
    : QObject(parent)
    , m_fd(fd)
{
    QString why;
    if (fd < 0 || !prepareDescriptor(fd, &why)) {
        closeDescriptor();
        QMetaObject::invokeMethod(
            this,
            [this, why] { fail(Error::Socket, QStringLiteral("cannot adopt the socket: ") + why); },
            Qt::QueuedConnection);
        return;
    }
    m_poller = FdPoller::forCurrentThread();
    if (!m_poller->watch(fd, this, [this](FdPoller::Event event) {
            if (event == FdPoller::Readable)
                onReadable();
            else
                onWritable();
        })) {
        why = m_poller->errorString();
        m_poller = nullptr;
        closeDescriptor();
        QMetaObject::invokeMethod(
            this,
            [this, why] { fail(Error::Socket, QStringLiteral("cannot watch the socket: ") + why); },
            Qt::QueuedConnection);
        return;
    }
    setUp(context);
}

ControlLink::~ControlLink()
{
    freeTls();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    closeDescriptor();
}

void ControlLink::setUp(const ControlLinkContext &context)
{
    m_role = context.role();
    m_alpn = context.alpn();
    if (m_socket) {
        // Bounded: Qt stops reading the kernel buffer when this much is waiting for us.
        m_socket->setReadBufferSize(kMaxRecord);
        // Control frames are small and latency-bound (connect → go): no Nagle delay.
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        connect(m_socket, &QIODevice::readyRead, this, &ControlLink::onReadyRead);
        connect(m_socket, &QAbstractSocket::errorOccurred, this, &ControlLink::onSocketError);
        connect(m_socket, &QAbstractSocket::disconnected, this, [this] {
            if (m_state == State::Closing)
                finish(QStringLiteral("closed"));
            else
                onSocketError();
        });
    }

    ERR_clear_error();
    m_ssl = context.isValid() ? SSL_new(context.nativeHandle()) : nullptr;
    BIO *in = m_ssl ? BIO_new(BIO_s_mem()) : nullptr;
    BIO *out = m_ssl ? BIO_new(BIO_s_mem()) : nullptr;
    if (!m_ssl || !in || !out) {
        BIO_free(in);
        BIO_free(out);
        const QString why = context.isValid() ? takeOpensslErrors() : context.errorString();
        QMetaObject::invokeMethod(
            this, [this, why] { fail(Error::Handshake, QStringLiteral("no TLS: ") + why); },
            Qt::QueuedConnection);
        return;
    }
    SSL_set_bio(m_ssl, in, out); // the SSL object owns both
    if (m_role == ControlLinkContext::Role::Server) {
        SSL_set_accept_state(m_ssl);
    } else {
        SSL_set_connect_state(m_ssl);
        // Not from the constructor: a failure must reach slots connected after it.
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (m_state == State::Handshaking)
                    driveHandshake();
            },
            Qt::QueuedConnection);
    }
}

qint64 ControlLink::bytesToWrite() const
{
    return m_socket ? m_socket->bytesToWrite() : m_out.size();
}

QHostAddress ControlLink::peerAddress() const
{
    if (m_socket)
        return m_socket->peerAddress();
    return m_fd >= 0 ? socketName(m_fd, true).first : QHostAddress();
}

quint16 ControlLink::peerPort() const
{
    if (m_socket)
        return m_socket->peerPort();
    return m_fd >= 0 ? socketName(m_fd, true).second : 0;
}

quint16 ControlLink::localPort() const
{
    if (m_socket)
        return m_socket->localPort();
    return m_fd >= 0 ? socketName(m_fd, false).second : 0;
}

void ControlLink::transmit(QByteArrayView bytes)
{
    if (m_socket) {
        m_socket->write(bytes.data(), bytes.size());
        return;
    }
    if (m_fd < 0 || bytes.isEmpty())
        return;
    qsizetype done = 0;
    while (m_out.isEmpty() && done < bytes.size()) {
        const qint64 n = nativeSend(m_fd, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += qsizetype(n);
        } else if (n < 0 && interrupted()) {
            continue;
        } else if (n < 0 && !wouldBlock()) {
            // Reported from the event loop: transmit() runs inside the owner's loops.
            const QString why = nativeError();
            QMetaObject::invokeMethod(
                this, [this, why] { fail(Error::Socket, why); }, Qt::QueuedConnection);
            return;
        } else {
            break;
        }
    }
    if (done == bytes.size())
        return;
    m_out.append(bytes.data() + done, bytes.size() - done);
    setWriteInterest(true);
}

void ControlLink::setReadInterest(bool on)
{
    if (m_poller && m_fd >= 0)
        m_poller->setReadInterest(m_fd, on);
}

void ControlLink::setWriteInterest(bool on)
{
    if (m_poller && m_fd >= 0)
        m_poller->setWriteInterest(m_fd, on);
}

void ControlLink::onWritable()
{
    qsizetype done = 0;
    QString error;
    while (m_fd >= 0 && done < m_out.size()) {
        const qint64 n = nativeSend(m_fd, m_out.constData() + done, m_out.size() - done);
        if (n > 0) {
            done += qsizetype(n);
        } else if (n < 0 && interrupted()) {
            continue;
        } else {
            if (n < 0 && !wouldBlock())
                error = nativeError();
            break;
        }
    }
    m_out.remove(0, done);
    if (error.isEmpty() && !m_out.isEmpty())
        return;
    m_out.clear();
    setWriteInterest(false);
    if (m_state == State::Closing) {
        closeDescriptor();
        finish(QStringLiteral("closed"));
    } else if (!error.isEmpty()) {
        fail(Error::Socket, error);
    }
}

void ControlLink::onReadable()
{
    if (m_state != State::Handshaking && m_state != State::Established) {
        setReadInterest(false); // closing: nothing more is read
        return;
    }
    QByteArray data;
    bool ended = false;
    QString error;
    char chunk[16384];
    // At most about one record per activation; the notifier fires again for the rest.
    while (m_fd >= 0 && data.size() < kMaxRecord) {
        const qint64 n = nativeReceive(m_fd, chunk, sizeof chunk);
        if (n > 0) {
            data.append(chunk, qsizetype(n));
            continue;
        }
        if (n == 0 || connectionReset())
            ended = true;
        else if (interrupted())
            continue;
        else if (!wouldBlock())
            error = nativeError();
        break;
    }
    QPointer<ControlLink> guard(this);
    received(data);
    if (!guard || (m_state != State::Handshaking && m_state != State::Established))
        return;
    if (m_state == State::Handshaking && (ended || !error.isEmpty()))
        fail(Error::Handshake,
            ended ? QStringLiteral("the peer closed the connection during the TLS handshake")
                  : QStringLiteral("TLS handshake: ") + error);
    else if (ended)
        fail(Error::RemoteClosed, QStringLiteral("the peer closed the connection"));
    else if (!error.isEmpty())
        fail(Error::Socket, error);
}

void ControlLink::closeDescriptor()
{
    if (m_fd < 0)
        return;
    // Out of the poller before the number can be reused (safe inside our own handler).
    if (m_poller)
        m_poller->unwatch(m_fd);
    ReusableSocket::closeNative(m_fd);
    m_fd = -1;
    m_out.clear();
}

void ControlLink::freeTls()
{
    if (m_ssl) {
        SSL_free(m_ssl); // with its two memory BIOs
        m_ssl = nullptr;
    }
}

void ControlLink::flushTls()
{
    const QByteArray out = TlsSupport::takeOutput(m_ssl);
    if (!out.isEmpty())
        transmit(out);
}

void ControlLink::onReadyRead()
{
    if (m_state != State::Handshaking && m_state != State::Established)
        return;
    received(m_socket->readAll());
}

void ControlLink::received(const QByteArray &data)
{
    if (data.isEmpty() || (m_state != State::Handshaking && m_state != State::Established))
        return;
    if (m_state == State::Established) {
        m_in += data;
        processRecords();
        return;
    }
    BIO *in = SSL_get_rbio(m_ssl);
    if (qsizetype(BIO_ctrl_pending(in)) + data.size() > kMaxHandshakeBuffer) {
        fail(Error::Handshake,
            QStringLiteral("more than %1 bytes of TLS handshake queued").arg(kMaxHandshakeBuffer));
        return;
    }
    BIO_write(in, data.constData(), int(data.size()));
    driveHandshake();
}

void ControlLink::onSocketError()
{
    if (m_state == State::Closed)
        return;
    if (m_state == State::Closing) {
        finish(QStringLiteral("closed"));
        return;
    }
    // What arrived before the end is still delivered (an `error` frame, a TLS alert).
    QPointer<ControlLink> guard(this);
    onReadyRead();
    if (!guard || m_state == State::Closed)
        return;
    const bool remoteClosed = m_socket->error() == QAbstractSocket::RemoteHostClosedError
        || m_socket->state() == QAbstractSocket::UnconnectedState;
    if (m_state == State::Handshaking)
        fail(Error::Handshake,
            remoteClosed ? QStringLiteral("the peer closed the connection during the TLS handshake")
                         : QStringLiteral("TLS handshake: ") + m_socket->errorString());
    else if (m_socket->error() == QAbstractSocket::RemoteHostClosedError
        || m_socket->error() == QAbstractSocket::UnknownSocketError)
        fail(Error::RemoteClosed, QStringLiteral("the peer closed the connection"));
    else
        fail(Error::Socket, m_socket->errorString());
}

void ControlLink::driveHandshake()
{
    ERR_clear_error();
    const int r = SSL_do_handshake(m_ssl);
    const int code = r == 1 ? SSL_ERROR_NONE : SSL_get_error(m_ssl, r);
    flushTls(); // our next flight, or the alert that explains a failure to the peer
    if (r == 1) {
        completeHandshake();
        return;
    }
    if (code == SSL_ERROR_WANT_READ)
        return;
    const QString message
        = TlsSupport::handshakeFailure(m_role == ControlLinkContext::Role::Server, m_alpn);
    fail(Error::Handshake, message);
}

void ControlLink::completeHandshake()
{
    if (TlsSupport::selectedAlpn(m_ssl) != m_alpn) {
        fail(Error::Handshake,
            QStringLiteral("the peer did not agree on ALPN \"%1\" (an older PunchDrop?)")
                .arg(QString::fromLatin1(m_alpn)));
        return;
    }
    m_peer = TlsSupport::peerIdOf(m_ssl);
    if (m_peer.isNull()) {
        fail(Error::Handshake, QStringLiteral("the peer's certificate carries no usable key"));
        return;
    }
    if (!m_expectedPeer.isNull() && m_peer != m_expectedPeer) {
        fail(Error::Handshake,
            QStringLiteral("reached device %1, expected %2")
                .arg(m_peer.shortString(), m_expectedPeer.shortString()));
        return;
    }
    const bool client = m_role == ControlLinkContext::Role::Client;
    RecordCipher::Key sendKey;
    RecordCipher::Key receiveKey;
    const bool exported
        = exportKey(m_ssl, client ? kClientToServer : kServerToClient, sendKey.data())
        && exportKey(m_ssl, client ? kServerToClient : kClientToServer, receiveKey.data());
    m_sender.reset(sendKey);
    m_receiver.reset(receiveKey);
    OPENSSL_cleanse(sendKey.data(), sendKey.size());
    OPENSSL_cleanse(receiveKey.data(), receiveKey.size());
    if (!exported) {
        fail(Error::Handshake, QStringLiteral("cannot export keys: ") + takeOpensslErrors());
        return;
    }
    // Read-ahead is off, so OpenSSL consumed whole handshake records only; whatever the peer
    // sent after them (its first frame may share a segment) is still in the read BIO.
    if (!TlsSupport::takeInputAfterHandshake(m_ssl, &m_in)) {
        fail(Error::Handshake, QStringLiteral("unprocessed TLS data after the handshake"));
        return;
    }
    // The server frees its TLS state now: that is the point of this class. The client keeps it
    // until the server's first record, because in TLS 1.3 the server judges the client's
    // certificate after the client considers the handshake done; a refusal arrives as a TLS
    // alert that only OpenSSL can decrypt.
    if (!client)
        freeTls();
    m_state = State::Established;
    QPointer<ControlLink> guard(this);
    Q_EMIT handshakeDone(m_peer);
    if (guard && !m_in.isEmpty())
        processRecords();
}

bool ControlLink::decodeLateTlsRecord()
{
    BIO *in = SSL_get_rbio(m_ssl);
    if (qsizetype(BIO_ctrl_pending(in)) + m_in.size() > kMaxHandshakeBuffer) {
        fail(Error::Handshake, QStringLiteral("too much TLS data after the handshake"));
        return false;
    }
    BIO_write(in, m_in.constData(), int(m_in.size()));
    m_in.clear();
    ERR_clear_error();
    char scratch[64];
    const int r = SSL_read(m_ssl, scratch, int(sizeof scratch));
    const int code = r > 0 ? SSL_ERROR_NONE : SSL_get_error(m_ssl, r);
    if (code == SSL_ERROR_WANT_READ)
        return true; // the rest of the record is still on its way
    if (code == SSL_ERROR_ZERO_RETURN)
        fail(Error::Handshake, QStringLiteral("the server closed the TLS session"));
    else if (code == SSL_ERROR_SSL)
        fail(Error::Handshake,
            QStringLiteral("the server refused the connection: ") + takeOpensslErrors());
    else
        fail(Error::Handshake, QStringLiteral("unexpected TLS data after the handshake"));
    return false;
}

void ControlLink::processRecords()
{
    QPointer<ControlLink> guard(this);
    // Records are consumed by moving an offset and the buffer is compacted once at the end: a
    // read full of tiny records must not cost one memmove of the rest per record.
    qsizetype offset = 0;
    while (m_state == State::Established && offset < m_in.size()) {
        if (m_ssl) {
            // Client, before the server's first record (so offset is 0): link records start with
            // 0x00 (the top byte of a length ≤ kMaxRecord); TLS records never do.
            if (m_lateTls || m_in.at(0) != 0) {
                m_lateTls = true;
                decodeLateTlsRecord();
                return;
            }
            freeTls();
        }
        RecordCipher::OpenResult r = m_receiver.open(QByteArrayView(m_in).sliced(offset));
        if (r.status == RecordCipher::Status::Incomplete)
            break;
        if (r.status == RecordCipher::Status::Malformed) {
            fail(linkError(r.error), r.errorString);
            return;
        }
        offset += r.consumed;
        Q_EMIT plaintextReady(r.plaintext);
        if (!guard)
            return;
    }
    if (offset >= m_in.size())
        m_in.clear(); // an idle link keeps no buffer capacity
    else if (offset > 0)
        m_in.remove(0, offset);
}

bool ControlLink::write(QByteArrayView plaintext)
{
    if (m_state != State::Established)
        return false;
    QByteArray out;
    const RecordCipher::SealResult sealed = m_sender.seal(plaintext, out);
    if (!sealed.ok()) {
        fail(linkError(sealed.error),
            sealed.error == RecordCipher::Error::Crypto
                ? sealed.errorString + QStringLiteral(": ") + takeOpensslErrors()
                : sealed.errorString);
        return false;
    }
    transmit(out);
    return true;
}

void ControlLink::close()
{
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    freeTls();
    m_state = State::Closing;
    if (m_socket) {
        m_socket->disconnectFromHost(); // sends what is queued first
        if (m_socket->state() == QAbstractSocket::UnconnectedState) {
            finish(QStringLiteral("closed"));
            return;
        }
    } else {
        setReadInterest(false);
        if (m_out.isEmpty()) { // else onWritable() closes once it is out
            closeDescriptor();
            finish(QStringLiteral("closed"));
            return;
        }
    }
    // A peer that does not read must not keep the connection open.
    QTimer::singleShot(kLingerMs, this, [this] {
        if (m_state != State::Closing)
            return;
        if (m_socket)
            m_socket->abort();
        closeDescriptor();
        finish(QStringLiteral("closed (the peer did not take the last bytes)"));
    });
}

void ControlLink::abort()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closing;
    if (m_socket)
        m_socket->abort();
    closeDescriptor();
    finish(QStringLiteral("closed"));
}

void ControlLink::fail(Error error, const QString &message)
{
    if (m_state == State::Closed || m_state == State::Closing)
        return;
    m_error = error;
    m_errorString = message;
    m_state = State::Closing;
    freeTls();
    // Send what is queued (a TLS alert), then close; nothing more is read.
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->flush();
        m_socket->disconnectFromHost();
    } else if (m_fd >= 0) {
        if (!m_out.isEmpty())
            (void)nativeSend(m_fd, m_out.constData(), m_out.size()); // best effort
        closeDescriptor();
    }
    QPointer<ControlLink> guard(this);
    Q_EMIT errorOccurred(error, message);
    if (guard)
        finish(message);
}

void ControlLink::finish(const QString &reason)
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    freeTls();
    m_in.clear();
    if (m_socket)
        m_socket->disconnect(this);
    closeDescriptor();
    Q_EMIT closed(reason);
}

} // namespace PunchDrop
