// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QTcpServer>

namespace PunchDrop {

/*!
 * A QTcpServer whose pending connections are QSslSockets that have NOT started encryption.
 * The caller decides the TLS role afterwards: on a punched path the initiator is the TLS client
 * even on a connection it accepted, so QSslServer (which always acts as the TLS server) does not
 * fit.
 */
class DeferredTlsServer : public QTcpServer
{
    Q_OBJECT
public:
    using QTcpServer::QTcpServer;

protected:
    void incomingConnection(qintptr descriptor) override;
};

} // namespace PunchDrop
