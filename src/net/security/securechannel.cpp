// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/securechannel.h"

#include "core/coro/wakeup.h"
#include "core/logging.h"
#include "net/security/controllinkcontext.h"
#include "net/security/deviceidentity.h"
#include "net/security/securestream.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QMutex>
#include <QPointer>
#include <QSslSocket>
#include <utility>

namespace PunchDrop::SecureChannel {

namespace {

//! The data link's TLS context for \a self in \a role: built once per identity and role (an
//! OpenSSL 3 SSL_CTX costs milliseconds) and shared by every connection after that.
ControlLinkContext contextFor(const DeviceIdentity &self, Role role)
{
    static QMutex mutex;
    static QHash<QString, ControlLinkContext> contexts;
    const bool server = role == Role::Server;
    // The certificate is part of the key: a renewed certificate keeps the DeviceId.
    const QString key = self.id().toString()
        + QString::fromLatin1(self.certificate().digest().toHex())
        + (server ? QLatin1Char('s') : QLatin1Char('c'));
    const QMutexLocker lock(&mutex);
    if (const auto it = contexts.constFind(key); it != contexts.constEnd())
        return *it;
    ControlLinkContext::Options options;
    options.alpn = QByteArray(SecureStream::kAlpn);
    options.ciphersuites = DeviceIdentity::tls13Ciphersuites().toLatin1();
    ControlLinkContext context(
        server ? ControlLinkContext::Role::Server : ControlLinkContext::Role::Client, self,
        options);
    if (context.isValid()) {
        if (contexts.size() >= 16) // tests make many identities; a device has one
            contexts.clear();
        contexts.insert(key, context);
    }
    return context;
}

//! Wakes \a waker on every event of the handshake and writes the first failure into
//! \a failure; the connections end with \a waker.
void watchHandshake(QAbstractSocket &socket, SecureStream &stream, Wakeup &waker, QString &failure)
{
    QObject::connect(&stream, &SecureStream::handshakeDone, &waker, [&waker] { waker.wake(); });
    QObject::connect(&stream, &SecureStream::failed, &waker, [&failure, &waker](const QString &e) {
        if (failure.isEmpty())
            failure = e;
        waker.wake();
    });
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
}

//! The device at the other end of \a stream, checked against \a expectedPeer.
Result checkPeer(const SecureStream &stream, const std::optional<DeviceId> &expectedPeer)
{
    const DeviceId peer = stream.peerId();
    if (expectedPeer && !expectedPeer->isNull() && *expectedPeer != peer) {
        qCWarning(lcNet) << "TLS peer mismatch: reached" << peer.toString() << "expected"
                         << expectedPeer->toString();
        return Result {peer,
            QStringLiteral("reached device %1, expected %2")
                .arg(peer.toString(), expectedPeer->toString()),
            true};
    }
    qCDebug(lcNet) << "TLS established with" << peer.shortString() << stream.cipherName();
    return Result {peer, {}};
}

} // namespace

QCoro::Task<Result> handshake(QSslSocket &socket, const DeviceIdentity &self, Role role,
    std::optional<DeviceId> expectedPeer, std::chrono::milliseconds timeout)
{
    QPointer<QSslSocket> guard(&socket);
    QPointer<SecureStream> stream;
    const auto fail = [&guard, &stream](QString error) {
        delete stream.data(); // a socket without a stream is not secured
        if (guard)
            guard->abort();
        return Result {{}, std::move(error)};
    };
    if (socket.state() != QAbstractSocket::ConnectedState)
        co_return fail(QStringLiteral("TLS handshake: the socket is not connected"));
    if (SecureStream::of(&socket) || socket.isEncrypted()
        || socket.mode() != QSslSocket::UnencryptedMode)
        co_return fail(QStringLiteral("TLS handshake: the socket is already encrypted"));

    const ControlLinkContext context = contextFor(self, role);
    if (!context.isValid())
        co_return fail(QStringLiteral("TLS: ") + context.errorString());
    stream = new SecureStream(&socket, context);
    // Every event wakes the handshake; it resumes once per turn (core/coro/wakeup.h).
    Wakeup waker;
    QString failure;
    watchHandshake(socket, *stream, waker, failure);
    stream->start();

    const QDeadlineTimer deadline(timeout);
    while (guard && stream && !stream->isEstablished() && failure.isEmpty()) {
        if (stream->hasFailed()) {
            failure = stream->errorString();
            break;
        }
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
    if (!failure.isEmpty() || !stream || !stream->isEstablished())
        co_return fail(failure.isEmpty() ? QStringLiteral("TLS handshake failed") : failure);
    const Result checked = checkPeer(*stream, expectedPeer);
    if (!checked.ok()) {
        stream->deleteLater();
        guard->abort();
    }
    co_return checked;
}

} // namespace PunchDrop::SecureChannel
