// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/tlssupport.h"

#include <QStringList>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#define SSL_get1_peer_certificate SSL_get_peer_certificate // renamed in 3.0, same semantics
#endif

namespace PunchDrop::TlsSupport {

QString takeOpensslErrors(unsigned long *firstReason)
{
    QStringList reasons;
    while (const unsigned long e = ERR_get_error()) {
        if (firstReason && reasons.isEmpty())
            *firstReason = ERR_GET_REASON(e);
        const char *reason = ERR_reason_error_string(e);
        reasons.append(QString::fromLatin1(reason ? reason : "unknown error"));
    }
    return reasons.isEmpty() ? QStringLiteral("unknown error") : reasons.join(QStringLiteral("; "));
}

DeviceId deviceIdOf(X509 *certificate)
{
    const EVP_PKEY *key = certificate ? X509_get0_pubkey(certificate) : nullptr;
    if (!key)
        return {};
    unsigned char *spki = nullptr;
    const int length = i2d_PUBKEY(const_cast<EVP_PKEY *>(key), &spki);
    if (length <= 0)
        return {};
    const DeviceId id
        = DeviceId::fromPublicKeyDer(QByteArray(reinterpret_cast<const char *>(spki), length));
    OPENSSL_free(spki);
    return id;
}

DeviceId peerIdOf(SSL *ssl)
{
    X509 *certificate = SSL_get1_peer_certificate(ssl);
    const DeviceId id = deviceIdOf(certificate);
    X509_free(certificate);
    return id;
}

bool exportKey(SSL *ssl, QByteArrayView label, QByteArrayView context, unsigned char *key, int size)
{
    return SSL_export_keying_material(ssl, key, size_t(size), label.data(), size_t(label.size()),
               reinterpret_cast<const unsigned char *>(context.data()), size_t(context.size()), 1)
        == 1;
}

QString handshakeFailure(bool server, QByteArrayView alpn)
{
    unsigned long reason = 0;
    const QString details = takeOpensslErrors(&reason);
    const QString protocol = QString::fromLatin1(alpn);
    if (server) {
        if (reason == SSL_R_CALLBACK_FAILED || reason == SSL_R_NO_APPLICATION_PROTOCOL)
            return QStringLiteral("the client does not offer ALPN \"%1\" (an older PunchDrop?)")
                .arg(protocol);
        if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
            return QStringLiteral("the client presented no certificate");
    } else if (reason == SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL) {
        return QStringLiteral("the server does not speak \"%1\" (%2)").arg(protocol, details);
    }
    return QStringLiteral("TLS handshake failed: ") + details;
}

QByteArray takeOutput(SSL *ssl)
{
    BIO *out = SSL_get_wbio(ssl);
    char *data = nullptr;
    const long n = BIO_get_mem_data(out, &data);
    QByteArray bytes = n > 0 ? QByteArray(data, qsizetype(n)) : QByteArray();
    (void)BIO_reset(out);
    return bytes;
}

bool takeInputAfterHandshake(SSL *ssl, QByteArray *out)
{
    if (SSL_has_pending(ssl))
        return false;
    BIO *in = SSL_get_rbio(ssl);
    const auto pending = qsizetype(BIO_ctrl_pending(in));
    if (pending > 0) {
        out->resize(pending);
        out->resize(qMax(0, BIO_read(in, out->data(), int(pending))));
    }
    return true;
}

QByteArrayView selectedAlpn(SSL *ssl)
{
    const unsigned char *protocol = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl, &protocol, &length);
    return QByteArrayView(protocol, qsizetype(length));
}

} // namespace PunchDrop::TlsSupport
