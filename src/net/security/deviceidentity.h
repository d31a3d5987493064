// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>

#include <optional>

namespace PunchDrop {

class ConfigDir;

/*!
 * This device's long-term key pair (ECDSA P-256) and a self-signed certificate for it, created on
 * first run in the config directory: `identity.key` (PEM, owner-only permissions) and
 * `identity.crt`. The DeviceId is derived from the public key, so it survives certificate
 * renewal. The certificate authenticates the device to the rendezvous server (TLS client
 * certificate) and to peers (mutual TLS, pinned by DeviceId); the key signs LAN announcements.
 */
class DeviceIdentity
{
public:
    //! Loads the identity from \a dir, creating it on first run. nullopt with \a error on failure.
    static std::optional<DeviceIdentity> loadOrCreate(const ConfigDir &dir, QString *error);
    //! A fresh identity that is not stored anywhere (tests, throw-away peers).
    static std::optional<DeviceIdentity> generateEphemeral(QString *error);

    DeviceId id() const { return m_id; }
    QSslCertificate certificate() const { return m_certificate; }
    QSslKey privateKey() const { return m_key; }

    /*!
     * TLS 1.3 with this certificate and key. The peer is asked for its certificate but not
     * verified against a CA: callers pin the peer's DeviceId after the handshake.
     */
    QSslConfiguration tlsConfiguration() const;
    //! The TLS 1.3 cipher suites of tlsConfiguration(), in order of preference, in OpenSSL's
    //! notation ("TLS_AES_128_GCM_SHA256:…"): AES-128-GCM first where the CPU has AES
    //! instructions, ChaCha20-Poly1305 first where it does not.
    static QString tls13Ciphersuites();

    //! ECDSA-SHA256 signature over \a data (DER encoded).
    QByteArray sign(const QByteArray &data) const;
    //! Verifies \a signature over \a data with the public key in \a certificate.
    static bool verify(
        const QSslCertificate &certificate, const QByteArray &data, const QByteArray &signature);

    //! Assembles an identity from already validated parts (used by the loaders).
    static DeviceIdentity fromParts(const DeviceId &id, const QSslCertificate &cert,
        const QSslKey &key, const QByteArray &keyPem);

private:
    DeviceId m_id;
    QSslCertificate m_certificate;
    QSslKey m_key;
    QByteArray m_keyPem;
};

//! The device ID of the key inside \a certificate (SHA-256 of its SubjectPublicKeyInfo); null on
//! failure.
DeviceId deviceIdOfCertificate(const QSslCertificate &certificate);

} // namespace PunchDrop
