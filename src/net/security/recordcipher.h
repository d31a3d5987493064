// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <array>
#include <limits>
#include <span>

namespace PunchDrop {

/*!
 * One direction of a record layer: seals plaintext into records and opens records back into
 * plaintext, with a key and the record counter of that direction. Pure over bytes (no I/O, no Qt
 * objects). ControlLink (AES-256-GCM, records up to one control frame) and SecureStream (the
 * transfer's data link: the AEAD of the negotiated TLS suite, records up to 512 KiB) buffer
 * their sockets and call it.
 *
 * Record layout (docs/protocol/control.md, "Records"; docs/protocol/transfer.md, "Data link"):
 *
 *     u32 big-endian L | L bytes: AEAD ciphertext ‖ 16-byte tag
 *
 *  - L = plaintext length + kTagSize, 1 ≤ plaintext ≤ maxPlaintext() (no empty records). A
 *    length out of range is Malformed as soon as the 4 length bytes are in, before the rest
 *    arrives.
 *  - Nonce (12 bytes) = 4 zero bytes ‖ the record counter as u64 big-endian; the counter starts
 *    at 0 and counts every record of this direction.
 *  - AAD = the 4 length bytes.
 *  - The counter value kLastCounter (2^64 − 1) is never used: sealing or opening at it is refused
 *    (CounterExhausted), so no nonce can repeat under one key.
 *
 * A record that does not authenticate (flipped bit, replayed, reordered, cut out, another key or
 * direction) is Malformed with Error::Integrity; the counter does not move then, and the owner
 * must drop the link (nothing after a failed record can be trusted).
 */
class RecordCipher
{
public:
    static constexpr qsizetype kLengthSize = 4;
    static constexpr qsizetype kTagSize = 16;
    static constexpr qsizetype kNonceSize = 12;
    static constexpr int kKeySize = 32;
    //! The control link's largest plaintext per record: one control frame (header + the largest
    //! body). The default of maxPlaintext().
    static constexpr qsizetype kMaxPlaintext = 4 + 64 * 1024;
    static constexpr qsizetype kMaxRecord = kLengthSize + kMaxPlaintext + kTagSize;
    static constexpr quint64 kLastCounter = std::numeric_limits<quint64>::max();

    using Key = std::array<unsigned char, kKeySize>;

    //! The AEAD. AES-128-GCM uses the first 16 bytes of the key.
    enum class Aead { Aes256Gcm, Aes128Gcm, ChaCha20Poly1305 };
    static int keySize(Aead aead) { return aead == Aead::Aes128Gcm ? 16 : 32; }

    enum class Status { Ok, Incomplete, Malformed };
    enum class Error {
        None,
        Oversize, //!< a record length out of range
        Integrity, //!< the record did not authenticate
        CounterExhausted, //!< the counter reached kLastCounter
        Crypto, //!< OpenSSL failed (out of memory)
    };

    struct OpenResult
    {
        Status status = Status::Incomplete;
        qsizetype consumed = 0; //!< bytes of the input that made up the record (Ok only)
        QByteArray plaintext; //!< Ok only
        Error error = Error::None; //!< Malformed only
        QString errorString; //!< Malformed only: for the log and the link's error
    };

    struct SealResult
    {
        Error error = Error::None;
        QString errorString;
        bool ok() const { return error == Error::None; }
    };

    //! A cipher for one direction with \a key; \a counter is the next record's number (0 for a
    //! new link; tests start near the end to reach exhaustion).
    explicit RecordCipher(const Key &key = {}, quint64 counter = 0);
    ~RecordCipher();
    RecordCipher(const RecordCipher &) = delete;
    RecordCipher &operator=(const RecordCipher &) = delete;

    //! Replaces the key and the counter (the link sets its keys when the handshake ends), and
    //! the AEAD.
    void reset(const Key &key, quint64 counter = 0, Aead aead = Aead::Aes256Gcm);
    //! Records carry at most \a bytes of plaintext (both ends must agree). Default kMaxPlaintext.
    void setMaxPlaintext(qsizetype bytes) { m_maxPlaintext = bytes; }
    qsizetype maxPlaintext() const { return m_maxPlaintext; }
    Aead aead() const { return m_aead; }
    //! Erases the key.
    void clear();

    //! The next record's counter (records sealed or opened so far, from the start value).
    quint64 counter() const { return m_counter; }

    /*!
     * Appends the records for \a plaintext to \a out, split at kMaxPlaintext (nothing for an
     * empty plaintext). On failure \a out holds the records sealed before it.
     */
    SealResult seal(QByteArrayView plaintext, QByteArray &out);

    /*!
     * Appends one record whose plaintext is \a head followed by \a body (together 1 …
     * maxPlaintext() bytes) to \a out: a frame head and its payload sealed straight from where
     * they are, without first joining them.
     */
    SealResult sealRecord(QByteArrayView head, QByteArrayView body, QByteArray &out);
    //! The same for a plaintext of any number of \a pieces, sealed from where they are.
    SealResult sealRecord(std::span<const QByteArrayView> pieces, QByteArray &out);

    //! Opens the first record of \a data (more may follow). Ok advances the counter.
    OpenResult open(QByteArrayView data);

    //! Whether \a length (a record's 4 length bytes, decoded) is in range; the error else.
    SealResult checkLength(quint32 length) const;
    /*!
     * Opens, in place, the complete record at \a record (its 4 length bytes first, already
     * checked with checkLength()): afterwards its plaintext is at record + kLengthSize. Ok
     * advances the counter; on failure (Integrity, CounterExhausted) the bytes are garbage.
     */
    SealResult openInPlace(char *record);
    /*!
     * Like openInPlace(), but only the first \a headBytes of the plaintext stay in place: the
     * rest is decrypted to \a rest (a separate buffer for it, of plaintext − \a headBytes
     * bytes). Nothing of either part is valid unless the whole record authenticated.
     */
    SealResult openSplit(char *record, qsizetype headBytes, char *rest);

private:
    Key m_key {};
    quint64 m_counter = 0;
    Aead m_aead = Aead::Aes256Gcm;
    qsizetype m_maxPlaintext = kMaxPlaintext;
};

} // namespace PunchDrop
