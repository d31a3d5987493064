// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QByteArray>
#include <QString>

namespace PunchDrop {

/*!
 * The code two people compare to know that the device in front of each of them talks to the
 * other one ("482 193"), bound to one transfer session by commit-then-reveal (the short
 * authentication string of ZRTP and Bluetooth numeric comparison):
 *
 *  1. the receiver picks a random nonce Nr and sends commitment(Nr) in its HELLO;
 *  2. the sender, only after reading that HELLO, sends its random nonce Ns in the OFFER;
 *  3. the receiver, only after the OFFER, sends Nr (REVEAL); the sender checks it opens the
 *     commitment.
 *
 * code = 6 digits of SHA-256(label ‖ sender ID ‖ receiver ID ‖ Ns ‖ Nr), with both IDs as
 * authenticated by this session's TLS handshake. Whoever sits in the middle (a device the
 * server or a namesake put there) holds two sessions with different ID pairs, so it must make
 * two independent codes equal; in each session its own nonce is fixed before it can know the
 * other's, so one attempt succeeds with probability 10^-6, and every attempt puts a code in
 * front of both people. Nothing about the code can be ground offline (unlike the old code,
 * fixed per pair of devices: ~10^6 key generations forged it). Pure, apart from newNonce().
 */
class SessionCode
{
public:
    static constexpr qsizetype kNonceSize = 32;

    //! 32 bytes from the system's cryptographic random source.
    static QByteArray newNonce();
    //! SHA-256 of a domain label and \a nonce: hides the nonce, binds the receiver to it.
    static QByteArray commitment(const QByteArray &nonce);
    //! Whether \a nonce (32 bytes) is the one \a commitment was made for.
    static bool opens(const QByteArray &commitment, const QByteArray &nonce);
    //! "482 193" for this session; empty when a nonce is not 32 bytes or an ID is null.
    static QString derive(const DeviceId &sender, const DeviceId &receiver,
        const QByteArray &senderNonce, const QByteArray &receiverNonce);
};

} // namespace PunchDrop
