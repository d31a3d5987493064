// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/portmapprotocol.h"

#include "net/wire/texttable.h"

namespace PunchDrop {

namespace {
constexpr TextTable<PortMapProtocol, 4> kNames {{
    {PortMapProtocol::Upnp, u"upnp"},
    {PortMapProtocol::NatPmp, u"natpmp"},
    {PortMapProtocol::Pcp, u"pcp"},
    {PortMapProtocol::Unknown, u"unknown"},
}};
} // namespace

QString portMapProtocolName(PortMapProtocol protocol)
{
    return nameIn(kNames, protocol, u"");
}

PortMapProtocol portMapProtocolFromName(QStringView text)
{
    if (text.isEmpty())
        return PortMapProtocol::None;
    return valueIn(kNames, text, PortMapProtocol::Unknown);
}

} // namespace PunchDrop
