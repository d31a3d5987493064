// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/nattype.h"

#include <QCoreApplication>

namespace PunchDrop {

namespace {
// The stable texts (see docs/protocol/stun.md): they travel to the server and other peers.
constexpr QStringView kOpen = u"open";
constexpr QStringView kConeFull = u"cone (full)";
constexpr QStringView kConeRestricted = u"cone (restricted)";
constexpr QStringView kConePortRestricted = u"cone (port-restricted)";
constexpr QStringView kCone = u"cone";
constexpr QStringView kSymmetric = u"symmetric";
constexpr QStringView kSymmetricSequential = u"symmetric (sequential)";
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
        return (sequential ? kSymmetricSequential : kSymmetric).toString();
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
    } else if (s == kSymmetricSequential) {
        t.mapping = Mapping::Dependent;
        t.sequential = true;
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

QString NatType::displayName() const
{
    return displayName(toString());
}

QString NatType::displayName(QStringView text)
{
    // The stable texts of toString(), in the words of the installed translation (English without
    // one, as in the CLI). A text from a newer peer that is not one of them is shown as it is.
    const QStringView s = text.trimmed();
    if (s == kOpen)
        return QCoreApplication::translate("NatType", "open");
    if (s == kConeFull)
        return QCoreApplication::translate("NatType", "cone (full)");
    if (s == kConeRestricted)
        return QCoreApplication::translate("NatType", "cone (restricted)");
    if (s == kConePortRestricted)
        return QCoreApplication::translate("NatType", "cone (port-restricted)");
    if (s == kCone)
        return QCoreApplication::translate("NatType", "cone");
    if (s == kSymmetric)
        return QCoreApplication::translate("NatType", "symmetric");
    if (s == kSymmetricSequential)
        return QCoreApplication::translate("NatType", "symmetric (sequential)");
    if (s == kUnknown)
        return QCoreApplication::translate("NatType", "unknown");
    return s.toString();
}

QString NatType::explanation() const
{
    switch (mapping) {
    case Mapping::Unknown:
        return QCoreApplication::translate("NatType",
            "NAT type unknown: UDP discovery got no answer; direct connections "
            "will be tried, with the relay as fallback.");
    case Mapping::None:
        return QCoreApplication::translate("NatType",
            "No NAT: this device's address is public; peers can usually reach it "
            "directly.");
    case Mapping::Dependent:
        return QCoreApplication::translate("NatType",
            "Symmetric NAT: every destination gets a new public port, so hole "
            "punching from here only works towards open or cone peers that "
            "accept the connection; otherwise transfers use the relay.");
    case Mapping::EndpointIndependent:
        break;
    }
    switch (filtering) {
    case Filtering::EndpointIndependent:
        return QCoreApplication::translate("NatType",
            "Full-cone NAT: one public port for all destinations, open to "
            "everyone; direct connections are easy.");
    case Filtering::AddressDependent:
        return QCoreApplication::translate("NatType",
            "Cone NAT that accepts replies from other ports of a contacted "
            "host (restricted cone, possibly full cone); hole punching works.");
    case Filtering::AddressAndPortDependent:
        return QCoreApplication::translate("NatType",
            "Port-restricted cone NAT: one public port for all destinations, "
            "open only to endpoints contacted first; hole punching works.");
    case Filtering::Unknown:
        break;
    }
    return QCoreApplication::translate(
        "NatType", "Cone NAT: one public port for all destinations; hole punching works.");
}

} // namespace PunchDrop
