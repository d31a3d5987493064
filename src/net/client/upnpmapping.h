// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <chrono>
#include <functional>
#include <stop_token>

namespace PunchDrop {

/*!
 * The SOAP actions of an IGD's WAN*Connection service that a TCP port mapping needs:
 * libminiupnpc's in UpnpGateway, scripted in tests. Each returns 0 on success, a UPnP error code
 * (e.g. 718), or a negative libminiupnpc code when the device did not answer at all.
 */
class UpnpActions
{
public:
    virtual ~UpnpActions() = default;
    //! AddPortMapping (IGD v1 and v2): exactly \a external, or an error (718 when it is taken).
    virtual int addPortMapping(quint16 external, quint16 internal, std::chrono::seconds lease) = 0;
    //! AddAnyPortMapping (IGD v2 only): \a external if free, else one the gateway picks (\a
    //! granted).
    virtual int addAnyPortMapping(
        quint16 external, quint16 internal, std::chrono::seconds lease, quint16 *granted)
        = 0;
    //! The text of a UPnP error code, for the log.
    virtual QString errorText(int code) const = 0;
};

//! What upnpAddMapping() got.
struct UpnpMapping
{
    quint16 external = 0; //!< the external port the gateway forwards to us; 0: none
    std::chrono::seconds lease {0}; //!< granted lease (0: permanent, an IGD v1 that knows no other)
    QString error; //!< why not (empty on success)
    QString note; //!< on success: how it came about when not as asked (another port), for the log
    bool noAnswer = false; //!< the device did not answer at all (gone, or restarted elsewhere)
};

//! UPnP error codes upnpAddMapping() acts on (UPnP IGD v1/v2 WANIPConnection).
namespace UpnpError {
constexpr int InvalidAction = 401; //!< the device lacks the action (a "v2" without AddAny…)
constexpr int NotImplemented = 602; //!< OptionalActionNotImplemented
constexpr int ConflictInMappingEntry = 718; //!< the external port is mapped to another host
constexpr int SamePortValuesRequired = 724; //!< external and internal port must be equal
constexpr int OnlyPermanentLeasesSupported = 725; //!< IGD v1: lease 0 only
} // namespace UpnpError

//! IGD v1 after a 718 conflict: how many other (random) external ports are tried.
constexpr int kUpnpConflictRetries = 3;

/*!
 * Maps TCP \a external (asked for; the gateway may grant another) to our \a internal port:
 *  - IGD v2 (\a igd2): AddAnyPortMapping, which takes \a external when it is free or ours and
 *    otherwise picks a free port itself; a device that lacks the action (401, 602) is asked as
 *    a v1 one.
 *  - IGD v1: AddPortMapping; when another host holds the port (718 ConflictInMappingEntry), up
 *    to kUpnpConflictRetries more times with ports from \a randomPort (1024–65535, none twice).
 *  - 725 (only permanent leases): asked again with lease 0.
 * Asking again for the port it granted renews the mapping, or re-creates it after a restart.
 * Blocking (each action is a SOAP round trip); gives up between two actions once \a stop is
 * requested.
 */
UpnpMapping upnpAddMapping(UpnpActions &actions, bool igd2, quint16 internal, quint16 external,
    std::chrono::seconds lease, const std::function<quint16()> &randomPort,
    const std::stop_token &stop = {});

//! Whether \a serviceType (e.g. "urn:schemas-upnp-org:service:WANIPConnection:2") is IGD v2's
//! WANIPConnection, which has AddAnyPortMapping.
bool upnpServiceIsIgd2(const char *serviceType);

} // namespace PunchDrop
