// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/deviceidentity.h"

#include "core/configdir.h"
#include "core/logging.h"

#include <QFile>
#include <QSaveFile>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <memory>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <intrin.h>
#elif defined(__linux__) && defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace PunchDrop {

namespace {
using PKeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

constexpr auto kKeyFile = "identity.key";
constexpr auto kCertFile = "identity.crt";
constexpr long kCertValiditySeconds = 20L * 365 * 24 * 3600;

//! Whether this CPU has AES instructions (AES-NI, ARMv8 crypto extensions): AES-GCM then runs at
//! several GB/s, ChaCha20-Poly1305 faster without them.
bool cpuHasAes()
{
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    return __builtin_cpu_supports("aes");
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
    int info[4] = {};
    __cpuid(info, 1);
    return (info[2] & (1 << 25)) != 0;
#elif defined(__APPLE__) && defined(__aarch64__)
    return true; // every Apple Silicon CPU
#elif defined(__linux__) && defined(__aarch64__)
    return (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#else
    return false;
#endif
}

/*!
 * TLS 1.3 cipher suites in order of preference (the initiator's order decides: OpenSSL's server
 * follows the client's). AES-128-GCM where the CPU has AES instructions: about a quarter cheaper
 * than OpenSSL's default AES-256-GCM (10 rounds instead of 14), at the 128-bit security level
 * TLS 1.3 mandates for every implementation; ChaCha20-Poly1305 first where it does not. The
 * stronger suites stay allowed, so any TLS 1.3 peer still connects. docs/security.md, "Cipher
 * suites".
 */
QString tls13CipherPreference()
{
    return cpuHasAes()
        ? QStringLiteral(
            "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384")
        : QStringLiteral(
            "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384");
}

QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return QByteArray(data, int(len));
}

PKeyPtr generateKey()
{
    PKeyPtr key(nullptr, EVP_PKEY_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr), EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0
        || EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx.get(), NID_X9_62_prime256v1) <= 0)
        return key;
    EVP_PKEY *raw = nullptr;
    if (EVP_PKEY_keygen(ctx.get(), &raw) > 0)
        key.reset(raw);
    return key;
}

PKeyPtr keyFromPem(const QByteArray &pem)
{
    BioPtr bio(BIO_new_mem_buf(pem.constData(), int(pem.size())), BIO_free);
    return PKeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
}

QByteArray keyToPem(EVP_PKEY *key)
{
    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
        return {};
    return bioContents(bio.get());
}

QByteArray selfSignedCertificatePem(EVP_PKEY *key)
{
    X509Ptr cert(X509_new(), X509_free);
    if (!cert)
        return {};
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f; // positive
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
        BN_bin2bn(serial, sizeof serial, nullptr), BN_free);
    BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24L * 3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), kCertValiditySeconds);
    X509_set_pubkey(cert.get(), key);
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char *>("punchdrop"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (X509_sign(cert.get(), key, EVP_sha256()) <= 0)
        return {};
    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), cert.get());
    return bioContents(bio.get());
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

