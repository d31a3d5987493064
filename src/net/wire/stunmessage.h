// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/endpoint.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>

namespace PunchDrop {

/*!
 * One STUN message (RFC 8489) as a value, and the pure codec between it and bytes.
 *
 * Wire format (all integers big-endian; the full text is docs/protocol/stun.md):
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |0 0|     STUN Message Type     |         Message Length        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                  Magic Cookie 0x2112A442                      |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                Transaction ID (96 bits)                       |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    | attributes: Type(16) Length(16) Value, padded to 4 bytes ...  |
 *
 * - Message type: M11..M7 C1 M6..M4 C0 M3..M0 (method M, class C). Binding request 0x0001,
 *   success 0x0101, error 0x0111, indication 0x0011.
 * - Message length counts the attribute bytes after the 20-byte header (a multiple of 4). One
 *   UDP datagram carries exactly one message, so 20 + length must equal the datagram size.
 * - A message whose cookie field is not the magic cookie is an RFC 3489 ("classic STUN")
 *   message whose 128-bit transaction ID includes those four bytes. It is parsed (a server
 *   answers it with MAPPED-ADDRESS), but XOR-MAPPED-ADDRESS and FINGERPRINT need the cookie and
 *   make such a message malformed.
 * - FINGERPRINT must be the last attribute; its value is CRC-32 of all bytes before it (header
 *   with the final length included) XOR 0x5354554E. A wrong one makes the message malformed.
 * - MESSAGE-INTEGRITY(-SHA256) is recognised and skipped (not verified: PunchDrop's discovery
 *   is unauthenticated); attributes after it other than FINGERPRINT are ignored (RFC 8489 §14.5).
 * - Unknown comprehension-optional attributes (type >= 0x8000) are skipped. Unknown
 *   comprehension-required ones (< 0x8000) are listed in unknownRequired so that a server can
 *   answer 420 (Unknown Attribute); a client treats such a response as malformed.
 * - Only the first occurrence of an attribute counts (RFC 8489 §14).
 * - In a message without the magic cookie, encode() writes responseOrigin / otherAddress as the
 *   RFC 3489 SOURCE-ADDRESS / CHANGED-ADDRESS; parse() maps those two back the same way.
 */
class StunMessage
{
public:
    static constexpr quint32 kMagicCookie = 0x2112A442;
    static constexpr quint32 kFingerprintXor = 0x5354554E;
    static constexpr qsizetype kHeaderSize = 20;
    static constexpr qsizetype kTransactionIdSize = 12;
    //! Longest SOFTWARE / reason phrase value accepted and produced (RFC 8489: < 128 characters).
    static constexpr qsizetype kMaxTextBytes = 763;
    static constexpr quint16 kDefaultPort = 3478;

    enum class Class : quint8 {
        Request = 0,
        Indication = 1,
        SuccessResponse = 2,
        ErrorResponse = 3,
    };

    static constexpr quint16 kMethodBinding = 0x001;

    //! Attribute types PunchDrop knows (RFC 8489 §18.3, RFC 5780 §7, RFC 3489 §11.2).
    enum Attribute : quint16 {
        MappedAddress = 0x0001,
        ChangeRequest = 0x0003, // RFC 5780
        SourceAddress = 0x0004, // RFC 3489 (what RESPONSE-ORIGIN replaced)
        ChangedAddress = 0x0005, // RFC 3489 (what OTHER-ADDRESS replaced)
        Username = 0x0006,
        MessageIntegrity = 0x0008,
        ErrorCode = 0x0009,
        UnknownAttributes = 0x000A,
        MessageIntegritySha256 = 0x001C,
        XorMappedAddress = 0x0020,
        Padding = 0x0026, // RFC 5780
        ResponsePort = 0x0027, // RFC 5780
        Software = 0x8022,
        Fingerprint = 0x8028,
        ResponseOrigin = 0x802B, // RFC 5780
        OtherAddress = 0x802C, // RFC 5780
    };

    //! CHANGE-REQUEST flag bits (RFC 5780 §7.2).
    static constexpr quint32 kChangeIpFlag = 0x4;
    static constexpr quint32 kChangePortFlag = 0x2;

