// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/client/portmapgateway.h"

#include <chrono>

namespace PunchDrop {

/*!
 * NAT-PMP (RFC 6886) through libnatpmp: UDP requests to the default gateway's port 5351 (the
 * gateway from the routing table). libnatpmp retransmits after 250 ms, 500 ms, … up to a minute;
 * each call here gives up at the request timeout instead. A gateway without NAT-PMP usually
 * answers with ICMP port unreachable, which ends the call at once. Blocking: PortMapper calls it
 * off the event-loop thread.
 */
class NatPmpGateway final : public PortMapGateway
{
public:
    explicit NatPmpGateway(std::chrono::milliseconds requestTimeout);

    PortMapProtocol protocol() const override { return PortMapProtocol::NatPmp; }
    GatewayAnswer map(quint16 internalPort, quint16 externalPort, std::chrono::seconds lease,
        std::stop_token stop) override;
    bool unmap(quint16 internalPort, quint16 externalPort) override;

private:
    std::chrono::milliseconds m_requestTimeout;
};

} // namespace PunchDrop
