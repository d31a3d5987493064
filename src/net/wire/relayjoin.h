// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace PunchDrop::RelayJoin {

/*
 * The relay join: the first bytes a peer sends on a plaintext connection to the server's TCP port
 * to enter a relayed session (both peers send the same token, which the server gave them in `go`
 * over their authenticated control connections):
 *
 *     "PDRL" | u8 version = 1 | 16-byte token
 *
 * The server answers one byte: kPaired (0x01) when the second peer with that token has joined,
 * kRefused (0x00) on any failure (unknown or expired token, relay disabled, session limit, bad
 * magic or version), then closes. After kPaired the stream carries the peers' end-to-end TLS.
 *
 * The address claim has the same shape and goes to the same port, from the client's control port
 * in its other address family (IPv6 when its control connection is IPv4):
 *
 *     "PDAL" | u8 version = 1 | 16-byte claim token (from the client's `welcome`)
 *
 * The server answers kPaired (0x01, "claimed": it saw the connection's source address and will
 * hand it to peers) or kRefused (0x00), then closes. The TCP handshake is the proof that the
 * client can receive at that address; the token, which only came over its authenticated control
 * connection, says whose it is.
 */
inline constexpr char kMagic[4] = {'P', 'D', 'R', 'L'};
inline constexpr char kClaimMagic[4] = {'P', 'D', 'A', 'L'};
inline constexpr quint8 kVersion = 1;
inline constexpr int kTokenSize = 16;
inline constexpr int kJoinSize = 4 + 1 + kTokenSize;
inline constexpr char kPaired = 0x01;
inline constexpr char kRefused = 0x00;

//! The join bytes for \a token (which must be kTokenSize bytes).
QByteArray encode(const QByteArray &token);
//! The address claim's bytes for \a token (kTokenSize bytes).
QByteArray encodeClaim(const QByteArray &token);

struct Parsed
{
    bool ok = false;
    bool claim = false; //!< ok: an address claim, not a relay join
    QByteArray token; //!< ok: the session token
    QString error; //!< !ok: what is wrong ("not a relay join", "unsupported relay version 2")
};

//! Parses exactly kJoinSize bytes (a join or a claim); anything else is malformed.
Parsed parse(QByteArrayView bytes);

} // namespace PunchDrop::RelayJoin
