// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace PunchDrop {

/*!
 * The LAN announcement: one UDP datagram by which a device tells its link "I am here" (or "I am
 * leaving"), sent to the multicast groups and the IPv4 broadcast addresses on the discovery port
 * (default 8879, see LanDiscovery). Pure functions, no I/O. docs/protocol/lan.md has the same text.
 *
 * Datagram layout (all integers big-endian, no padding)
 * -----------------------------------------------------
 *     offset  size  field
 *     0       4     magic "PDLA"
 *     4       1     version (2)
 *     5       1     type: 1 = announce, 2 = goodbye
 *     6       2     transfer port: the TCP port the sender accepts LAN transfers on (0 = none)
 *     8       8     sequence: the sender's wall clock, strictly increasing (see below)
 *     16      2     certificate length C (1 … kMaxCertificateSize)
 *     18      C     the device certificate, DER; the device ID is deviceIdOfCertificate() of it
 *     18+C    1     name length N (0 … kMaxNameBytes)
 *     19+C    N     display name, UTF-8, no control characters (C0, C1, U+2028/9, bidi
 *                   embedding/override/isolate controls U+202A–E, U+2066–9) and no U+FFFD
 *     19+C+N  1     signature length S (1 … kMaxSignatureSize)
 *     20+C+N  S     ECDSA-SHA256 signature (DER) by the certificate's key over bytes [0, 19+C+N),
 *                   i.e. over everything before the signature length byte
 * Nothing may follow the signature; the whole datagram is at most kMaxDatagramSize bytes, so it
 * fits the IPv6 minimum MTU without fragmentation. Anything else is Malformed.
 *
 * Sequence and replay
 * -------------------
 * The sender's sequence is its wall clock in milliseconds since the Unix epoch when it sends,
 * strictly increasing (max(previous + 1, now)), so it doubles as a signed timestamp. A receiver
 * drops an announcement whose sequence is further than the freshness window (2 minutes) from
 * its own clock (an old recording replayed), remembers the highest sequence it accepted per
 * device (also after a goodbye, for a while) and drops packets whose sequence is not higher: a
 * replayed old announcement cannot resurrect a device after its goodbye, and a replayed goodbye
 * cannot remove a device that announced since. A datagram that repeats the last accepted one
 * byte for byte within a short copy window (the same announcement arriving over multicast and
 * broadcast, or over two interfaces) only adds the path it came by; later copies add nothing.
 *
 * Version history: 1 — sequence = wall clock at start + a monotonic clock, no freshness check.
 * 2 — the sequence is the wall clock when sent, and receivers check it is fresh (this one).
 * Receivers drop other versions as Malformed (a version 1 device and a version 2 device do not
 * see each other on the LAN; both still meet through the rendezvous server).
 */
class LanAnnouncement
{
public:
    static constexpr char kMagic[4] = {'P', 'D', 'L', 'A'};
    static constexpr quint8 kVersion = 2;
    static constexpr qsizetype kHeaderSize = 18; //!< magic … certificate length
    static constexpr qsizetype kMaxDatagramSize = 1232;
    static constexpr qsizetype kMaxCertificateSize = 1024;
    static constexpr qsizetype kMaxNameBytes = 64;
    static constexpr qsizetype kMaxSignatureSize = 80; //!< a DER ECDSA P-256 signature is ≤ 72

    enum class Type : quint8 { Announce = 1, Goodbye = 2 };

    //! The signed content of an announcement.
    struct Fields
    {
        Type type = Type::Announce;
        quint16 transferPort = 0;
        quint64 sequence = 0;
        QByteArray certificateDer;
        QString displayName;

        friend bool operator==(const Fields &, const Fields &) = default;
    };

    enum class Status { Ok, Malformed };

    //! The structure of a datagram; the signature is not checked yet (see verify()).
    struct ParseResult
    {
        Status status = Status::Malformed;
        Fields fields;
        QByteArray signedBytes; //!< the bytes the signature covers
        QByteArray signature;
        QString error; //!< Malformed: what is wrong
    };

    //! Parses one datagram (bounds, magic, version, type, lengths, UTF-8). No cryptography.
    static ParseResult parse(QByteArrayView datagram);

    /*!
     * The bytes the signature covers, for \a fields. The name is cleaned first
     * (DisplayText::cleanName: control and bidi characters removed, whitespace folded, cut to
     * kMaxNameBytes on a character boundary), so every input encodes
     * to something parse() accepts. Empty when the certificate is empty or too large.
     */
    static QByteArray encodeUnsigned(const Fields &fields);
    //! \a signedBytes followed by the signature length and \a signature.
    static QByteArray assemble(const QByteArray &signedBytes, const QByteArray &signature);

    enum class Verdict { Ok, Malformed, BadSignature };
};

} // namespace PunchDrop
