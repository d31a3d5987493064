// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/securechannel.h"

#include "core/coro/wakeup.h"
#include "core/logging.h"
#include "net/security/deviceidentity.h"

#include <QDeadlineTimer>
#include <QPointer>
#include <QSslSocket>
#include <utility>

namespace PunchDrop::SecureChannel {

namespace {

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

//! Wakes \a waker on every socket event of the handshake and writes the first failure into
//! \a failure; the connections end with \a waker.
void watchHandshake(QSslSocket &socket, Wakeup &waker, QString &failure)
{
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
}

//! The device at the other end of the encrypted \a socket, checked against \a expectedPeer.
Result checkPeer(const QSslSocket &socket, const std::optional<DeviceId> &expectedPeer)
{
    const QSslCertificate peerCert = socket.peerCertificate();
    if (peerCert.isNull())
        return Result {{}, QStringLiteral("the peer presented no certificate")};
    const DeviceId peer = deviceIdOfCertificate(peerCert);
    if (peer.isNull())
        return Result {{}, QStringLiteral("the peer's certificate carries no usable public key")};
    if (expectedPeer && !expectedPeer->isNull() && *expectedPeer != peer) {
        qCWarning(lcNet) << "TLS peer mismatch: reached" << peer.toString() << "expected"
                         << expectedPeer->toString();
        return Result {peer,
            QStringLiteral("reached device %1, expected %2")
                .arg(peer.toString(), expectedPeer->toString()),
            true};
    }
    qCDebug(lcNet) << "TLS established with" << peer.shortString() << socket.sessionProtocol();
    return Result {peer, {}};
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

    // Every socket event wakes the handshake; it resumes once per turn (core/coro/wakeup.h).
    Wakeup waker;
    QString failure;
    watchHandshake(socket, waker, failure);
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
        co_await waker.wait(std::chrono::milliseconds(left));
    }
    if (!guard)
        co_return Result {{},
            failure.isEmpty() ? QStringLiteral("TLS handshake: the socket was closed") : failure};
    if (!failure.isEmpty() || !guard->isEncrypted())
        co_return fail(failure.isEmpty() ? QStringLiteral("TLS handshake failed") : failure);
    const Result checked = checkPeer(*guard, expectedPeer);
    if (!checked.ok())
        guard->abort();
    co_return checked;
}

} // namespace PunchDrop::SecureChannel
