// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/securestream.h"

#include "net/security/tlssupport.h"

#include <QAbstractSocket>
#include <QVariant>
#include <QtEndian>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace PunchDrop {

namespace {

#ifdef Q_OS_UNIX
#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL; // a peer that reset must not SIGPIPE us
#else
constexpr int kSendFlags = 0; // SO_NOSIGPIPE is set on the descriptor instead (macOS)
#endif
#endif

/*!
 * Reads straight from the kernel into \a data (Unix; Qt's buffer must be empty, so the order of
 * the bytes holds: Qt reads only from its notifiers, in this thread). 0 when nothing is there,
 * at the end of the stream and on errors: Qt's next notification sees those and reports them.
 */
qint64 receiveDirect(const QAbstractSocket &socket, char *data, qint64 max)
{
#ifdef Q_OS_UNIX
    const qintptr fd = socket.socketDescriptor();
    if (fd < 0)
        return 0;
    for (;;) {
        const ssize_t n = ::recv(int(fd), data, size_t(max), 0);
        if (n < 0 && errno == EINTR)
            continue;
        return n > 0 ? qint64(n) : 0;
    }
#else
    // Windows (and Wine) tie their readiness notifications to reads through Qt.
    Q_UNUSED(socket);
    Q_UNUSED(data);
    Q_UNUSED(max);
    return 0;
#endif
}

/*!
 * Asks the kernel to report \a socket readable only once \a bytes are there (SO_RCVLOWAT), so
 * a record arriving at link speed wakes Qt once, not once per few segments. Linux only: its
 * TCP honours the mark in poll() and recv(), still wakes on the end of the stream and on
 * errors, clamps it to half the largest receive buffer and grows the buffer to hold it. (macOS
 * has the option too, unmeasured there; Windows cannot set it.) False where it was not set.
 */
bool setReadableAt(const QAbstractSocket &socket, qsizetype bytes)
{
#ifdef Q_OS_LINUX
    const qintptr fd = socket.socketDescriptor();
    const int value = int(std::clamp<qsizetype>(bytes, 1, std::numeric_limits<int>::max()));
    return fd >= 0 && ::setsockopt(int(fd), SOL_SOCKET, SO_RCVLOWAT, &value, sizeof value) == 0;
#else
    Q_UNUSED(socket);
    Q_UNUSED(bytes);
    return false;
#endif
}

/*!
 * Writes as much of \a data as the kernel takes now (Unix; Qt's write buffer must be empty).
 * The rest, and everything after an error, goes through Qt, which reports the error.
 */
qint64 sendDirect(const QAbstractSocket &socket, const char *data, qint64 size)
{
#ifdef Q_OS_UNIX
    const qintptr fd = socket.socketDescriptor();
    qint64 done = 0;
    while (fd >= 0 && done < size) {
        const ssize_t n = ::send(int(fd), data + done, size_t(size - done), kSendFlags);
        if (n > 0)
            done += qint64(n);
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break;
    }
    return done;
#else
    Q_UNUSED(socket);
    Q_UNUSED(data);
    Q_UNUSED(size);
    return 0;
#endif
}

constexpr char kClientToServer[] = "client to server";
constexpr char kServerToClient[] = "server to client";

RecordCipher::Aead aeadOf(const QString &suite)
{
    if (suite == QLatin1String("TLS_AES_128_GCM_SHA256"))
        return RecordCipher::Aead::Aes128Gcm;
    if (suite == QLatin1String("TLS_CHACHA20_POLY1305_SHA256"))
        return RecordCipher::Aead::ChaCha20Poly1305;
    return RecordCipher::Aead::Aes256Gcm;
}

} // namespace

