// SPDX-License-Identifier: GPL-3.0-or-later
// TlsBackend::ensureTls13 at start-up: every PunchDrop connection is TLS 1.3 only, and Qt's native
// backends on Windows 10 (Schannel) and macOS (Secure Transport) lack it. Here Qt's "cert-only"
// backend, which has no TLS at all, stands in for such a native backend: it is made the active one
// first, as Qt would on those systems, and ensureTls13 must switch to OpenSSL.

#include "net/security/tlsbackend.h"

#include <QSslSocket>
#include <QTest>

using namespace PunchDrop;

class TestTlsBackend : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void replacesABackendWithoutTls13();
};

void TestTlsBackend::replacesABackendWithoutTls13()
{
    const QString certOnly = QStringLiteral("cert-only");
    const QString openssl = QStringLiteral("openssl");
    QVERIFY2(QSslSocket::availableBackends().contains(certOnly),
        qPrintable(QSslSocket::availableBackends().join(QLatin1Char(' '))));
    QVERIFY(QSslSocket::setActiveBackend(certOnly));
    QCOMPARE(QSslSocket::activeBackend(), certOnly);
    QVERIFY(!QSslSocket::isProtocolSupported(QSsl::TlsV1_3OrLater, certOnly));

    QString error;
    QVERIFY2(TlsBackend::ensureTls13(&error), qPrintable(error));
    QCOMPARE(QSslSocket::activeBackend(), openssl);
    QVERIFY(QSslSocket::isProtocolSupported(QSsl::TlsV1_3OrLater));
    QVERIFY(error.isEmpty());
}

QTEST_GUILESS_MAIN(TestTlsBackend)
#include "tst_tlsbackend.moc"
