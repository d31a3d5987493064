// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/devicedescription.h"
#include "net/wire/deviceid.h"
#include "net/wire/endpoint.h"

#include <QList>
#include <QString>

namespace PunchDrop {

//! What the app knows about another device, from the server's presence list or the LAN.
struct PeerInfo
{
    enum class Source { Server, Lan, Saved };

    DeviceId id;
    QString name;
    Source source = Source::Server;
    bool online = false;
    QString natType; //!< as reported by the peer ("cone, port-restricted", "symmetric", …)
    QList<Endpoint> endpoints; //!< LAN: where it listens; server: its private endpoints
    //! A pinned contact (its key is in the contact store; TransferEngine::peers() sets it).
    bool pinned = false;
    //! What the device says it is (hello / LAN announcement; a contact's last known): the
    //! contact card's icon and tooltip only, never trusted for anything else.
    DeviceKind kind = DeviceKind::Unknown;
    DeviceOs os = DeviceOs::Unknown;
};

} // namespace PunchDrop
