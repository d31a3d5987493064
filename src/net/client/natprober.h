// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/nattype.h"

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
    /*!
     * The filtering request's first timeout is twice the RTT measured by the first request,
     * at least this and at most rto: an answer that does not come back within a few RTTs is
     * filtered, and waiting the full 4.5 s for it would slow down every port-restricted client.
     */
    std::chrono::milliseconds filteringRtoMin {100};
};

/*!
 * Classifies the NAT in front of this device against a StunServer at \a server (primary and
 * alternate UDP port). Never throws, never hangs: when the server does not answer it returns
 * "unknown" after rto * (2^attempts - 1) (4.5 s by default); otherwise the worst case is that
 * plus the longer of the mapping and filtering requests, which run at the same time.
 *
 * 1. From socket A (fresh, the OS picks the port): Binding request to the primary port → the
 *    mapped endpoint (publicUdp). No answer → Mapping::Unknown, done. Mapped endpoint == one of
 *    this host's addresses with A's local port → Mapping::None ("open").
 * 2. From socket B (fresh), started right after 1: Binding request to the primary port with
 *    CHANGE-REQUEST(change port). The answer arrives from the alternate port →
 *    Filtering::AddressDependent ("at most address-dependent", see nattype.h); no answer →
 *    Filtering::AddressAndPortDependent; an error answer → Filtering::Unknown. B never sends to
 *    the alternate port, so that answer is unsolicited for its NAT mapping. A separate socket
 *    also keeps the unsolicited answer away from A's mapping: a NAT whose own stack accepts it
 *    (RST-answering routers, docs/nat-traversal.md §4.5) would otherwise occupy the tuple A
 *    needs next and make a cone NAT look symmetric.
 * 3. From A, alongside 2 (skipped when open): Binding request to the alternate port → same
 *    mapped endpoint as 1: EndpointIndependent; different: Dependent ("symmetric"). No answer:
 *    mapping stays Unknown (publicUdp is set).
 * Responses are matched by transaction ID; anything else arriving on a socket is ignored.
 */
QCoro::Task<NatType> probeNat(
    QHostAddress server, quint16 primaryPort, quint16 altPort, NatProbeConfig config = {});

} // namespace PunchDrop
