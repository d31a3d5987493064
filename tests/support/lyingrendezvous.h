// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/controllinkcontext.h"
#include "net/security/deviceidentity.h"
#include "net/server/relayhub.h"
#include "net/wire/controlmessage.h"
#include "net/wire/deviceid.h"
#include "net/wire/endpoint.h"

#include <QHash>
#include <QObject>
#include <QTcpServer>

#include <memory>
#include <vector>

class QTcpSocket;

namespace PunchDrop {
class ControlLink;
}

namespace PunchDrop::Test {

/*!
 * A rendezvous server that lies, for tests of what a client does with a hostile server. It speaks
 * the real control protocol (ControlLink records, ControlProtocol frames) and relays with the
 * real RelayHub on the same port, so real ControlClients and TransferEngines register with it,
 * punch and relay through it. Registration, lookup (PeerResolver over everyone) and honest
 * introductions work like the real server in the small; a connect to a device with a scripted
 * Lie introduces another device instead.
 */
class LyingRendezvous : public QObject
{
    Q_OBJECT
public:
    struct Lie
    {
        DeviceId reached; //!< who really gets introduced (the responder's go goes to it)
        //! true: the initiator's go names \c reached; false: it names the device asked for but
        //! carries \c reached's endpoints and a relay token shared with \c reached.
        bool nameReached = true;
        bool punch = true;
        bool relay = true;
    };

    explicit LyingRendezvous(const DeviceIdentity &identity, QObject *parent = nullptr);
    ~LyingRendezvous() override;

    bool listen(QString *error);
    quint16 port() const { return m_tcp.serverPort(); }
    //! From now on a connect to \a asked is answered as \a lie says.
    void lie(const DeviceId &asked, const Lie &lie) { m_lies.insert(asked, lie); }
    bool isRegistered(const DeviceId &id) const { return m_byId.contains(id); }

Q_SIGNALS:
    void clientRegistered(const PunchDrop::DeviceId &id);
    //! A connect from \a initiator was answered: \a named in its go, \a reached really introduced.
    void introduced(const PunchDrop::DeviceId &initiator, const PunchDrop::DeviceId &named,
        const PunchDrop::DeviceId &reached);

private:
    struct Client
    {
        ControlLink *link = nullptr;
        DeviceId id;
        QString name;
        Endpoint observed;
        QByteArray buffer;
        bool registered = false;
    };

    void onNewConnection();
    void sniff(QTcpSocket *socket);
    void onPlaintext(Client *client, const QByteArray &plaintext);
    void handle(Client *client, const ControlMessage &message);
    void lookUp(Client *client, const Control::Lookup &request);
    void introduce(Client *initiator, const Control::Connect &request);
    void send(Client *client, const ControlMessage &message);
    void drop(Client *client);

    DeviceIdentity m_identity;
    ControlLinkContext m_tls;
    QTcpServer m_tcp;
    RelayHub m_relay;
    std::vector<std::unique_ptr<Client>> m_clients;
    QHash<DeviceId, Client *> m_byId;
    QHash<DeviceId, Lie> m_lies;
};

} // namespace PunchDrop::Test