SecureStream::SecureStream(QAbstractSocket *socket, const ControlLinkContext &context)
    : QObject(socket)
    , m_socket(socket)
    , m_role(context.role())
    , m_local(context.localId())
{
    m_sender.setMaxPlaintext(kMaxPlaintext);
    m_receiver.setMaxPlaintext(kMaxPlaintext);
    ERR_clear_error();
    m_ssl = context.isValid() ? SSL_new(context.nativeHandle()) : nullptr;
    BIO *in = m_ssl ? BIO_new(BIO_s_mem()) : nullptr;
    BIO *out = m_ssl ? BIO_new(BIO_s_mem()) : nullptr;
    if (!m_ssl || !in || !out) {
        BIO_free(in);
        BIO_free(out);
        freeTls();
        m_error = QStringLiteral("no TLS: ")
            + (context.isValid() ? TlsSupport::takeOpensslErrors() : context.errorString());
        m_state = State::Failed;
        return;
    }
    SSL_set_bio(m_ssl, in, out); // the SSL object owns both
    // Every write is a whole record (a DATA record is 256 KiB): Nagle's algorithm would only
    // hold back the small ones behind a delayed ACK — ~40 ms at the handshake's end, and again
    // for each exchange of small frames (HELLO, OFFER, REVEAL, the last VERDICTs, SESSIONEND).
    socket->setSocketOption(QAbstractSocket::LowDelayOption, QVariant(1));
    if (m_role == ControlLinkContext::Role::Server)
        SSL_set_accept_state(m_ssl);
    else
        SSL_set_connect_state(m_ssl);
    connect(socket, &QIODevice::readyRead, this, &SecureStream::onReadyRead);
    connect(socket, &QIODevice::bytesWritten, this, [this](qint64 bytes) {
        if (m_state == State::Established)
            Q_EMIT bytesSent(bytes);
    });
#if defined(Q_OS_UNIX) && defined(SO_NOSIGPIPE)
    const int one = 1;
    if (socket->socketDescriptor() >= 0)
        ::setsockopt(int(socket->socketDescriptor()), SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

SecureStream::~SecureStream()
{
    freeTls();
}

SecureStream *SecureStream::of(const QObject *socket)
{
    return socket ? socket->findChild<SecureStream *>(QString(), Qt::FindDirectChildrenOnly)
                  : nullptr;
}

bool SecureStream::isOpen() const
{
    return m_state == State::Established && m_socket
        && m_socket->state() == QAbstractSocket::ConnectedState;
}

void SecureStream::start()
{
    if (m_state != State::Handshaking)
        return;
    if (m_role == ControlLinkContext::Role::Client)
        driveHandshake();
    // A ClientHello that arrived with the relay's "paired" byte is already buffered.
    if (m_state == State::Handshaking && m_socket && m_socket->bytesAvailable() > 0)
        onReadyRead();
}

void SecureStream::onReadyRead()
{
    if (m_state != State::Handshaking || !m_socket)
        return; // established: reads are pulled by the owner
    BIO *in = SSL_get_rbio(m_ssl);
    const qint64 room = kMaxHandshakeBuffer - qint64(BIO_ctrl_pending(in));
    if (room <= 0) {
        fail(QStringLiteral("more than %1 bytes of TLS handshake queued").arg(kMaxHandshakeBuffer));
        return;
    }
    const QByteArray data = m_socket->read(room);
    if (data.isEmpty())
        return;
    BIO_write(in, data.constData(), int(data.size()));
    driveHandshake();
}

void SecureStream::flushTls()
{
    const QByteArray out = TlsSupport::takeOutput(m_ssl);
    if (!out.isEmpty() && m_socket)
        m_socket->write(out);
}

void SecureStream::freeTls()
{
    if (m_ssl) {
        SSL_free(m_ssl); // with its two memory BIOs
        m_ssl = nullptr;
    }
}

void SecureStream::driveHandshake()
{
    ERR_clear_error();
    const int r = SSL_do_handshake(m_ssl);
    const int code = r == 1 ? SSL_ERROR_NONE : SSL_get_error(m_ssl, r);
    flushTls(); // our next flight, or the alert that explains a failure to the peer
    if (r == 1) {
        completeHandshake();
        return;
    }
    if (code == SSL_ERROR_WANT_READ) {
        // More input than fits the handshake budget is waiting: read it now, not on a signal
        // that already came.
        if (m_socket && m_socket->bytesAvailable() > 0)
            QMetaObject::invokeMethod(this, &SecureStream::onReadyRead, Qt::QueuedConnection);
        return;
    }
    fail(TlsSupport::handshakeFailure(m_role == ControlLinkContext::Role::Server, kAlpn));
}

void SecureStream::completeHandshake()
{
    if (TlsSupport::selectedAlpn(m_ssl) != QByteArrayView(kAlpn)) {
        fail(QStringLiteral("the peer does not speak \"%1\": it runs an older PunchDrop, update it")
                 .arg(QLatin1String(kAlpn)));
        return;
    }
    m_peer = TlsSupport::peerIdOf(m_ssl);
    if (m_peer.isNull()) {
        fail(QStringLiteral("the peer's certificate carries no usable key"));
        return;
    }
    m_cipher = QString::fromLatin1(SSL_CIPHER_get_name(SSL_get_current_cipher(m_ssl)));
    const RecordCipher::Aead aead = aeadOf(m_cipher);
    const int size = RecordCipher::keySize(aead);
    const bool client = m_role == ControlLinkContext::Role::Client;
    RecordCipher::Key sendKey {};
    RecordCipher::Key receiveKey {};
    const bool exported = TlsSupport::exportKey(m_ssl, kExporterLabel,
                              client ? kClientToServer : kServerToClient, sendKey.data(), size)
        && TlsSupport::exportKey(m_ssl, kExporterLabel, client ? kServerToClient : kClientToServer,
            receiveKey.data(), size);
    m_sender.reset(sendKey, 0, aead);
    m_receiver.reset(receiveKey, 0, aead);
    OPENSSL_cleanse(sendKey.data(), sendKey.size());
    OPENSSL_cleanse(receiveKey.data(), receiveKey.size());
    if (!exported) {
        fail(QStringLiteral("cannot export keys: ") + TlsSupport::takeOpensslErrors());
        return;
    }
    // Read-ahead is off, so OpenSSL consumed whole handshake records only; what the peer sent
    // after them (its first record may share a segment) is still in the read BIO.
    if (!TlsSupport::takeInputAfterHandshake(m_ssl, &m_leftover)) {
        fail(QStringLiteral("unprocessed TLS data after the handshake"));
        return;
    }
    // In TLS 1.3 the server judges the client's certificate after the client considers the
    // handshake done: the client keeps its TLS state to read a refusal until the first record.
    if (!client)
        freeTls();
    m_state = State::Established;
    Q_EMIT handshakeDone();
}

qint64 SecureStream::take(char *data, qint64 max)
{
    if (m_leftoverAt < m_leftover.size()) {
        const qint64 n = qMin(max, qint64(m_leftover.size() - m_leftoverAt));
        std::memcpy(data, m_leftover.constData() + m_leftoverAt, size_t(n));
        m_leftoverAt += qsizetype(n);
        if (m_leftoverAt == m_leftover.size()) {
            m_leftover = QByteArray();
            m_leftoverAt = 0;
        }
        return n;
    }
    if (!m_socket)
        return 0;
    // What Qt already read comes first; then the kernel's bytes go straight into the record,
    // without a stop in Qt's buffer.
    if (m_socket->bytesAvailable() > 0)
        return qMax<qint64>(0, m_socket->read(data, max));
    return receiveDirect(*m_socket, data, max);
}

void SecureStream::setBodyBuffers(qsizetype headBytes, std::function<QByteArray(qsizetype)> take,
    std::function<void(QByteArray &&)> give)
{
    m_headBytes = headBytes;
    m_takeBody = std::move(take);
    m_giveBody = std::move(give);
}

void SecureStream::releaseBody()
{
    if (!m_body.isNull() && m_giveBody)
        m_giveBody(std::move(m_body));
    m_body = QByteArray();
    m_bodyAt = 0;
}

QByteArray SecureStream::takeBody(qsizetype size)
{
    if (m_plainAt != m_plainEnd || m_bodyAt != 0 || m_body.isNull() || m_body.size() != size)
        return {};
    m_bodyAt = 0;
    return std::exchange(m_body, QByteArray());
}

void SecureStream::openNext()
{
    while (m_state == State::Established && unread() == 0) {
        if (m_lateTls) {
            readableAt(1); // a TLS alert's length is its own
            decodeLateTls();
            return;
        }
        if (m_filled < RecordCipher::kLengthSize && m_record.size() < RecordCipher::kLengthSize)
            m_record.resize(RecordCipher::kLengthSize);
        const qsizetype target = m_length == 0 ? RecordCipher::kLengthSize
                                               : RecordCipher::kLengthSize + qsizetype(m_length);
        const qint64 n = take(m_record.data() + m_filled, target - m_filled);
        if (n <= 0) {
            // All that came is consumed: the next wakeup is worth having when the rest of the
            // record (or the next length field) is in.
            readableAt(target - m_filled);
            return;
        }
        m_filled += qsizetype(n);
        if (m_filled < target)
            continue;
        if (m_length == 0) {
            // Our records start with 0x00 (the top byte of a length ≤ 512 KiB + 16); TLS records
            // never do. A client reads one only before the server's first record: an alert.
            if (m_ssl && m_record.at(0) != 0) {
                m_lateTls = true;
                continue;
            }
            const quint32 length = qFromBigEndian<quint32>(m_record.constData());
            if (const RecordCipher::SealResult checked = m_receiver.checkLength(length);
                !checked.ok()) {
                fail(checked.errorString);
                return;
            }
            m_length = length;
            m_record.resize(RecordCipher::kLengthSize + qsizetype(length));
            continue;
        }
        freeTls(); // the client's late-alert watch ends with the server's first record
        releaseBody();
        const qsizetype plain = qsizetype(m_length) - RecordCipher::kTagSize;
        const bool split = m_headBytes >= 0 && plain > m_headBytes && m_takeBody;
        if (split)
            m_body = m_takeBody(plain - m_headBytes);
        const RecordCipher::SealResult opened = split
            ? m_receiver.openSplit(m_record.data(), m_headBytes, m_body.data())
            : m_receiver.openInPlace(m_record.data());
        if (!opened.ok()) {
            fail(opened.errorString);
            return;
        }
        m_plainAt = RecordCipher::kLengthSize;
        m_plainEnd = RecordCipher::kLengthSize + (split ? m_headBytes : plain);
        m_filled = 0;
        m_length = 0;
        // What the stream needs next is the next length field, whoever waits for it.
        if (m_readableAt > RecordCipher::kLengthSize)
            readableAt(RecordCipher::kLengthSize);
    }
}

void SecureStream::readableAt(qsizetype bytes)
{
    if (bytes == m_readableAt || !m_socket)
        return;
    // Never above what the stream misses for its next step: a mark the peer's next bytes
    // cannot reach would leave whoever waits for them waiting forever.
    if (setReadableAt(*m_socket, bytes))
        m_readableAt = bytes;
}

void SecureStream::decodeLateTls()
{
    BIO *in = SSL_get_rbio(m_ssl);
    if (m_filled > 0) {
        BIO_write(in, m_record.constData(), int(m_filled));
        m_filled = 0;
    }
    char buffer[4096];
    for (qint64 n = 0; (n = take(buffer, sizeof buffer)) > 0;) {
        if (qint64(BIO_ctrl_pending(in)) + n > kMaxHandshakeBuffer) {
            fail(QStringLiteral("too much TLS data after the handshake"));
            return;
        }
        BIO_write(in, buffer, int(n));
    }
    ERR_clear_error();
    const int r = SSL_read(m_ssl, buffer, int(sizeof buffer));
    const int code = r > 0 ? SSL_ERROR_NONE : SSL_get_error(m_ssl, r);
    if (code == SSL_ERROR_WANT_READ)
        return; // the rest of the record is still on its way
    if (code == SSL_ERROR_ZERO_RETURN)
        fail(QStringLiteral("the peer closed the TLS session"));
    else if (code == SSL_ERROR_SSL)
        fail(QStringLiteral("the peer refused the connection: ") + TlsSupport::takeOpensslErrors());
    else
        fail(QStringLiteral("unexpected TLS data after the handshake"));
}

qint64 SecureStream::bytesAvailable()
{
    if (unread() == 0)
        openNext();
    return unread();
}

qint64 SecureStream::read(char *data, qint64 max)
{
    qint64 n = qMin(max, bytesAvailable());
    if (n <= 0)
        return 0;
    const qint64 head = qMin<qint64>(n, m_plainEnd - m_plainAt);
    std::memcpy(data, m_record.constData() + m_plainAt, size_t(head));
    m_plainAt += qsizetype(head);
    if (n > head) {
        std::memcpy(data + head, m_body.constData() + m_bodyAt, size_t(n - head));
        m_bodyAt += qsizetype(n - head);
        if (m_bodyAt == m_body.size())
            releaseBody();
    }
    return n;
}

bool SecureStream::write(QByteArrayView head, QByteArrayView body)
{
    const QByteArrayView pieces[] {head, body};
    return write(pieces);
}

bool SecureStream::write(std::span<const QByteArrayView> pieces)
{
    if (m_state != State::Established || !m_socket)
        return false;
    qsizetype total = 0;
    for (const QByteArrayView piece : pieces)
        total += piece.size();
    if (total == 0)
        return true;
    m_sealed.resize(0); // keeps its capacity: one buffer for every DATA record
    RecordCipher::SealResult sealed;
    if (total <= kMaxPlaintext) {
        sealed = m_sender.sealRecord(pieces, m_sealed);
    } else {
        QByteArray joined;
        joined.reserve(total);
        for (const QByteArrayView piece : pieces)
            joined.append(piece);
        sealed = m_sender.seal(joined, m_sealed);
    }
    if (!sealed.ok()) {
        fail(sealed.errorString);
        return false;
    }
    // Straight to the kernel while Qt holds nothing older; what it does not take now is queued
    // in Qt (which sends it when the socket is writable and reports bytesWritten()).
    const qint64 direct = m_socket->bytesToWrite() == 0
        ? sendDirect(*m_socket, m_sealed.constData(), m_sealed.size())
        : 0;
    if (direct < m_sealed.size())
        m_socket->write(m_sealed.constData() + direct, m_sealed.size() - direct);
    if (direct > 0)
        Q_EMIT bytesSent(direct); // last: a slot may close the connection
    return true;
}

void SecureStream::fail(const QString &error)
{
    if (m_state == State::Failed)
        return;
    const bool handshaking = m_state == State::Handshaking;
    m_state = State::Failed;
    m_error = error;
    freeTls();
    m_record = QByteArray();
    m_leftover = QByteArray();
    m_plainAt = m_plainEnd = 0;
    m_body = QByteArray();
    m_bodyAt = 0;
    if (m_socket) {
        // A handshake failure leaves its alert queued for the peer (the owner closes); a broken
        // record resets the connection, so the peer learns at once too.
        if (handshaking)
            m_socket->flush();
        else
            m_socket->abort();
    }
    Q_EMIT failed(error);
}

} // namespace PunchDrop
