// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/controllinkcontext.h"
#include "net/security/recordcipher.h"
#include "net/wire/deviceid.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>
#include <span>

class QAbstractSocket;
struct ssl_st; // OpenSSL's SSL

namespace PunchDrop {

namespace Detail {
#ifdef Q_OS_UNIX
constexpr bool kSendsOnDescriptor = true;
#else
constexpr bool kSendsOnDescriptor = false;
#endif
} // namespace Detail

/*!
 * A transfer connection's secure byte stream, on a connected plain socket (the QSslSockets of
 * punched, LAN and relayed connections never start Qt's TLS any more). docs/protocol/transfer.md,
 * "Data link".
 *
 * Handshake: TLS 1.3 run by OpenSSL over memory BIOs on the socket's bytes, mutual (both devices
 * present their certificate; the DeviceId is derived from the peer's key, SecureChannel pins it),
 * ALPN kAlpn required on both sides (an older PunchDrop, which runs Qt's TLS stream without ALPN,
 * is told so in the handshake). Then both sides export one key per direction (RFC 8446 §7.5,
 * label kExporterLabel) and free the TLS state (the client keeps it until the server's first
 * record, to read a late refusal alert, as ControlLink does).
 *
 * Records: RecordCipher's layout (u32 length ‖ AEAD ciphertext ‖ tag, counter nonces, the length
 * as AAD) with the AEAD of the suite the handshake chose (AES-128-GCM where the CPU has AES
 * instructions, else ChaCha20-Poly1305; AES-256-GCM if the peer insists) and up to kMaxPlaintext
 * bytes each: one whole DATA frame (its 5-byte head and 256 KiB payload) is one record, sealed
 * from the chunk straight into the socket's write buffer and opened in place in one receive
 * buffer. What QSslSocket did per 16 KiB TLS record (a memory BIO in, a record buffer, a
 * decrypted ring buffer out, an event-loop turn per few records) is gone; what is left per byte
 * is the kernel's copy, one copy out of Qt's socket buffer, and the AEAD.
 *
 * Reading is pulled (FrameChannel asks; nothing is read ahead of the caller but the one record
 * being assembled), so the socket's capped read buffer still pushes back on a fast sender.
 * Once all input is consumed, the socket is asked to report readable only when the rest of the
 * record is in (readableAt(): SO_RCVLOWAT on Linux), one wakeup per record on a slow link.
 * A record that does not authenticate, a length out of range or an exhausted counter fails the
 * stream and resets the connection.
 *
 * The stream is a child of its socket: it lives and dies with the connection, and of() finds it.
 */
class SecureStream : public QObject
{
    Q_OBJECT
public:
    static constexpr char kAlpn[] = "punchdrop-data/1";
    static constexpr char kExporterLabel[] = "EXPORTER-punchdrop-data";
    //! The largest plaintext per record: a DATA frame (5 + 256 KiB) with room to spare.
    static constexpr qsizetype kMaxPlaintext = 512 * 1024;
    //! Handshake bytes buffered ahead of OpenSSL before the peer counts as hostile.
    static constexpr qsizetype kMaxHandshakeBuffer = 64 * 1024;

    /*!
     * Whether write() hands a record straight to the kernel while Qt's write buffer is empty
     * (Unix). Elsewhere (Windows, whose readiness notifications are tied to Qt's own reads and
     * writes) every record goes through Qt's buffer.
     */
    static constexpr bool kWritesDirect = Detail::kSendsOnDescriptor;

    //! Attaches to the connected \a socket (as its child) in \a context's role; start() begins.
    SecureStream(QAbstractSocket *socket, const ControlLinkContext &context);
    ~SecureStream() override;

    //! The stream attached to \a socket, or nullptr.
    static SecureStream *of(const QObject *socket);

    //! Starts the handshake (a client sends its ClientHello). handshakeDone() or failed() follow
    //! (possibly before this returns).
    void start();

    bool isEstablished() const { return m_state == State::Established; }
    bool hasFailed() const { return m_state == State::Failed; }
    //! Established, and the socket is still connected.
    bool isOpen() const;
    //! The peer's DeviceId, from its certificate (null before handshakeDone()).
    DeviceId peerId() const { return m_peer; }
    //! This device's DeviceId (the certificate it presented).
    DeviceId localId() const { return m_local; }
    //! The TLS 1.3 suite the handshake chose ("TLS_AES_128_GCM_SHA256"); records use its AEAD.
    QString cipherName() const { return m_cipher; }
    QString errorString() const { return m_error; }

