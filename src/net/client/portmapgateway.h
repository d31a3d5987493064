// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/endpoint.h"
#include "net/wire/portmapprotocol.h"

#include <QString>

#include <chrono>
#include <stop_token>

namespace PunchDrop {

//! What a gateway answered to a mapping request.
struct GatewayAnswer
{
    Endpoint external; //!< where the gateway forwards to us; invalid when it refused
    std::chrono::seconds lease {0}; //!< 0: until deleted (a UPnP-IGD v1 permanent lease)
    QString error; //!< why not, in English for the log (empty on success)
    //! On success, for the log: how the mapping came about when not as asked (another port).
    QString note;

    bool ok() const { return external.isValid(); }
};

/*!
 * One port-mapping protocol's client, talking to the gateway with BLOCKING calls (the libraries'
 * own sockets and timeouts): PortMapper only calls it off the event-loop thread, one call at a
 * time, and each call is bounded by the timeout the gateway was built with.
 *
 * A call may outlive the PortMapper that made it (PortMapper never waits for an abandoned call,
 * nor does the process exit): it must touch nothing but the gateway itself. map() returns soon
 * (within kStopCheck) after \a stop is requested wherever it waits in its own code, and returns
 * at once without touching anything else when it sees the request after a library call that
 * cannot be interrupted (UPnP's SSDP discovery).
 */
class PortMapGateway
{
public:
    //! How often a wait in our own code looks whether the caller gave up.
    static constexpr std::chrono::milliseconds kStopCheck {50};

    virtual ~PortMapGateway() = default;
    virtual PortMapProtocol protocol() const = 0;
    /*!
     * Asks the gateway to forward TCP \a externalPort (0: the same as \a internalPort) to our
     * \a internalPort for \a lease. The gateway may grant another external port (another host
     * holds that one): the answer says which. Asking again with the external port granted
     * renews the mapping (and re-creates it after the gateway restarted and forgot it). \a
     * stop: the caller gave up; the answer is then discarded.
     */
    virtual GatewayAnswer map(quint16 internalPort, quint16 externalPort,
        std::chrono::seconds lease, std::stop_token stop)
        = 0;
    //! Deletes the mapping map() made (\a externalPort: the one granted); false when the
    //! gateway did not confirm it.
    virtual bool unmap(quint16 internalPort, quint16 externalPort) = 0;
};

} // namespace PunchDrop
