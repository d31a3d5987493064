// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QTcpServer>
#include <QTcpSocket>

namespace PunchDrop::Test {

/*!
 * A relay that splices TCP between the client and the listener and flips one bit of the
 * client→server stream at byte \a flipAt (after the TLS handshake: ciphertext of file data).
 */
class FlippingProxy : public QObject
{
    Q_OBJECT
public:
    explicit FlippingProxy(qint64 flipAt)
        : m_flipAt(flipAt)
    {
        QObject::connect(&m_server, &QTcpServer::newConnection, this, [this] { accept(); });
    }
    quint16 listen(quint16 target)
    {
        m_target = target;
        return m_server.listen(QHostAddress::LocalHost, 0) ? m_server.serverPort() : 0;
    }
    bool flipped() const { return m_flipped; }

private:
    void accept()
    {
        m_a = m_server.nextPendingConnection();
        m_b = new QTcpSocket(this);
        m_b->connectToHost(QHostAddress::LocalHost, m_target);
        QObject::connect(m_a, &QTcpSocket::readyRead, this, [this] { pump(m_a, m_b, true); });
        QObject::connect(m_b, &QTcpSocket::readyRead, this, [this] { pump(m_b, m_a, false); });
        QObject::connect(m_b, &QTcpSocket::connected, this, [this] { pump(m_a, m_b, true); });
        QObject::connect(m_a, &QTcpSocket::disconnected, m_b, &QTcpSocket::disconnectFromHost);
        QObject::connect(m_b, &QTcpSocket::disconnected, m_a, &QTcpSocket::disconnectFromHost);
    }
    void pump(QTcpSocket *from, QTcpSocket *to, bool upstream)
    {
        if (to->state() != QAbstractSocket::ConnectedState)
            return;
        QByteArray bytes = from->readAll();
        if (upstream && !m_flipped && m_seen + bytes.size() > m_flipAt) {
            bytes[m_flipAt - m_seen] = char(bytes[m_flipAt - m_seen] ^ 0x10);
            m_flipped = true;
        }
        if (upstream)
            m_seen += bytes.size();
        to->write(bytes);
    }

    QTcpServer m_server;
    QTcpSocket *m_a = nullptr;
    QTcpSocket *m_b = nullptr;
    quint16 m_target = 0;
    qint64 m_flipAt = 0;
    qint64 m_seen = 0;
    bool m_flipped = false;
};

} // namespace PunchDrop::Test
