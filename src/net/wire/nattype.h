// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/endpoint.h"

#include <QString>
#include <QStringView>

namespace PunchDrop {

/*!
 * What UDP discovery (probeNat, natprober.h) learned about the NAT in front of this device, in
 * RFC 4787 terms, and its stable text form shown by the GUI and CLI and sent to the server.
 *
 * The server has one IP address and two ports, so:
 * - Mapping::Dependent means "address- or address-and-port-dependent" (two ports of one IP
 *   got different mappings; it cannot tell which of the two RFC 4787 kinds it is).
 * - Filtering::AddressDependent from probeNat means "at most address-dependent": a reply from
 *   the server's *other port* got through, so the NAT does not filter on the remote port. A
 *   full cone (endpoint-independent filtering) passes that test too; telling the two apart needs
 *   a reply from a second IP address, which a one-address server cannot send.
 * - Filtering::EndpointIndependent is never reported by probeNat today; it exists for a future
 *   server with two addresses (and for tests and peers' texts).
 */
struct NatType
{
    enum class Mapping {
        Unknown,
        None, //!< the public address is the local address: no NAT (open internet)
        EndpointIndependent,
        Dependent, //!< "symmetric": a new public port per destination
    };
    enum class Filtering {
        Unknown,
        EndpointIndependent,
        AddressDependent,
        AddressAndPortDependent,
    };

    Mapping mapping = Mapping::Unknown;
    Filtering filtering = Filtering::Unknown;
    Endpoint publicUdp; //!< the mapped address seen by the server's primary port (may be set when
                        //!< mapping is Unknown)
    /*!
     * Mapping::Dependent only: the NAT hands out public ports in sequence — the mapping for the
     * server's second port came at most kSequentialStep ports above the first. Its next TCP
     * mappings are then predictable from the last one seen (port guessing narrows to them,
     * portguess.h); a NAT that allocates at random shows this by chance with odds ~2.5e-4.
     */
    bool sequential = false;
    static constexpr int kSequentialStep = 16;

    /*!
     * The stable text: "open", "cone (full)", "cone (restricted)", "cone (port-restricted)",
     * "cone" (filtering unknown), "symmetric", "symmetric (sequential)", "unknown". Other code and
     * peers parse it back with
     * fromString(); do not translate or change it.
     */
    QString toString() const;
    //! The inverse of toString() (publicUdp stays empty). Unrecognised text gives "unknown".
    static NatType fromString(QStringView text);

    /*!
     * toString() for people: translated by the installed QTranslator (context "NatType"), so the
     * CLI, which installs none, shows the stable English text. Never send or parse it.
     */
    QString displayName() const;
    //! displayName() of a stable text (e.g. a peer's); a text that is not one is returned as is.
    static QString displayName(QStringView text);

    //! One sentence for people (GUI tooltip, CLI): what the type means for direct connections.
    //! Translated like displayName().
    QString explanation() const;

    /*!
     * Whether a direct (hole-punched) connection can work from this side. False only for
     * symmetric mapping; unknown is treated as punchable, because trying costs a few seconds and
     * the relay remains as fallback.
     */
    bool punchable() const { return mapping != Mapping::Dependent; }

    bool isKnown() const { return mapping != Mapping::Unknown; }

    friend bool operator==(const NatType &a, const NatType &b)
    {
        return a.mapping == b.mapping && a.filtering == b.filtering && a.publicUdp == b.publicUdp
            && a.sequential == b.sequential;
    }
};

} // namespace PunchDrop
