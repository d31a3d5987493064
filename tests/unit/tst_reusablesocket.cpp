// SPDX-License-Identifier: GPL-3.0-or-later
// One local port shared by an outgoing connection, a listener and further outgoing sockets:
// the property the hole punch depends on (Qt alone fails the third step with EADDRINUSE).

#include "core/socket/reusablesocket.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace PunchDrop;

class TestReusableSocket : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sharePortWithListener();
};

void TestReusableSocket::sharePortWithListener()
{
    QTcpServer rendezvous;
    QVERIFY(rendezvous.listen(QHostAddress::LocalHost, 0));

    QString error;
    QTcpSocket control;
    const qintptr fd = ReusableSocket::createBound(QHostAddress::AnyIPv4, 0, &error);
    QVERIFY2(fd >= 0, qPrintable(error));
    QVERIFY2(ReusableSocket::adoptBound(control, fd, &error), qPrintable(error));
    const quint16 port = control.localPort();
    QVERIFY(port != 0);
    control.connectToHost(QHostAddress::LocalHost, rendezvous.serverPort());
    QVERIFY(control.waitForConnected(5000));
    QCOMPARE(control.localPort(), port);
    QVERIFY(rendezvous.waitForNewConnection(5000));

    // A listener on the same port ...
    QTcpServer listener;
    QVERIFY2(
        ReusableSocket::listen(listener, QHostAddress::AnyIPv4, port, &error), qPrintable(error));
    QCOMPARE(listener.serverPort(), port);

    // ... and afterwards yet another outgoing socket from it (a punch attempt to another host;
    // the same destination would repeat the control connection's 4-tuple).
    QTcpServer peer;
    QVERIFY(peer.listen(QHostAddress::LocalHost, 0));
    QTcpSocket retry;
    const qintptr fd2 = ReusableSocket::createBound(QHostAddress::AnyIPv4, port, &error);
    QVERIFY2(fd2 >= 0, qPrintable(error));
    QVERIFY(ReusableSocket::adoptBound(retry, fd2, &error));
    retry.connectToHost(QHostAddress::LocalHost, peer.serverPort());
    QVERIFY(retry.waitForConnected(5000));
    QCOMPARE(retry.localPort(), port);

    // The listener accepts connections on P while the others are open.
    QTcpSocket incoming;
    incoming.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(incoming.waitForConnected(5000));
    QVERIFY(listener.waitForNewConnection(5000));

    // Plain Qt: on Linux and macOS it cannot do the last bind (SO_REUSEADDR alone gives way to
    // no listener; SO_REUSEPORT is what the native path adds), which proves the native path is
    // what makes it work there. On Windows ReuseAddressHint is SO_REUSEADDR, the very option the
    // native path sets, and a SO_REUSEADDR bind beside SO_REUSEADDR sockets succeeds (Microsoft's
    // transport-address sharing table; docs/install.md), so Qt alone shares the port too.
    QTcpSocket qtOnly;
    const bool qtShares = qtOnly.bind(QHostAddress::AnyIPv4, port,
        QAbstractSocket::ShareAddress | QAbstractSocket::ReuseAddressHint);
#ifdef Q_OS_WIN
    QVERIFY2(qtShares, qPrintable(qtOnly.errorString()));
#else
    QVERIFY(!qtShares);
#endif
}

QTEST_GUILESS_MAIN(TestReusableSocket)
#include "tst_reusablesocket.moc"
