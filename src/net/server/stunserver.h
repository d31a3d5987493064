// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/endpoint.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <memory>

class QNetworkDatagram;
class QUdpSocket;

namespace PunchDrop {

class RateLimiter;
class StunMessage;

/*!
 * The rendezvous server's UDP discovery: a STUN Binding server (RFC 8489) on two ports of one
 * address, so that standard STUN clients work against it and probeNat() can classify a NAT.
 *
 * Every Binding request on either port is answered from the port it arrived on with
 * XOR-MAPPED-ADDRESS (the sender's address and port as seen here), RESPONSE-ORIGIN (the address
 * and port the answer leaves from), OTHER-ADDRESS (same IP, the other port: RFC 5780),
 * FINGERPRINT and SOFTWARE if set (none by default: the version is nobody's business). An RFC
 * 3489 request (no magic cookie) gets MAPPED-ADDRESS, SOURCE-ADDRESS and CHANGED-ADDRESS instead,
 * and no FINGERPRINT.
 *
 * No answer is larger than its request, where that is possible (fitted()): SOFTWARE,
 * FINGERPRINT, OTHER-ADDRESS, RESPONSE-ORIGIN and an error's reason text are left out in that
 * order until it fits, so a minimal 20-byte request gets the 32-byte mapped address only
 * (1.6×; it was 84 bytes, 4.2×). A client that wants the full answer pads its request
 * (PADDING).
 *
 * RESPONSE-PORT (RFC 5780 §7.5) is honoured: the answer goes to that port of the sender's address.
 *
 * CHANGE-REQUEST (RFC 5780):
 * - "change port" alone: the answer is sent from the *other* port (RESPONSE-ORIGIN says which).
 * - "change IP" (with or without "change port"): cannot be honoured with one address; the
 *   answer is an error response 420 (Unknown Attribute) listing CHANGE-REQUEST, which is how
 *   RFC 5780 §6.1 tells a client that the server cannot perform that test.
 * Other errors: 420 for unknown comprehension-required attributes, 400 for requests of other
 * methods. Malformed datagrams, indications and responses are dropped and counted.
 */
class StunServer : public QObject
{
    Q_OBJECT
public:
    //! Datagrams larger than this are dropped unread (a Binding request is ~20-100 bytes).
    static constexpr qsizetype kMaxDatagramSize = 2048;
    /*!
     * Datagrams per second (and burst) answered per source address prefix (AddressPrefix: /24,
     * /64). Answers are at most 1.6× a request, but a spoofed flood must not turn the server
     * into a reflector either; 50/s is far above what probes need (a probe sends 3 requests,
     * each retransmitted at most a few times), even for many clients behind one carrier-grade
     * NAT.
     */
    static constexpr int kDefaultRatePerSource = 50;

    explicit StunServer(QObject *parent = nullptr);
    ~StunServer() override;

    /*!
     * Binds UDP \a primaryPort and \a altPort on \a address (0 for either: the OS picks; the two
     * must differ otherwise). False with \a error (may be null) when either bind fails; then
     * nothing stays bound. Calling it again re-binds.
     */
    bool listen(const QHostAddress &address, quint16 primaryPort, quint16 altPort, QString *error);
    void close();
    bool isListening() const;

    quint16 primaryPort() const;
    quint16 altPort() const;
    QHostAddress address() const { return m_address; }

    //! Value of SOFTWARE in answers that have room for it (default none).
    void setSoftware(const QString &software) { m_software = software; }
    //! Per-source limit (see kDefaultRatePerSource); 0 switches it off.
    void setRatePerSource(int datagramsPerSecond);

    //! Binding requests answered with a success response.
    quint64 answeredCount() const { return m_answered; }
    //! Requests answered with an error response (420, 400).
    quint64 errorCount() const { return m_errors; }
    //! Datagrams dropped: not STUN, malformed, too large, not a request, or over the rate limit.
    quint64 droppedCount() const { return m_dropped; }

Q_SIGNALS:
    //! After each answered request (tests wait on it; cheap: no receivers in production).
    void requestAnswered();
    //! After each dropped datagram, with the reason.
    void datagramDropped(const QString &reason);

private:
    void readPending(int index);
    void handle(int index, const QNetworkDatagram &datagram);
    void send(int fromIndex, const StunMessage &reply, const Endpoint &to, qsizetype requestSize);
    //! \a reply encoded, cut down to at most \a requestSize bytes where possible.
    static QByteArray fitted(StunMessage reply, qsizetype requestSize);

    QUdpSocket *m_sockets[2] = {nullptr, nullptr}; // [0] primary, [1] alt
    std::unique_ptr<RateLimiter> m_limiter;
    QElapsedTimer m_clock;
    QHostAddress m_address;
    QString m_software;
    quint64 m_answered = 0;
    quint64 m_errors = 0;
    quint64 m_dropped = 0;
};

} // namespace PunchDrop
