// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/client/portmapgateway.h"
#include "net/client/upnpmapping.h"

#include <QByteArray>

#include <chrono>
#include <memory>

namespace PunchDrop {

/*!
 * UPnP-IGD (v1 and v2) through libminiupnpc: SSDP discovery on the LAN (239.255.255.250:1900,
 * waiting at most the discovery timeout), then SOAP calls to the Internet Gateway Device's
 * WAN*Connection service. Blocking: PortMapper calls it off the event-loop thread.
 *
 * An IGD v2 (WANIPConnection:2) is asked with AddAnyPortMapping: it takes the external port
 * asked for when it is free and otherwise picks one; an IGD v1 whose port another host holds
 * (718) is asked for up to 3 random other ports (upnpAddMapping()). A known device that stops
 * answering is looked for again at once (a restarted gateway serves other URLs).
 *
 * An IGD that reports a reserved or private external address (UPNP_GetValidIGD() == 2: a lab,
 * or a router behind a carrier-grade NAT) is still used: the server only hands the mapping to
 * peers when the external address is the public address it observes, so a useless one is
 * dropped there instead of guessed about here.
 */
class UpnpGateway final : public PortMapGateway
{
public:
    explicit UpnpGateway(std::chrono::milliseconds discoveryTimeout);
    ~UpnpGateway() override;

    PortMapProtocol protocol() const override { return PortMapProtocol::Upnp; }
    GatewayAnswer map(quint16 internalPort, quint16 externalPort, std::chrono::seconds lease,
        std::stop_token stop) override;
    bool unmap(quint16 internalPort, quint16 externalPort) override;

private:
    struct Device;
    //! Finds the IGD (again after a failure: a restarted gateway may serve other URLs).
    bool discover(QString *error, const std::stop_token &stop);
    //! upnpAddMapping() with m_device's actions (AddAnyPortMapping when it is IGD v2).
    UpnpMapping addMapping(quint16 internalPort, quint16 externalPort, std::chrono::seconds lease,
        const std::stop_token &stop);

    std::chrono::milliseconds m_discoveryTimeout;
    std::unique_ptr<Device> m_device; //!< the IGD found, until a call to it fails
};

} // namespace PunchDrop
