// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/endpoint.h"
#include "net/wire/portmapprotocol.h"

#include <QString>

#include <chrono>

namespace PunchDrop {

//! What a gateway answered to a mapping request.
struct GatewayAnswer
{
    Endpoint external; //!< where the gateway forwards to us; invalid when it refused
    std::chrono::seconds lease {0}; //!< 0: until deleted (a UPnP-IGD v1 permanent lease)
    QString error; //!< why not, in English for the log (empty on success)

    bool ok() const { return external.isValid(); }
};

/*!
 * One port-mapping protocol's client, talking to the gateway with BLOCKING calls (the libraries'
 * own sockets and timeouts): PortMapper only calls it off the event-loop thread, one call at a
 * time, and each call is bounded by the timeout the gateway was built with.
 */
class PortMapGateway
{
public:
    virtual ~PortMapGateway() = default;
    virtual PortMapProtocol protocol() const = 0;
    /*!
     * Asks the gateway to forward TCP \a externalPort (0: any) to our \a internalPort for \a
     * lease. Asking again for the same mapping renews it (and re-creates it after the gateway
     * restarted and forgot it).
     */
    virtual GatewayAnswer map(
        quint16 internalPort, quint16 externalPort, std::chrono::seconds lease)
        = 0;
    //! Deletes the mapping map() made; false when the gateway did not confirm it.
    virtual bool unmap(quint16 internalPort, quint16 externalPort) = 0;
};

} // namespace PunchDrop
