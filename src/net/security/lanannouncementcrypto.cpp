// SPDX-License-Identifier: GPL-3.0-or-later
// LanAnnouncement's cryptography: signing, decoding the embedded certificate, verifying. Kept out
// of lanannouncement.cpp so the pure codec builds with Qt Core alone (tests/fuzz).
#include "net/security/lanannouncementcrypto.h"

#include "net/security/deviceidentity.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace PunchDrop::LanAnnouncementCrypto {

QByteArray encode(const LanAnnouncement::Fields &fields, const DeviceIdentity &identity)
{
    const QByteArray body = LanAnnouncement::encodeUnsigned(fields);
    if (body.isEmpty())
        return {};
    return LanAnnouncement::assemble(body, identity.sign(body));
}

PublicKey decodeCertificate(QByteArrayView der)
{
    PublicKey out;
    const auto *p = reinterpret_cast<const unsigned char *>(der.data());
    std::unique_ptr<X509, decltype(&X509_free)> x509(
        d2i_X509(nullptr, &p, long(der.size())), X509_free);
    // The whole buffer must be the certificate.
    if (!x509 || p != reinterpret_cast<const unsigned char *>(der.data()) + der.size())
        return out;
    EVP_PKEY *key = X509_get0_pubkey(x509.get());
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
        return out;
    unsigned char *spki = nullptr;
    const int len = i2d_PUBKEY(key, &spki);
    if (len <= 0)
        return out;
    out.id = DeviceId::fromPublicKeyDer(QByteArray(reinterpret_cast<const char *>(spki), len));
    OPENSSL_free(spki);
    EVP_PKEY_up_ref(key);
    out.key = std::shared_ptr<evp_pkey_st>(key, EVP_PKEY_free);
    return out;
}

Verified verify(const LanAnnouncement::ParseResult &parsed)
{
    if (parsed.status != LanAnnouncement::Status::Ok) {
        Verified v;
        v.error = parsed.error;
        return v;
    }
    const PublicKey key = decodeCertificate(parsed.fields.certificateDer);
    if (key.isNull()) {
        Verified v;
        v.error = QStringLiteral("unreadable certificate");
        return v;
    }
    return verify(parsed, key);
}

Verified verify(const LanAnnouncement::ParseResult &parsed, const PublicKey &key)
{
    Verified v;
    if (parsed.status != LanAnnouncement::Status::Ok || key.isNull()) {
        v.error = parsed.status != LanAnnouncement::Status::Ok
            ? parsed.error
            : QStringLiteral("unreadable certificate");
        return v;
    }
    v.id = key.id;
    // Fetched once: an implicit fetch per EVP_sha256() call costs as much as the verification.
    static EVP_MD *const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    const bool ok = ctx && sha256
        && EVP_DigestVerifyInit(ctx.get(), nullptr, sha256, nullptr, key.key.get()) > 0
        && EVP_DigestVerify(ctx.get(),
               reinterpret_cast<const unsigned char *>(parsed.signature.constData()),
               size_t(parsed.signature.size()),
               reinterpret_cast<const unsigned char *>(parsed.signedBytes.constData()),
               size_t(parsed.signedBytes.size()))
            == 1;
    if (!ok) {
        v.verdict = LanAnnouncement::Verdict::BadSignature;
        v.error = QStringLiteral("signature does not verify with the embedded certificate");
        return v;
    }
    v.verdict = LanAnnouncement::Verdict::Ok;
    return v;
}

} // namespace PunchDrop::LanAnnouncementCrypto