    //! Decrypted bytes ready; opens the next record when the socket holds all of it.
    qint64 bytesAvailable();
    //! Reads up to \a max decrypted bytes into \a data: 0 when none are ready.
    qint64 read(char *data, qint64 max);
    /*!
     * Opens records in two parts: the first \a headBytes of each record's plaintext in place,
     * the rest (its "body") into a buffer from \a take (of the body's size), handed back to
     * \a give once read() copied it out. A reader that knows a record is one frame (FrameChannel:
     * a 5-byte head, then a DATA chunk) reads the head and takes the body whole (takeBody()):
     * the chunk is decrypted straight into the buffer it travels on in, never copied.
     */
    void setBodyBuffers(qsizetype headBytes, std::function<QByteArray(qsizetype)> take,
        std::function<void(QByteArray &&)> give);
    /*!
     * The opened record's body, handed over whole, if all that is unread of the record is its
     * body and it is \a size bytes; a null QByteArray else (read() serves the bytes then).
     */
    QByteArray takeBody(qsizetype size);

    /*!
     * Seals \a head ‖ \a body into one record (several when longer than kMaxPlaintext) and
     * queues it on the socket. False unless established (or when sealing failed: the stream
     * failed then).
     */
    bool write(QByteArrayView head, QByteArrayView body = {});
    //! The same for the consecutive \a pieces of a plaintext, sealed from where they are.
    bool write(std::span<const QByteArrayView> pieces);

Q_SIGNALS:
    void handshakeDone();
    //! \a bytes of records left for the peer (handed to the kernel: at once, or later by Qt).
    void bytesSent(qint64 bytes);
    //! The stream is unusable from now on; emitted once.
    void failed(const QString &error);

private:
    enum class State { Handshaking, Established, Failed };

    void onReadyRead();
    void driveHandshake();
    void completeHandshake();
    void flushTls();
    void freeTls();
    //! Moves up to \a max bytes of input (what the handshake left over first) to \a data.
    qint64 take(char *data, qint64 max);
    //! Assembles and opens the next record if all of it is there.
    void openNext();
    //! Decrypted bytes not read yet (head part and body).
    qint64 unread() const { return (m_plainEnd - m_plainAt) + (m_body.size() - m_bodyAt); }
    //! The body was read or taken: back to its owner.
    void releaseBody();
    /*!
     * The socket is to report readable when \a bytes more are in (SO_RCVLOWAT where the
     * platform has it): what the record being assembled still misses, whenever all input so
     * far is consumed; a length field's size once a record is opened.
     */
    void readableAt(qsizetype bytes);
    //! The client's first incoming bytes are a TLS record, not ours: the server's alert.
    void decodeLateTls();
    void fail(const QString &error);

    QPointer<QAbstractSocket> m_socket;
    ssl_st *m_ssl = nullptr;
    ControlLinkContext::Role m_role = ControlLinkContext::Role::Client;
    State m_state = State::Handshaking;
    DeviceId m_peer;
    DeviceId m_local;
    QString m_cipher;
    QString m_error;
    RecordCipher m_sender;
    RecordCipher m_receiver;
    QByteArray m_leftover; //!< input the handshake read past its end (the first records)
    qsizetype m_leftoverAt = 0;
    //! The record being assembled (length bytes first); once opened, its plaintext.
    QByteArray m_record;
    qsizetype m_filled = 0; //!< bytes of m_record received
    quint32 m_length = 0; //!< the record's length field, once its 4 bytes are in (else 0)
    qsizetype m_plainAt = 0; //!< unread plaintext: m_record[m_plainAt, m_plainEnd), then:
    qsizetype m_plainEnd = 0;
    QByteArray m_body; //!< setBodyBuffers(): the opened record's plaintext after its head
    qsizetype m_bodyAt = 0; //!< read() copied m_body up to here
    qsizetype m_headBytes = -1; //!< setBodyBuffers() (< 0: records open whole, in place)
    std::function<QByteArray(qsizetype)> m_takeBody;
    std::function<void(QByteArray &&)> m_giveBody;
    QByteArray m_sealed; //!< the records of one write() (reused)
    bool m_lateTls = false;
    qsizetype m_readableAt = 1; //!< readableAt()'s mark on the socket (1: the kernel's default)
};

} // namespace PunchDrop
