// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/devicedescription.h"
#include "net/wire/deviceid.h"

#include <QHostAddress>
#include <QString>

namespace PunchDrop {

/*!
 * What PresenceIndex needs to know of a registered client: its ID, name, NAT type, observed
 * address and self-description. ServerClient is one; tests and benchmarks use plain records, so the
 * index can be exercised with thousands of members and no sockets.
 */
class PresenceMember
{
public:
    virtual ~PresenceMember() = default;
    virtual DeviceId id() const = 0;
    virtual QString name() const = 0;
    virtual QString natType() const = 0;
    virtual QHostAddress peerAddress() const = 0;
    //! What the client said it is in hello (icon only); unknown unless a member knows.
    virtual DeviceDescription device() const { return {}; }
};

} // namespace PunchDrop
