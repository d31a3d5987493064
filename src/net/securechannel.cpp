// SPDX-License-Identifier: GPL-3.0-or-later
#include "securechannel.h"

#include "core/logging.h"
#include "deviceidentity.h"

#include <QDeadlineTimer>
#include <QPointer>
#include <QSslSocket>
#include <QTimer>

#include <coroutine>
#include <utility>

namespace PunchDrop::SecureChannel {

namespace {

/*!
 * Every interesting socket event calls wake(); the waiting handshake coroutine resumes once, from
 * the event loop. (QCoro 0.8's qCoro(signal) queues one resume per emission, and a second
 * emission would resume a coroutine that has moved on.) Same idea as transfer/wakeup.h, which
 * this layer cannot use.
 */
class HandshakeWaker : public QObject
{
    Q_OBJECT
public:
    HandshakeWaker()
    {
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, [this] { resume(); });
    }
    struct Awaiter
    {
        HandshakeWaker *waker;
        qint64 timeoutMs;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> handle)
        {
            waker->m_handle = handle;
            waker->m_timer.start(int(qBound(qint64(0), timeoutMs, qint64(24 * 3600 * 1000))));
        }
        void await_resume() const noexcept { }
    };
    Awaiter wait(qint64 timeoutMs) { return Awaiter {this, timeoutMs}; }
    void wake()
    {
        if (!m_handle || m_scheduled)
            return;
        m_scheduled = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_scheduled = false;
                resume();
            },
            Qt::QueuedConnection);
    }

private:
    void resume()
    {
        if (!m_handle)
            return;
        m_timer.stop();
        std::exchange(m_handle, {}).resume();
    }
    std::coroutine_handle<> m_handle;
    QTimer m_timer;
    bool m_scheduled = false;
};

bool ignorableVerificationError(const QSslError &error)
{
    // Certificates are self-signed and pinned by key: chain/name/date checks do not apply.
    switch (error.error()) {
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain:
    case QSslError::CertificateUntrusted:
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::HostNameMismatch:
    case QSslError::CertificateNotYetValid:
    case QSslError::CertificateExpired:
    case QSslError::InvalidPurpose:
        return true;
    default:
        return false;
    }
}

} // namespace

QCoro::Task<Result> handshake(QSslSocket &socket, const DeviceIdentity &self, Role role,
    std::optional<DeviceId> expectedPeer, std::chrono::milliseconds timeout)
{
    QPointer<QSslSocket> guard(&socket);
    const auto fail = [&guard](QString error) {
        if (guard)
            guard->abort();
        return Result {{}, std::move(error)};
    };
    if (socket.state() != QAbstractSocket::ConnectedState)
        co_return fail(QStringLiteral("TLS handshake: the socket is not connected"));
    if (socket.isEncrypted() || socket.mode() != QSslSocket::UnencryptedMode)
        co_return fail(QStringLiteral("TLS handshake: the socket is already encrypted"));

    HandshakeWaker waker;
    QString failure;
    QObject::connect(&socket, &QSslSocket::encrypted, &waker, [&waker] { waker.wake(); });
    QObject::connect(&socket, &QObject::destroyed, &waker, [&failure, &waker] {
        failure = QStringLiteral("TLS handshake: the socket was closed");
        waker.wake();
    });
    QObject::connect(&socket, &QAbstractSocket::disconnected, &waker, [&failure, &waker] {
        if (failure.isEmpty())
            failure = QStringLiteral("TLS handshake: the peer closed the connection");
        waker.wake();
    });
    QObject::connect(&socket, &QAbstractSocket::errorOccurred, &waker,
        [&failure, &waker, &socket](QAbstractSocket::SocketError) {
            if (failure.isEmpty())
                failure = QStringLiteral("TLS handshake failed: %1").arg(socket.errorString());
            waker.wake();
        });
    QObject::connect(&socket, &QSslSocket::sslErrors, &waker,
        [&failure, &waker, &socket](const QList<QSslError> &errors) {
            QList<QSslError> ignorable;
            for (const QSslError &e : errors) {
                if (!ignorableVerificationError(e)) {
                    failure = QStringLiteral("TLS handshake failed: %1").arg(e.errorString());
                    waker.wake();
                    return;
                }
                ignorable.append(e);
            }
            socket.ignoreSslErrors(ignorable);
        });

    socket.setSslConfiguration(self.tlsConfiguration());
    if (role == Role::Client)
        socket.startClientEncryption();
    else
        socket.startServerEncryption();

    const QDeadlineTimer deadline(timeout);
    while (guard && !guard->isEncrypted() && failure.isEmpty()) {
        const qint64 left = deadline.remainingTime();
        if (left <= 0) {
            failure = QStringLiteral("TLS handshake timed out after %1 ms").arg(timeout.count());
            break;
        }
        co_await waker.wait(left);
    }
    if (!guard)
        co_return Result {{},
            failure.isEmpty() ? QStringLiteral("TLS handshake: the socket was closed") : failure};
    if (!failure.isEmpty() || !guard->isEncrypted())
        co_return fail(failure.isEmpty() ? QStringLiteral("TLS handshake failed") : failure);

    const QSslCertificate peerCert = guard->peerCertificate();
    if (peerCert.isNull())
        co_return fail(QStringLiteral("the peer presented no certificate"));
    const DeviceId peer = DeviceId::fromCertificate(peerCert);
    if (peer.isNull())
        co_return fail(QStringLiteral("the peer's certificate carries no usable public key"));
    if (expectedPeer && !expectedPeer->isNull() && *expectedPeer != peer) {
        qCWarning(lcNet) << "TLS peer mismatch: reached" << peer.toString() << "expected"
                         << expectedPeer->toString();
        co_return fail(QStringLiteral("reached device %1, expected %2")
                           .arg(peer.toString(), expectedPeer->toString()));
    }
    qCDebug(lcNet) << "TLS established with" << peer.shortString() << guard->sessionProtocol();
    co_return Result {peer, {}};
}

} // namespace PunchDrop::SecureChannel

#include "securechannel.moc"
