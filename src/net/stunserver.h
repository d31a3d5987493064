// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "endpoint.h"

#include <QHostAddress>
#include <QObject>
#include <QString>

class QNetworkDatagram;
class QUdpSocket;

namespace PunchDrop {

class StunMessage;

/*!
 * The rendezvous server's UDP discovery: a STUN Binding server (RFC 8489) on two ports of one
 * address, so that standard STUN clients work against it and probeNat() can classify a NAT.
 *
 * Every Binding request on either port is answered from the port it arrived on with
 * XOR-MAPPED-ADDRESS (the sender's address and port as seen here), RESPONSE-ORIGIN (the address
 * and port the answer leaves from), OTHER-ADDRESS (same IP, the other port: RFC 5780),
 * SOFTWARE and FINGERPRINT. An RFC 3489 request (no magic cookie) gets MAPPED-ADDRESS,
 * SOURCE-ADDRESS and CHANGED-ADDRESS instead, and no FINGERPRINT.
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
    //! Datagrams larger than this are dropped unread as malformed (a Binding request is ~20-100
    //! bytes).
    static constexpr qsizetype kMaxDatagramSize = 2048;

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

    //! Value of SOFTWARE in every answer (default "PunchDrop <version>").
    void setSoftware(const QString &software) { m_software = software; }

    //! Binding requests answered with a success response.
    quint64 answeredCount() const { return m_answered; }
    //! Requests answered with an error response (420, 400).
    quint64 errorCount() const { return m_errors; }
    //! Datagrams dropped: not STUN, malformed, too large, or not a request.
    quint64 droppedCount() const { return m_dropped; }

Q_SIGNALS:
    //! After each answered request (tests wait on it; cheap: no receivers in production).
    void requestAnswered();
    //! After each dropped datagram, with the reason.
    void datagramDropped(const QString &reason);

private:
    void readPending(int index);
    void handle(int index, const QNetworkDatagram &datagram);
    void send(int fromIndex, const StunMessage &reply, const Endpoint &to);

    QUdpSocket *m_sockets[2] = {nullptr, nullptr}; // [0] primary, [1] alt
    QHostAddress m_address;
    QString m_software;
    quint64 m_answered = 0;
    quint64 m_errors = 0;
    quint64 m_dropped = 0;
};

} // namespace PunchDrop
