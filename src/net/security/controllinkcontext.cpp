// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/controllinkcontext.h"

#include "net/security/deviceidentity.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace PunchDrop {

struct ControlLinkContext::Data
{
    ~Data() { SSL_CTX_free(ctx); }
    SSL_CTX *ctx = nullptr;
    Role role = Role::Client;
    QByteArray alpn; //!< the bare protocol ID
    QByteArray alpnWire; //!< length-prefixed (RFC 7301 ProtocolNameList)
    DeviceId localId;
};

namespace {

QString opensslError(const char *what)
{
    QString text = QString::fromLatin1(what);
    while (const unsigned long e = ERR_get_error()) {
        const char *reason = ERR_reason_error_string(e);
        text += QStringLiteral(": ") + QString::fromLatin1(reason ? reason : "unknown error");
    }
    return text;
}

//! Certificates are pinned by DeviceId after the handshake, not checked against a CA.
int acceptAnyCertificate(int, X509_STORE_CTX *)
{
    return 1;
}

//! A ClientHello without ALPN is an old (or foreign) client: refuse it in the handshake.
int requireAlpnExtension(SSL *ssl, int *alert, void *)
{
    const unsigned char *ext = nullptr;
    size_t length = 0;
    if (SSL_client_hello_get0_ext(
            ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext, &length)
        != 1) {
        *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

int selectAlpn(SSL *, const unsigned char **out, unsigned char *outLength, const unsigned char *in,
    unsigned int inLength, void *arg)
{
    const auto *d = static_cast<const ControlLinkContext::Data *>(arg);
    unsigned int i = 0;
    while (i < inLength) {
        const unsigned int n = in[i];
        if (i + 1 + n > inLength)
            break;
        if (QByteArrayView(in + i + 1, qsizetype(n)) == d->alpn) {
            *out = in + i + 1;
            *outLength = static_cast<unsigned char>(n);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + n;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL; // no_application_protocol
}

} // namespace

ControlLinkContext::ControlLinkContext(Role role, const DeviceIdentity &identity)
    : ControlLinkContext(role, identity, Options {})
{ }

ControlLinkContext::ControlLinkContext(
    Role role, const DeviceIdentity &identity, const Options &options)
{
    ERR_clear_error();
    auto d = std::make_shared<Data>();
    d->role = role;
    d->alpn = options.alpn;
    d->localId = identity.id();
    if (d->alpn.isEmpty() || d->alpn.size() > 255) {
        m_error = QStringLiteral("invalid ALPN protocol ID");
        return;
    }
    d->alpnWire = char(d->alpn.size()) + d->alpn;

    d->ctx = SSL_CTX_new(role == Role::Server ? TLS_server_method() : TLS_client_method());
    if (!d->ctx) {
        m_error = opensslError("cannot create the TLS context");
        return;
    }
    SSL_CTX *ctx = d->ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    // Nothing outlives a handshake: no tickets, no cache, and only whole records are read, so
    // the bytes after the handshake stay in the read BIO for the link's own record layer.
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_read_ahead(ctx, 0);
    if (!options.ciphersuites.isEmpty()
        && SSL_CTX_set_ciphersuites(ctx, options.ciphersuites.constData()) != 1) {
        m_error = opensslError("cannot set the TLS 1.3 cipher suites");
        return;
    }

    if (role == Role::Server || options.presentCertificate) {
        const QByteArray der = identity.certificate().toDer();
        const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
        X509 *cert = d2i_X509(nullptr, &p, long(der.size()));
        const QByteArray keyPem = identity.privateKey().toPem();
        BIO *bio = BIO_new_mem_buf(keyPem.constData(), int(keyPem.size()));
        EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
        BIO_free(bio);
        const bool ok = cert && key && SSL_CTX_use_certificate(ctx, cert) == 1
            && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
        X509_free(cert);
        EVP_PKEY_free(key);
        if (!ok) {
            m_error = opensslError("cannot use the device certificate and key");
            return;
        }
    }

    if (role == Role::Server) {
        SSL_CTX_set_verify(
            ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptAnyCertificate);
        SSL_CTX_set_client_hello_cb(ctx, requireAlpnExtension, nullptr);
        SSL_CTX_set_alpn_select_cb(ctx, selectAlpn, d.get());
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, acceptAnyCertificate);
        // Note the inverted convention: 0 is success here.
        if (SSL_CTX_set_alpn_protos(ctx,
                reinterpret_cast<const unsigned char *>(d->alpnWire.constData()),
                unsigned(d->alpnWire.size()))
            != 0) {
            m_error = opensslError("cannot set ALPN");
            return;
        }
    }
    m_d = std::move(d);
}

ControlLinkContext::Role ControlLinkContext::role() const
{
    return m_d ? m_d->role : Role::Client;
}

QByteArray ControlLinkContext::alpn() const
{
    return m_d ? m_d->alpn : QByteArray();
}

DeviceId ControlLinkContext::localId() const
{
    return m_d ? m_d->localId : DeviceId();
}

ssl_ctx_st *ControlLinkContext::nativeHandle() const
{
    return m_d ? m_d->ctx : nullptr;
}

} // namespace PunchDrop
