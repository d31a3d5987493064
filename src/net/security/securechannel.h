// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QString>

#include <qcorotask.h>

#include <chrono>
#include <optional>

class QSslSocket;

namespace PunchDrop {
class DeviceIdentity;
}

/*!
 * End-to-end mutual TLS over an already connected socket (punched, LAN or relayed), pinned by
 * DeviceId (Syncthing's model). Both sides present their self-signed device certificate; no CA
 * is consulted. TLS 1.3 proves that each side holds the private key of the certificate it
 * presented, so the DeviceId derived from the peer's certificate (the SHA-256 of its public key)
 * is authentic. A relay in the middle splices ciphertext only and cannot substitute a key: the
 * expected DeviceId would not match.
 *
 * The socket itself stays a plain socket: the handshake attaches a SecureStream to it (its child,
 * SecureStream::of(socket)), which carries every byte after it (its own records under keys
 * exported from the handshake).
 */
namespace PunchDrop::SecureChannel {

enum class Role {
    Client, //!< the initiator of a punch / the sender side of a relayed session
    Server, //!< the responder
};

struct Result
{
    DeviceId peer; //!< the authenticated peer, when ok(); the device reached, when unexpectedPeer
    QString error; //!< human-readable reason, when not ok()
    //! The handshake completed with a key other than the expected one: the path leads to another
    //! device (a lying server, a replayed LAN announcement). Not a network failure: nothing else
    //! on this path can be trusted to reach the intended device.
    bool unexpectedPeer = false;
    bool ok() const { return error.isEmpty(); }
};

/*!
 * Runs the client or server handshake on \a socket (connected, not yet secured) with \a self's
 * certificate, waits at most \a timeout for it, and derives the peer's DeviceId from its
 * certificate. On success SecureStream::of(&socket) is the established stream. If \a expectedPeer
 * is set and differs the socket is aborted, unexpectedPeer is set (peer holds the device reached)
 * and the error says "reached device X, expected Y". On every failure the socket is aborted. The
 * caller keeps ownership; deleting the socket while this runs ends the handshake with an error.
 */
QCoro::Task<Result> handshake(QSslSocket &socket, const DeviceIdentity &self, Role role,
    std::optional<DeviceId> expectedPeer, std::chrono::milliseconds timeout);

} // namespace PunchDrop::SecureChannel
