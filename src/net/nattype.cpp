// SPDX-License-Identifier: GPL-3.0-or-later
#include "nattype.h"

namespace PunchDrop {

namespace {
// The stable texts (see docs/protocol/stun.md): they travel to the server and other peers.
constexpr QStringView kOpen = u"open";
constexpr QStringView kConeFull = u"cone (full)";
constexpr QStringView kConeRestricted = u"cone (restricted)";
constexpr QStringView kConePortRestricted = u"cone (port-restricted)";
constexpr QStringView kCone = u"cone";
constexpr QStringView kSymmetric = u"symmetric";
constexpr QStringView kUnknown = u"unknown";
} // namespace

QString NatType::toString() const
{
    switch (mapping) {
    case Mapping::Unknown:
        return kUnknown.toString();
    case Mapping::None:
        return kOpen.toString();
    case Mapping::Dependent:
        return kSymmetric.toString();
    case Mapping::EndpointIndependent:
        break;
    }
    switch (filtering) {
    case Filtering::EndpointIndependent:
        return kConeFull.toString();
    case Filtering::AddressDependent:
        return kConeRestricted.toString();
    case Filtering::AddressAndPortDependent:
        return kConePortRestricted.toString();
    case Filtering::Unknown:
        break;
    }
    return kCone.toString();
}

NatType NatType::fromString(QStringView text)
{
    NatType t;
    const QStringView s = text.trimmed();
    if (s == kOpen) {
        t.mapping = Mapping::None;
    } else if (s == kSymmetric) {
        t.mapping = Mapping::Dependent;
    } else if (s == kCone) {
        t.mapping = Mapping::EndpointIndependent;
    } else if (s == kConeFull) {
        t.mapping = Mapping::EndpointIndependent;
        t.filtering = Filtering::EndpointIndependent;
    } else if (s == kConeRestricted) {
        t.mapping = Mapping::EndpointIndependent;
        t.filtering = Filtering::AddressDependent;
    } else if (s == kConePortRestricted) {
        t.mapping = Mapping::EndpointIndependent;
        t.filtering = Filtering::AddressAndPortDependent;
    }
    return t;
}

QString NatType::explanation() const
{
    switch (mapping) {
    case Mapping::Unknown:
        return QStringLiteral("NAT type unknown: UDP discovery got no answer; direct connections "
                              "will be tried, with the relay as fallback.");
    case Mapping::None:
        return QStringLiteral("No NAT: this device's address is public; peers can usually reach it "
                              "directly.");
    case Mapping::Dependent:
        return QStringLiteral("Symmetric NAT: every destination gets a new public port, so hole "
                              "punching from here only works towards open or cone peers that "
                              "accept the connection; otherwise transfers use the relay.");
    case Mapping::EndpointIndependent:
        break;
    }
    switch (filtering) {
    case Filtering::EndpointIndependent:
        return QStringLiteral("Full-cone NAT: one public port for all destinations, open to "
                              "everyone; direct connections are easy.");
    case Filtering::AddressDependent:
        return QStringLiteral("Cone NAT that accepts replies from other ports of a contacted "
                              "host (restricted cone, possibly full cone); hole punching works.");
    case Filtering::AddressAndPortDependent:
        return QStringLiteral("Port-restricted cone NAT: one public port for all destinations, "
                              "open only to endpoints contacted first; hole punching works.");
    case Filtering::Unknown:
        break;
    }
    return QStringLiteral("Cone NAT: one public port for all destinations; hole punching works.");
}

} // namespace PunchDrop
