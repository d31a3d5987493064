// SPDX-License-Identifier: GPL-3.0-or-later
// Stopping port mapping must not wait for a gateway that never answers (most home routers ignore
// NAT-PMP, PCP and UPnP). A PortMapper asks a PCP "gateway" on loopback that reads every request
// and never replies, and is stopped while its request is in flight: neither stop(), nor mapping
// a new port right after, nor the process exit may wait for the request's timeout. The exit is
// measured on a child process (this executable again) that ends the way `punchdrop send` does:
// the engine stops, main() returns. Before the fix the exit waited for the whole timeout (the
// worker pool was a static that joins its thread at exit).

#include "net/client/pcpgateway.h"
#include "net/client/portmapper.h"
#include "net/wire/pcpmessage.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QNetworkDatagram>
#include <QProcess>
#include <QTest>
#include <QUdpSocket>
#include <QtEndian>

#include <cstdio>
#include <memory>

using namespace PunchDrop;
using namespace std::chrono_literals;

namespace {

constexpr char kChildVariable[] = "PUNCHDROP_TST_PORTMAPPEREXIT_CHILD";
//! Long on purpose: without the fix, stopping (or exiting) waits this long.
constexpr auto kRequestTimeout = 6000ms;

//! A PCP gateway on loopback that reads every request and never answers.
class SilentGateway : public QObject
{
public:
    SilentGateway()
    {
        m_socket.bind(QHostAddress::LocalHost, 0);
        connect(&m_socket, &QUdpSocket::readyRead, this, [this] {
            while (m_socket.hasPendingDatagrams()) {
                const QByteArray q = m_socket.receiveDatagram().data();
                if (q.size() == PcpMapRequest::kSize) // the internal port of a MAP request
                    m_ports.append(qFromBigEndian<quint16>(q.constData() + 40));
            }
        });
    }
    Endpoint endpoint() const { return {QHostAddress::LocalHost, m_socket.localPort()}; }
    //! The internal port of every request read so far (retransmissions included).
    const QList<quint16> &requests() const { return m_ports; }

private:
    QUdpSocket m_socket;
    QList<quint16> m_ports;
};

PortMapperConfig config()
{
    PortMapperConfig c;
    c.natPmpTimeout = kRequestTimeout;
    c.retryInterval = 10min;
    c.exitBudget = 2s;
    return c;
}

std::unique_ptr<PortMapper> silentMapper(const SilentGateway &gateway)
{
    return std::make_unique<PortMapper>(config(),
        std::vector<std::shared_ptr<PortMapGateway>> {
            std::make_shared<PcpGateway>(kRequestTimeout, gateway.endpoint())});
}

/*!
 * The child: maps through the parent's silent gateway (its port in the environment), stops and
 * deletes the mapper when the parent saw the request arrive (a line on stdin), says "stopped"
 * and returns from main() (statics are destroyed after that). The gateway lives in the parent
 * so that it stays silent until the child is gone: a closed port would refuse the request.
 */
int childMain(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const auto port = quint16(qEnvironmentVariableIntValue(kChildVariable));
    auto mapper = std::make_unique<PortMapper>(config(),
        std::vector<std::shared_ptr<PortMapGateway>> {std::make_shared<PcpGateway>(
            kRequestTimeout, Endpoint {QHostAddress::LocalHost, port})});
    mapper->start(40201); // the request is sent from the worker thread
    char line[16];
    if (!std::fgets(line, sizeof line, stdin))
        return 2;
    mapper->stop();
    mapper.reset();
    std::fputs("stopped\n", stdout);
    std::fflush(stdout);
    return 0;
}

} // namespace

class TestPortMapperExit : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void stopAbandonsARequestToASilentGateway();
    void exitDoesNotWaitForASilentGateway();
};

void TestPortMapperExit::stopAbandonsARequestToASilentGateway()
{
    SilentGateway silent;
    auto mapper = silentMapper(silent);
    mapper->start(40202);
    QTRY_VERIFY_WITH_TIMEOUT(!silent.requests().isEmpty(), 10000);

    QElapsedTimer clock;
    clock.start();
    mapper->stop();
    const qint64 stopMs = clock.elapsed();
    qInfo("stop() took %lld ms", stopMs);
    QCOMPARE(mapper->state(), PortMapper::State::Off);
    QVERIFY2(stopMs < 1000, qPrintable(QStringLiteral("%1 ms").arg(stopMs)));

    // Mapping again at once (a new port): the new request does not queue behind the one that
    // was abandoned (its timeout is 6 s).
    clock.restart();
    mapper->start(40203);
    QTRY_VERIFY_WITH_TIMEOUT(silent.requests().contains(40203), 10000);
    const qint64 nextMs = clock.elapsed();
    qInfo("the next request reached the gateway after %lld ms", nextMs);
    QVERIFY2(nextMs < 1500, qPrintable(QStringLiteral("%1 ms").arg(nextMs)));

    clock.restart();
    mapper.reset();
    QVERIFY2(clock.elapsed() < 1000, qPrintable(QStringLiteral("%1 ms").arg(clock.elapsed())));
}

void TestPortMapperExit::exitDoesNotWaitForASilentGateway()
{
    SilentGateway silent;
    QProcess child;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(
        QString::fromLatin1(kChildVariable), QString::number(silent.endpoint().port));
    child.setProcessEnvironment(environment);
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(), {});
    QVERIFY(child.waitForStarted(10000));
    QTRY_VERIFY_WITH_TIMEOUT(silent.requests().contains(40201), 10000);
    child.write("stop\n");
    QByteArray out;
    QDeadlineTimer deadline(30s);
    while (!out.contains("stopped\n") && !deadline.hasExpired()
        && child.state() == QProcess::Running) {
        child.waitForReadyRead(100);
        out += child.readAllStandardOutput();
    }
    QVERIFY2(out.contains("stopped\n"), out.constData());
    QElapsedTimer clock;
    clock.start();
    QVERIFY(child.waitForFinished(30000));
    const qint64 exitMs = clock.elapsed();
    qInfo("the child exited %lld ms after stopping", exitMs);
    QCOMPARE(child.exitStatus(), QProcess::NormalExit);
    QCOMPARE(child.exitCode(), 0);
    // Before the fix: ~6 s (the request's timeout). A process exit is a few ms; the bound is
    // generous for a loaded machine.
    QVERIFY2(exitMs < 2000, qPrintable(QStringLiteral("%1 ms").arg(exitMs)));
}

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsSet(kChildVariable))
        return childMain(argc, argv);
    QCoreApplication app(argc, argv);
    TestPortMapperExit test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_portmapperexit.moc"
