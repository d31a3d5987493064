// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/endpoint.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QString>

#include <optional>

namespace PunchDrop {

/*!
 * The PCP (RFC 6887) MAP request PunchDrop sends and the answer it reads, with the pure codec
 * between them and bytes. Only what a client mapping one TCP port needs: no options (neither
 * sent nor needed in an answer), no PEER or ANNOUNCE opcode.
 *
 * Request (60 bytes; integers big-endian; addresses 16 bytes, IPv4 as ::ffff:a.b.c.d):
 *
 *     version = 2 | R = 0, opcode = 1 (MAP) | reserved (16) | requested lifetime (32)
 *     client's IP address (128)                      (the packet's source address)
 *     mapping nonce (96) | protocol (8) = 6 (TCP) | reserved (24)
 *     internal port (16) | suggested external port (16)
 *     suggested external IP address (128)            (all zero: no preference)
 *
 * Response (60 bytes):
 *
 *     version = 2 | R = 1, opcode = 1 | reserved (8) | result code (8) | lifetime (32)
 *     epoch time (32) | reserved (96)
 *     mapping nonce (96) | protocol (8) | reserved (24)
 *     internal port (16) | assigned external port (16)
 *     assigned external IP address (128)
 *
 * A lifetime of 0 in a request deletes the mapping (§15); the nonce must be the one the mapping
 * was created with, so a client keeps it for as long as the mapping lives.
 */
struct PcpMapRequest
{
    static constexpr quint8 kVersion = 2;
    static constexpr quint8 kOpcodeMap = 1;
    static constexpr quint8 kProtocolTcp = 6;
    static constexpr qsizetype kNonceSize = 12;
    static constexpr qsizetype kSize = 60;
    static constexpr quint16 kServerPort = 5351;

    quint32 lifetime = 0; //!< seconds; 0 deletes
    QHostAddress clientAddress; //!< our address towards the gateway (IPv4 or IPv6)
    QByteArray nonce; //!< kNonceSize bytes, random, kept for the mapping's life
    quint16 internalPort = 0;
    quint16 suggestedExternalPort = 0; //!< 0: any
    QHostAddress suggestedExternalAddress; //!< null: any

    QByteArray encode() const;
};

struct PcpMapResponse
{
    //! Result codes (RFC 6887 §7.4); 0 is SUCCESS.
    enum Result : quint8 {
        Success = 0,
        UnsupportedVersion = 1,
        NotAuthorized = 2,
        MalformedRequest = 3,
        UnsupportedOpcode = 4,
        UnsupportedOption = 5,
        MalformedOption = 6,
        NetworkFailure = 7,
        NoResources = 8,
        UnsupportedProtocol = 9,
        UserExceededQuota = 10,
        CannotProvideExternal = 11,
        AddressMismatch = 12,
        ExcessiveRemotePeers = 13,
    };

    quint8 result = Success;
    quint32 lifetime = 0; //!< seconds granted (on an error: how long the error is likely to last)
    quint32 epoch = 0; //!< the server's epoch time (a drop means it lost its state)
    QByteArray nonce;
    quint8 protocol = 0;
    quint16 internalPort = 0;
    Endpoint external; //!< assigned external address and port

    //! The result code in English for the log ("NOT_AUTHORIZED (2)").
    static QString resultName(quint8 result);

    struct Parsed;
    /*!
     * Reads one datagram. A NAT-PMP server that knows no PCP answers a version-2 request with a
     * NAT-PMP header (version 0) and result UNSUPP_VERSION: that is returned as such (result
     * UnsupportedVersion, nothing else set), so the caller can tell it from garbage.
     */
    static Parsed parse(QByteArrayView datagram);
};

struct PcpMapResponse::Parsed
{
    std::optional<PcpMapResponse> response; //!< empty: malformed (error says why)
    QString error;
};

} // namespace PunchDrop
