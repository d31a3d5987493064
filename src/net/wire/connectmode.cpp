// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/connectmode.h"

namespace PunchDrop {

QString connectModeName(ConnectMode mode)
{
    switch (mode) {
    case ConnectMode::Auto:
        return QStringLiteral("auto");
    case ConnectMode::RelayOnly:
        return QStringLiteral("relay-only");
    case ConnectMode::DirectOnly:
        return QStringLiteral("direct-only");
    case ConnectMode::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

ConnectMode connectModeFromName(QStringView text)
{
    for (const ConnectMode mode :
        {ConnectMode::Auto, ConnectMode::RelayOnly, ConnectMode::DirectOnly}) {
        if (text == connectModeName(mode))
            return mode;
    }
    return ConnectMode::Unknown;
}

} // namespace PunchDrop
