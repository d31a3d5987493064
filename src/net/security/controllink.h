// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/controllinkcontext.h"
#include "net/security/recordcipher.h"
#include "net/wire/deviceid.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QString>

class QTcpSocket;
struct ssl_st; // OpenSSL's SSL

namespace PunchDrop {

class FdPoller;

/*!
 * One authenticated, encrypted control connection (both ends: ServerClient and ControlClient).
 *
 * A TLS 1.3 handshake authenticates both devices (client certificate required; ALPN
 * "punchdrop-control/1"), run by OpenSSL over memory BIOs on top of a plain QTcpSocket. When it
 * completes, both sides export two 32-byte keys (RFC 8446 §7.5, label kExporterLabel, context
 * "client to server" / "server to client") and the OpenSSL object is freed: an idle link keeps
 * only its socket, two keys and two counters, not ~50 KiB of TLS state.
 *
 * Record layer after the handshake, each direction independent: RecordCipher (u32 length ‖
 * AES-256-GCM with a counter nonce, the length as AAD; its header has the format).
 * The plaintext is a byte stream (today's control frames). A record that fails authentication,
 * a length out of range, or an exhausted counter closes the link with an error. A TLS record
 * where a link record is expected (first byte non-zero: a TLS alert, e.g. the server refusing
 * our certificate) is decoded by the client, which keeps its TLS object until the first record.
 *
 * Transport: a connected QTcpSocket (the client: ControlClient binds and connects it), or a bare
 * descriptor watched by the thread's FdPoller (the server: an idle QTcpSocket alone costs ~18 KiB
 * of heap, mostly its 16 KiB read buffer; the descriptor path keeps nothing but the pending
 * output, and on Linux the poller keeps idle descriptors out of Qt's per-turn poll set).
 *
 * The link has no timers of its own (except close()'s linger): the owner applies the handshake
 * deadline and idle timeout.
 */
class ControlLink : public QObject
{
    Q_OBJECT
public:
    enum class Error {
        None,
        Socket, //!< the TCP connection failed or was reset
        RemoteClosed, //!< the peer closed the connection
        Handshake, //!< TLS failed, wrong ALPN, no/unusable certificate, unexpected peer
        Integrity, //!< a record did not authenticate (tampering or a desynchronised counter)
        Oversize, //!< a record length out of range
        CounterExhausted, //!< 2^64 − 1 records in one direction
    };
    Q_ENUM(Error)

    static constexpr int kKeySize = RecordCipher::kKeySize;
    //! The largest plaintext per record: one control frame (header + the largest body).
    static constexpr qsizetype kMaxPlaintext = RecordCipher::kMaxPlaintext;
    static constexpr qsizetype kMaxRecord = RecordCipher::kMaxRecord;
    //! Handshake bytes buffered ahead of OpenSSL before the peer counts as hostile.
    static constexpr qsizetype kMaxHandshakeBuffer = 64 * 1024;
    static constexpr char kExporterLabel[] = "EXPORTER-punchdrop-control";
    //! How long close() waits for queued bytes to leave before aborting.
    static constexpr int kLingerMs = 2000;

    /*!
     * Takes over the connected \a socket (reparented to this link) and starts the handshake in
     * \a context's role. A client sends its ClientHello at once.
     */
    ControlLink(const ControlLinkContext &context, QTcpSocket *socket, QObject *parent = nullptr);
    //! Takes over the connected descriptor \a fd (server: an accepted connection), without a
    //! QTcpSocket: reads and writes go straight to the descriptor.
    ControlLink(const ControlLinkContext &context, qintptr fd, QObject *parent = nullptr);
    ~ControlLink() override;

    //! Refuse the handshake unless the peer's certificate carries \a id (set before it ends).
    void setExpectedPeer(const DeviceId &id) { m_expectedPeer = id; }

    bool isEstablished() const { return m_state == State::Established; }
    bool isClosed() const { return m_state == State::Closed; }
    //! The peer's DeviceId from its certificate; null before handshakeDone().
    DeviceId peerId() const { return m_peer; }
    QHostAddress peerAddress() const;
    quint16 peerPort() const;
    quint16 localPort() const;
    //! Ciphertext queued, not yet taken by the kernel (the server's "not reading" guard).
    qint64 bytesToWrite() const;
    //! Bytes on the wire outside the record layer: for tests that play a hostile peer.
    void writeRaw(QByteArrayView bytes) { transmit(bytes); }

    //! Encrypts and queues \a plaintext (split into records as needed). False unless established.
    bool write(QByteArrayView plaintext);
    //! Sends what is queued, then closes; aborts after kLingerMs. closed() follows.
    void close();
    //! Closes at once. closed() follows (synchronously).
    void abort();

    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }

Q_SIGNALS:
    void handshakeDone(const PunchDrop::DeviceId &peer);
    //! Decrypted bytes, in order; the owner reassembles its frames from them.
    void plaintextReady(const QByteArray &plaintext);
    //! Emitted before closed() when the link ends because of an error.
    void errorOccurred(PunchDrop::ControlLink::Error error, const QString &message);
    //! The link is over (error, peer close, close()/abort()); emitted exactly once.
    void closed(const QString &reason);

private:
    enum class State { Handshaking, Established, Closing, Closed };

    void setUp(const ControlLinkContext &context);
    void onReadyRead();
    void onSocketError();
    void onReadable();
    void onWritable();
    void setReadInterest(bool on);
    void setWriteInterest(bool on);
    void received(const QByteArray &data);
    void transmit(QByteArrayView bytes);
    void closeDescriptor();
    void driveHandshake();
    void completeHandshake();
    void processRecords();
    bool decodeLateTlsRecord();
    void flushTls();
    void freeTls();
    void fail(Error error, const QString &message);
    void finish(const QString &reason);

    QTcpSocket *m_socket = nullptr; //!< the QTcpSocket transport, or:
    qintptr m_fd = -1; //!< the descriptor transport, watched by:
    QPointer<FdPoller> m_poller; //!< the thread's (FdPoller::forCurrentThread())
    QByteArray m_out; //!< descriptor transport: output the kernel did not take yet
    ssl_st *m_ssl = nullptr;
    ControlLinkContext::Role m_role = ControlLinkContext::Role::Client;
    QByteArray m_alpn;
    State m_state = State::Handshaking;
    DeviceId m_peer;
    DeviceId m_expectedPeer;
    QByteArray m_in; //!< received, not yet a whole record
    RecordCipher m_sender; //!< seals what we write
    RecordCipher m_receiver; //!< opens what the peer wrote
    bool m_lateTls = false; //!< client: the server answered with TLS records (an alert)
    Error m_error = Error::None;
    QString m_errorString;
};

} // namespace PunchDrop