bool writePrivateFile(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    // QSaveFile writes a temporary file first: restrict it before the secret goes in.
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(data);
    if (!f.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

std::optional<DeviceIdentity> fromPem(
    const QByteArray &keyPem, const QByteArray &certPem, QString *error);
} // namespace

std::optional<DeviceIdentity> DeviceIdentity::generateEphemeral(QString *error)
{
    PKeyPtr key = generateKey();
    if (!key) {
        *error = QStringLiteral("cannot generate a key pair");
        return std::nullopt;
    }
    return fromPem(keyToPem(key.get()), selfSignedCertificatePem(key.get()), error);
}

std::optional<DeviceIdentity> DeviceIdentity::loadOrCreate(const ConfigDir &dir, QString *error)
{
    if (!dir.ensureExists(error))
        return std::nullopt;
    const QString keyPath = dir.filePath(QString::fromLatin1(kKeyFile));
    const QString certPath = dir.filePath(QString::fromLatin1(kCertFile));

    QByteArray keyPem = readFile(keyPath);
    PKeyPtr key = keyPem.isEmpty() ? PKeyPtr(nullptr, EVP_PKEY_free) : keyFromPem(keyPem);
    if (!keyPem.isEmpty() && !key) {
        *error = QStringLiteral("the identity key %1 is unreadable or corrupt; move it away to "
                                "create a new identity (contacts will see a new device)")
                     .arg(keyPath);
        return std::nullopt;
    }
    if (!key) {
        key = generateKey();
        keyPem = key ? keyToPem(key.get()) : QByteArray();
        if (keyPem.isEmpty()) {
            *error = QStringLiteral("cannot generate a key pair");
            return std::nullopt;
        }
        if (!writePrivateFile(keyPath, keyPem, error))
            return std::nullopt;
        qCInfo(lcNet) << "created a new device key in" << keyPath;
    }

    QByteArray certPem = readFile(certPath);
    std::optional<DeviceIdentity> identity = fromPem(keyPem, certPem, error);
    if (!identity) {
        // Missing, expired or not matching the key: issue a new certificate for the same key.
        certPem = selfSignedCertificatePem(key.get());
        if (!writePrivateFile(certPath, certPem, error))
            return std::nullopt;
        identity = fromPem(keyPem, certPem, error);
    }
    return identity;
}

namespace {
std::optional<DeviceIdentity> fromPem(
    const QByteArray &keyPem, const QByteArray &certPem, QString *error)
{
    const QSslKey key(keyPem, QSsl::Ec, QSsl::Pem, QSsl::PrivateKey);
    const QSslCertificate cert(certPem, QSsl::Pem);
    if (key.isNull() || cert.isNull()) {
        *error = QStringLiteral("invalid identity key or certificate");
        return std::nullopt;
    }
    if (cert.expiryDate() < QDateTime::currentDateTimeUtc()) {
        *error = QStringLiteral("the identity certificate has expired");
        return std::nullopt;
    }
    // The certificate must carry this key's public half.
    PKeyPtr pkey = keyFromPem(keyPem);
    unsigned char *spki = nullptr;
    const int len = pkey ? i2d_PUBKEY(pkey.get(), &spki) : 0;
    if (len <= 0) {
        *error = QStringLiteral("cannot encode the public key");
        return std::nullopt;
    }
    const DeviceId fromKey
        = DeviceId::fromPublicKeyDer(QByteArray(reinterpret_cast<const char *>(spki), len));
    OPENSSL_free(spki);
    if (deviceIdOfCertificate(cert) != fromKey) {
        *error = QStringLiteral("the identity certificate does not match the key");
        return std::nullopt;
    }
    return DeviceIdentity::fromParts(fromKey, cert, key, keyPem);
}
} // namespace

QString DeviceIdentity::tls13Ciphersuites()
{
    return tls13CipherPreference();
}

QSslConfiguration DeviceIdentity::tlsConfiguration() const
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(QSsl::TlsV1_3OrLater);
    config.setLocalCertificate(m_certificate);
    config.setPrivateKey(m_key);
    config.setPeerVerifyMode(QSslSocket::QueryPeer);
    config.setCaCertificates({});
    config.setCiphers(tls13Ciphersuites());
    return config;
}

QByteArray DeviceIdentity::sign(const QByteArray &data) const
{
    PKeyPtr key = keyFromPem(m_keyPem);
    if (!key)
        return {};
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t len = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) <= 0
        || EVP_DigestSign(ctx.get(), nullptr, &len,
               reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size()))
            <= 0)
        return {};
    QByteArray sig(qsizetype(len), Qt::Uninitialized);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char *>(sig.data()), &len,
            reinterpret_cast<const unsigned char *>(data.constData()), size_t(data.size()))
        <= 0)
        return {};
    sig.resize(qsizetype(len));
    return sig;
}

bool DeviceIdentity::verify(
    const QSslCertificate &certificate, const QByteArray &data, const QByteArray &signature)
{
    const QByteArray der = certificate.toDer();
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    X509Ptr x509(d2i_X509(nullptr, &p, der.size()), X509_free);
    if (!x509 || signature.isEmpty())
        return false;
    EVP_PKEY *key = X509_get0_pubkey(x509.get());
    if (!key)
        return false;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) > 0
        && EVP_DigestVerify(ctx.get(),
               reinterpret_cast<const unsigned char *>(signature.constData()),
               size_t(signature.size()), reinterpret_cast<const unsigned char *>(data.constData()),
               size_t(data.size()))
        == 1;
}

DeviceIdentity DeviceIdentity::fromParts(
    const DeviceId &id, const QSslCertificate &cert, const QSslKey &key, const QByteArray &keyPem)
{
    DeviceIdentity identity;
    identity.m_id = id;
    identity.m_certificate = cert;
    identity.m_key = key;
    identity.m_keyPem = keyPem;
    return identity;
}

DeviceId deviceIdOfCertificate(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return {};
    const QByteArray der = certificate.toDer();
    const auto *p = reinterpret_cast<const unsigned char *>(der.constData());
    std::unique_ptr<X509, decltype(&X509_free)> x509(d2i_X509(nullptr, &p, der.size()), X509_free);
    if (!x509)
        return {};
    const EVP_PKEY *key = X509_get0_pubkey(x509.get());
    if (!key)
        return {};
    unsigned char *spki = nullptr;
    const int len = i2d_PUBKEY(const_cast<EVP_PKEY *>(key), &spki);
    if (len <= 0)
        return {};
    const QByteArray spkiDer(reinterpret_cast<const char *>(spki), len);
    OPENSSL_free(spki);
    return DeviceId::fromPublicKeyDer(spkiDer);
}

} // namespace PunchDrop
