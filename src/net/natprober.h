// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "nattype.h"

#include <QHostAddress>

#include <qcorotask.h>

#include <chrono>

namespace PunchDrop {

//! Timing of probeNat(); tests shorten it. The defaults follow RFC 8489 §6.2.1 loosely.
struct NatProbeConfig
{
    //! First retransmission timeout; it doubles after every unanswered send.
    std::chrono::milliseconds rto {300};
    //! Sends per request. One request gives up after rto * (2^attempts - 1): 4.5 s by default.
    int attempts = 4;
};

/*!
 * Classifies the NAT in front of this device against a StunServer at \a server (primary and
 * alternate UDP port). Never throws, never hangs: the worst case is three unanswered requests,
 * 3 * rto * (2^attempts - 1) (13.5 s with the defaults; 4.5 s when the server does not answer
 * at all, because the probe stops after the first request).
 *
 * From one fresh UDP socket (the OS picks the port), in this order:
 *  1. Binding request to the primary port → the mapped endpoint (publicUdp). No answer →
 *     Mapping::Unknown. Mapped endpoint == one of this host's addresses with the local port →
 *     Mapping::None ("open").
 *  2. Binding request to the primary port with CHANGE-REQUEST(change port) → answer from the
 *     alternate port arrives: Filtering::AddressDependent ("at most address-dependent", see
 *     nattype.h); none arrives: Filtering::AddressAndPortDependent. This runs before anything is
 *     sent to the alternate port, because that would open the NAT for it.
 *  3. Binding request to the alternate port → same mapped endpoint as 1: EndpointIndependent;
 *     different: Dependent ("symmetric"). No answer: mapping stays Unknown (publicUdp is set).
 * Responses are matched by transaction ID; anything else arriving on the socket is ignored.
 */
QCoro::Task<NatType> probeNat(
    QHostAddress server, quint16 primaryPort, quint16 altPort, NatProbeConfig config = {});

} // namespace PunchDrop
