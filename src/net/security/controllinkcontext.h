// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QByteArray>
#include <QString>

#include <memory>

struct ssl_ctx_st; // OpenSSL's SSL_CTX

namespace PunchDrop {

class DeviceIdentity;

/*!
 * The TLS side of a ControlLink (and, with its own ALPN, of a SecureStream) that every connection
 * of a process shares: one OpenSSL SSL_CTX,
 * built once from the device's identity (server: the server's identity, client: the device's).
 *
 * TLS 1.3 only; this device's certificate and key; the peer's certificate is required (both
 * ways) but not checked against a CA: the link derives the peer's DeviceId from its key
 * (CertificateVerify proves possession). ALPN "punchdrop-control/1" is required on both sides,
 * so a peer that speaks the older TLS-records control connection fails the handshake with
 * "no application protocol". No session tickets, no session cache: nothing is kept per peer.
 *
 * A cheap value type (shared, immutable). Copies refer to the same SSL_CTX.
 */
class ControlLinkContext
{
public:
    enum class Role { Client, Server };

    //! The ALPN protocol ID of the control link (RFC 7301).
    static constexpr char kAlpn[] = "punchdrop-control/1";

    //! Deviations for tests that play an old or broken peer; production uses the defaults.
    struct Options
    {
        QByteArray alpn = QByteArray(kAlpn); //!< offered (client) / required (server)
        bool presentCertificate = true; //!< false: a client without a certificate
        //! TLS 1.3 suites in OpenSSL's notation, preferred first; empty: OpenSSL's default.
        QByteArray ciphersuites;
    };

    ControlLinkContext() = default;
    ControlLinkContext(Role role, const DeviceIdentity &identity);
    ControlLinkContext(Role role, const DeviceIdentity &identity, const Options &options);

    bool isValid() const { return m_d != nullptr; }
    //! Why the context could not be built (isValid() false).
    QString errorString() const { return m_error; }
    Role role() const;
    QByteArray alpn() const;
    DeviceId localId() const;
    ssl_ctx_st *nativeHandle() const;

    struct Data; //!< opaque (the OpenSSL callbacks in the .cpp read it)

private:
    std::shared_ptr<const Data> m_d;
    QString m_error;
};

} // namespace PunchDrop
