// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectionstatustext.h"

#include "net/wire/nattype.h"

namespace PunchDrop::Gui {

QString ConnectionStatusText::server(const ServerStatus &status)
{
    switch (status.state) {
    case ServerStatus::State::LanOnly:
        return tr("This network only (no server set)");
    case ServerStatus::State::Connecting:
        return tr("Connecting to %1…").arg(status.serverAddress);
    case ServerStatus::State::Online:
        return tr("Connected to %1").arg(status.serverAddress);
    case ServerStatus::State::Offline:
        return status.detail.isEmpty() ? tr("Server unreachable")
                                       : tr("Server unreachable: %1").arg(status.detail);
    }
    return {};
}

QString ConnectionStatusText::nat(const ServerStatus &status)
{
    if (status.state == ServerStatus::State::LanOnly)
        return {};
    // Over IPv6 there is no NAT in the way: only a firewall, which the punch opens.
    if (!status.ipv6.isEmpty()
        && NatType::fromString(status.natType).mapping != NatType::Mapping::None
        && NatType::fromString(status.natType).mapping != NatType::Mapping::EndpointIndependent)
        return tr("Direct connections: likely with IPv6 devices");
    return natWords(status.natType);
}

QString ConnectionStatusText::natWords(const QString &natType)
{
    if (natType.isEmpty())
        return tr("Direct connections: not checked yet");
    switch (NatType::fromString(natType).mapping) {
    case NatType::Mapping::None:
    case NatType::Mapping::EndpointIndependent:
        return tr("Direct connections: likely");
    case NatType::Mapping::Dependent:
        return tr("Direct connections: unlikely — the server relays");
    case NatType::Mapping::Unknown:
        break;
    }
    return tr("Direct connections: unknown");
}

QString ConnectionStatusText::natToolTip(const ServerStatus &status)
{
    if (status.natType.isEmpty())
        return tr("PunchDrop checks how this network's router (NAT) treats connections once it "
                  "reaches the server.");
    const NatType type = NatType::fromString(status.natType);
    QString tip
        = tr("NAT type: %1").arg(NatType::displayName(status.natType)) + u'\n' + type.explanation();
    if (!status.ipv6.isEmpty())
        tip += u'\n'
            + tr("IPv6: %1. Devices that have IPv6 too connect directly, whatever their NAT; "
                 "others go by IPv4.")
                  .arg(status.ipv6);
    return tip;
}

} // namespace PunchDrop::Gui
