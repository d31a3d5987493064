// SPDX-License-Identifier: GPL-3.0-or-later
// transfer_bench: one side of a PunchDrop transfer over loopback TLS, for
// bench/transfer_throughput.sh.
//   transfer_bench receive PORT DIR    listen on 127.0.0.1:PORT, accept one offer into DIR
//   transfer_bench send PORT FILE...   connect, send, print "bytes ms" on success
// Ephemeral identities (no pinning): this measures the data path, encryption and hashing on.

#include "net/security/deviceidentity.h"
#include "net/security/securechannel.h"
#include "transfer/incomingtransfer.h"
#include "transfer/offerdecider.h"
#include "transfer/outgoingtransfer.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSslSocket>
#include <QTcpServer>

#include <qcorotask.h>

#include <cstdio>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

class AcceptAll : public OfferDecider
{
public:
    QCoro::Task<OfferDecision> decide(IncomingOffer) override { co_return OfferDecision::Accept; }
};

class SslServer : public QTcpServer
{
protected:
    void incomingConnection(qintptr fd) override
    {
        auto *s = new QSslSocket(this);
        s->setSocketDescriptor(fd);
        addPendingConnection(s);
    }
};

QCoro::Task<int> receive(quint16 port, QString dir)
{
    QString error;
    const auto me = DeviceIdentity::generateEphemeral(&error);
    SslServer server;
    if (!me || !server.listen(QHostAddress::LocalHost, port)) {
        std::fprintf(stderr, "cannot listen: %s\n", qPrintable(server.errorString()));
        co_return 2;
    }
    // Bounded: a sender that gave up must not leave this process waiting forever.
    for (int i = 0; i < 600 && !server.hasPendingConnections(); ++i)
        server.waitForNewConnection(100);
    if (!server.hasPendingConnections()) {
        std::fprintf(stderr, "no sender connected within 60 s\n");
        co_return 2;
    }
    auto *socket = qobject_cast<QSslSocket *>(server.nextPendingConnection());
    const SecureChannel::Result tls = co_await SecureChannel::handshake(
        *socket, *me, SecureChannel::Role::Server, std::nullopt, 10s);
    if (!tls.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(tls.error));
        co_return 2;
    }
    AcceptAll decider;
    ReceiveOptions options;
    options.downloadDir = dir;
    options.decider = &decider;
    IncomingTransfer job(socket, *me, tls.peer, QStringLiteral("bench"), options);
    const TransferResult r = co_await job.run();
    if (!r.allVerified())
        std::fprintf(stderr, "receive failed: %s\n", qPrintable(r.message));
    co_return r.allVerified() ? 0 : 1;
}

QCoro::Task<int> send(quint16 port, QStringList files)
{
    QString error;
    const auto me = DeviceIdentity::generateEphemeral(&error);
    QSslSocket socket;
    // The receiver may still be starting on a loaded machine: retry for up to 30 s.
    for (int i = 0; i < 300 && socket.state() != QAbstractSocket::ConnectedState; ++i) {
        socket.abort();
        socket.connectToHost(QHostAddress::LocalHost, port);
        socket.waitForConnected(100);
    }
    if (!me || socket.state() != QAbstractSocket::ConnectedState) {
        std::fprintf(stderr, "cannot connect\n");
        co_return 2;
    }
    const SecureChannel::Result tls = co_await SecureChannel::handshake(
        socket, *me, SecureChannel::Role::Client, std::nullopt, 10s);
    if (!tls.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(tls.error));
        co_return 2;
    }
    QElapsedTimer timer;
    timer.start();
    OutgoingTransfer job(&socket, *me, files);
    const TransferResult r = co_await job.run();
    if (!r.allVerified()) {
        std::fprintf(stderr, "send failed: %s\n", qPrintable(r.message));
        co_return 1;
    }
    std::printf("%lld %lld\n", r.bytesTransferred, timer.elapsed());
    co_return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        std::fprintf(stderr, "usage: transfer_bench receive PORT DIR | send PORT FILE...\n");
        return 2;
    }
    const quint16 port = quint16(args.at(2).toUInt());
    auto task
        = args.at(1) == QLatin1String("send") ? send(port, args.mid(3)) : receive(port, args.at(3));
    return QCoro::waitFor(task);
}
