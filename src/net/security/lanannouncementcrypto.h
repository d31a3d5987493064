// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/lanannouncement.h"

#include <memory>

struct evp_pkey_st; // OpenSSL's EVP_PKEY

namespace PunchDrop {

class DeviceIdentity;

//! The cryptography of a LanAnnouncement (signing, the embedded certificate, verifying); the pure
//! codec is net/wire/lanannouncement.h.
namespace LanAnnouncementCrypto {

//! A complete signed datagram for \a fields, signed by \a identity. Empty on failure.
QByteArray encode(const LanAnnouncement::Fields &fields, const DeviceIdentity &identity);

/*!
 * The public key and device ID of an announcement's certificate, decoded once. Decoding costs
 * more than checking a signature, so receivers keep these by certificate bytes.
 */
struct PublicKey
{
    std::shared_ptr<evp_pkey_st> key;
    DeviceId id;
    bool isNull() const { return !key || id.isNull(); }
};
//! Decodes a DER certificate; null when it is not one or carries no usable key.
PublicKey decodeCertificate(QByteArrayView der);

struct Verified
{
    LanAnnouncement::Verdict verdict = LanAnnouncement::Verdict::Malformed;
    DeviceId id;
    QString error;
};

/*!
 * Checks a parsed datagram: the certificate must be readable and name a device, and the
 * signature must verify with its key. Because the device ID is the hash of that key, an
 * announcement for a given ID can only come from the holder of the private key.
 */
Verified verify(const LanAnnouncement::ParseResult &parsed);
//! The same with the certificate already decoded (decodeCertificate() of its bytes).
Verified verify(const LanAnnouncement::ParseResult &parsed, const PublicKey &key);

} // namespace LanAnnouncementCrypto
} // namespace PunchDrop
