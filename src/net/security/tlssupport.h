// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

struct ssl_st; // OpenSSL's SSL
struct x509_st; // OpenSSL's X509

/*!
 * What ControlLink and SecureStream share of running TLS 1.3 themselves (OpenSSL over memory
 * BIOs, then their own record layer): OpenSSL's error queue as text, the DeviceId of a
 * certificate, and key export.
 */
namespace PunchDrop::TlsSupport {

//! OpenSSL's queued reasons, "; "-joined ("tlsv13 alert certificate required"), and the first
//! reason code in \a firstReason.
QString takeOpensslErrors(unsigned long *firstReason = nullptr);

//! The DeviceId of the key in \a certificate; null without a usable key.
DeviceId deviceIdOf(x509_st *certificate);

//! The DeviceId of the peer's certificate after a handshake; null without one.
DeviceId peerIdOf(ssl_st *ssl);

//! RFC 8446 §7.5: \a size bytes of keying material for \a label and \a context into \a key.
bool exportKey(
    ssl_st *ssl, QByteArrayView label, QByteArrayView context, unsigned char *key, int size);

/*!
 * Why SSL_do_handshake() failed, for people, from OpenSSL's error queue (which it empties):
 * an old client without ALPN \a alpn (server side), a client without a certificate, a server
 * that does not speak \a alpn (client side), else OpenSSL's own reasons.
 */
QString handshakeFailure(bool server, QByteArrayView alpn);

//! What OpenSSL wrote to \a ssl's memory write BIO (a handshake flight, an alert); the BIO is
//! emptied.
QByteArray takeOutput(ssl_st *ssl);

/*!
 * After a handshake with read-ahead off: the bytes the peer sent after it (its first records may
 * share a segment with its Finished), still in \a ssl's memory read BIO, moved to \a out. False
 * if OpenSSL itself holds unprocessed TLS data (a protocol error for a link that sends no TLS
 * record after the handshake).
 */
bool takeInputAfterHandshake(ssl_st *ssl, QByteArray *out);

//! The ALPN protocol the handshake agreed on (empty: none).
QByteArrayView selectedAlpn(ssl_st *ssl);

} // namespace PunchDrop::TlsSupport
