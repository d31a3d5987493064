// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/connectmode.h"

#include "net/wire/texttable.h"

namespace PunchDrop {

namespace {
constexpr TextTable<ConnectMode, 4> kNames {{
    {ConnectMode::Auto, u"auto"},
    {ConnectMode::RelayOnly, u"relay-only"},
    {ConnectMode::DirectOnly, u"direct-only"},
    {ConnectMode::Unknown, u"unknown"},
}};
} // namespace

QString connectModeName(ConnectMode mode)
{
    return nameIn(kNames, mode, u"unknown");
}

ConnectMode connectModeFromName(QStringView text)
{
    return valueIn(kNames, text, ConnectMode::Unknown);
}

} // namespace PunchDrop
