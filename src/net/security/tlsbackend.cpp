// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/tlsbackend.h"

#include <QCoreApplication>
#include <QSslSocket>
#include <QStringList>

namespace PunchDrop::TlsBackend {

bool ensureTls13(QString *error)
{
    const QString openssl = QStringLiteral("openssl");
    const QStringList available = QSslSocket::availableBackends();
    if (available.contains(openssl) && QSslSocket::activeBackend() != openssl)
        QSslSocket::setActiveBackend(openssl);
    const QString active = QSslSocket::activeBackend();
    if (!active.isEmpty() && QSslSocket::isProtocolSupported(QSsl::TlsV1_3OrLater, active))
        return true;
    *error = QCoreApplication::translate("PunchDrop::TlsBackend",
        "TLS 1.3 is not available (Qt's TLS backend: %1; installed: %2). PunchDrop needs Qt's "
        "OpenSSL backend and the OpenSSL 3 libraries; reinstall PunchDrop.")
                 .arg(active.isEmpty() ? QStringLiteral("none") : active,
                     available.isEmpty() ? QStringLiteral("none")
                                         : available.join(QStringLiteral(", ")));
    return false;
}

} // namespace PunchDrop::TlsBackend