    struct Error
    {
        int code = 0; //!< 300..699
        QString reason;
        friend bool operator==(const Error &, const Error &) = default;
    };

    enum class ParseStatus { Ok, Malformed };
    struct ParseResult; // below: it holds a StunMessage

    // --- header ---
    quint16 method = kMethodBinding;
    Class messageClass = Class::Request;
    //! The four bytes after the length: kMagicCookie for RFC 5389/8489 messages.
    quint32 cookie = kMagicCookie;
    QByteArray transactionId; //!< exactly kTransactionIdSize bytes

    // --- attributes (absent = nullopt / empty) ---
    std::optional<Endpoint> xorMappedAddress;
    std::optional<Endpoint> mappedAddress;
    std::optional<Endpoint> responseOrigin; //!< RESPONSE-ORIGIN (parse also accepts SOURCE-ADDRESS)
    std::optional<Endpoint> otherAddress; //!< OTHER-ADDRESS (parse also accepts CHANGED-ADDRESS)
    std::optional<quint32>
        changeRequest; //!< CHANGE-REQUEST flags (kChangeIpFlag | kChangePortFlag)
    std::optional<quint16> responsePort; //!< RESPONSE-PORT (RFC 5780 §7.5): answer to this port
    std::optional<Error> error;
    QString software;
    QList<quint16> unknownAttributes; //!< encode: UNKNOWN-ATTRIBUTES (in a 420 answer)
    //! Parse: a FINGERPRINT was present (and verified). Encode: append one.
    bool fingerprint = false;
    //! Parse only: a MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 was present (not verified).
    bool hasMessageIntegrity = false;
    //! Parse only: comprehension-required attribute types this codec does not understand.
    QList<quint16> unknownRequired;

    bool hasMagicCookie() const { return cookie == kMagicCookie; }
    bool isRequest() const { return messageClass == Class::Request; }
    bool isBindingRequest() const { return method == kMethodBinding && isRequest(); }
    bool isBindingResponse() const
    {
        return method == kMethodBinding
            && (messageClass == Class::SuccessResponse || messageClass == Class::ErrorResponse);
    }
    bool changePortRequested() const { return changeRequest && (*changeRequest & kChangePortFlag); }
    bool changeIpRequested() const { return changeRequest && (*changeRequest & kChangeIpFlag); }

    //! A Binding request with a fresh random transaction ID.
    static StunMessage bindingRequest();
    //! A response (success or error class) to \a request: same method, cookie and transaction ID.
    static StunMessage responseTo(const StunMessage &request, Class responseClass);
    static QByteArray randomTransactionId();

    /*!
     * Parses one whole message (one UDP datagram). Never reads outside \a data; every defect is
     * reported as Malformed with a human reason.
     */
    static ParseResult parse(QByteArrayView data);

    /*!
     * Cheap check used to demultiplex a port: the first two bits are zero, the length field is a
     * multiple of 4 and matches the datagram size. Says nothing about the attributes.
     */
    static bool looksLikeStun(QByteArrayView data);

    /*!
     * The wire bytes. Order: SOFTWARE, XOR-MAPPED-ADDRESS, MAPPED-ADDRESS, RESPONSE-ORIGIN,
     * OTHER-ADDRESS, CHANGE-REQUEST, RESPONSE-PORT, ERROR-CODE, UNKNOWN-ATTRIBUTES, FINGERPRINT.
     * Padding bytes are zero. Texts are cut to kMaxTextBytes (at a UTF-8 character boundary). An
     * invalid transaction ID (not 12 bytes) is encoded as zeros; callers build messages with
     * bindingRequest()/responseTo(), which always set one.
     */
    QByteArray encode() const;

    //! CRC-32 (ISO-HDLC, as zlib) of \a data: the base of FINGERPRINT.
    static quint32 crc32(QByteArrayView data);
    static QString attributeName(quint16 type);
};

//! What StunMessage::parse() returns.
struct StunMessage::ParseResult
{
    ParseStatus status = ParseStatus::Malformed;
    StunMessage message; //!< valid when status == Ok
    QString error; //!< why it is malformed
    bool ok() const { return status == ParseStatus::Ok; }
};

} // namespace PunchDrop
