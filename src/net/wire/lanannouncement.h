// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/devicedescription.h"
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
 *     4       1     version (3; 2 is still read, see below)
 *     5       1     type: 1 = announce, 2 = goodbye
 *     6       2     transfer port: the TCP port the sender accepts LAN transfers on (0 = none)
 *     8       8     sequence: the sender's wall clock, strictly increasing (see below)
 *     16      2     certificate length C (1 … kMaxCertificateSize)
 *     18      C     the device certificate, DER; the device ID is deviceIdOfCertificate() of it
 *     18+C    1     name length N (0 … kMaxNameBytes)
 *     19+C    N     display name, UTF-8, no control characters (C0, C1, U+2028/9, bidi
 *                   embedding/override/isolate controls U+202A–E, U+2066–9) and no U+FFFD
 *     19+C+N  1     extensions length X (0 … kMaxExtensionBytes)
 *     20+C+N  X     extensions: entries of tag (1 byte), length L (1 byte), L bytes of value,
 *                   filling the X bytes exactly (see Extension)
 *     20+C+N+X 1    signature length S (1 … kMaxSignatureSize)
 *     21+C+N+X S    ECDSA-SHA256 signature (DER) by the certificate's key over everything
 *                   before the signature length byte
 * Nothing may follow the signature; the whole datagram is at most kMaxDatagramSize bytes, so it
 * fits the IPv6 minimum MTU without fragmentation. Anything else is Malformed.
 *
 * Extensions carry what a device says about itself and may grow without a new version: a
 * receiver skips tags it does not know. A known tag may appear once (twice is Malformed). Tag 1
 * is the device kind, tag 2 its OS, each a DeviceDescription token ("laptop", "linux"; a token
 * this version does not know, or one longer than DeviceDescription::kMaxTokenLength, reads as
 * unknown, and unknown is not sent). Like the name, they are the sender's claim: a contact
 * card's picture, nothing else.
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
 * 2 — the sequence is the wall clock when sent, and receivers check it is fresh.
 * 3 — the extensions block after the name (this one). Version 2 datagrams are still read (as
 * having no extensions); version 1 and unknown versions are Malformed. A version 2 device drops
 * version 3 datagrams, so it does not list a version 3 device on the LAN (the other way round
 * works); both still meet through the rendezvous server. Version 3 is the last bump for a new
 * field: new fields are new extension tags.
 */
class LanAnnouncement
{
public:
    static constexpr char kMagic[4] = {'P', 'D', 'L', 'A'};
    static constexpr quint8 kVersion = 3;
    static constexpr quint8 kOldestReadVersion = 2; //!< no extensions block
    static constexpr qsizetype kHeaderSize = 18; //!< magic … certificate length
    static constexpr qsizetype kMaxDatagramSize = 1232;
    static constexpr qsizetype kMaxCertificateSize = 1024;
    static constexpr qsizetype kMaxNameBytes = 64;
    static constexpr qsizetype kMaxSignatureSize = 80; //!< a DER ECDSA P-256 signature is ≤ 72
    //! With the largest certificate, name and signature the datagram still fits kMaxDatagramSize.
    static constexpr qsizetype kMaxExtensionBytes = 40;

    //! Extension tags (see the layout above).
    enum class Extension : quint8 { DeviceKind = 1, DeviceOs = 2 };

    enum class Type : quint8 { Announce = 1, Goodbye = 2 };

    //! The signed content of an announcement.
    struct Fields
    {
        Type type = Type::Announce;
        quint16 transferPort = 0;
        quint64 sequence = 0;
        QByteArray certificateDer;
        QString displayName;
        DeviceDescription device; //!< extensions 1 and 2; Unknown parts are not sent

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

    //! Parses one datagram (bounds, magic, version, type, lengths, UTF-8, extensions). No
    //! cryptography.
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

static_assert(LanAnnouncement::kHeaderSize + LanAnnouncement::kMaxCertificateSize + 1
        + LanAnnouncement::kMaxNameBytes + 1 + LanAnnouncement::kMaxExtensionBytes + 1
        + LanAnnouncement::kMaxSignatureSize
    <= LanAnnouncement::kMaxDatagramSize);

} // namespace PunchDrop
