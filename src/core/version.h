// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace PunchDrop {

//! The product version, from CMake's project(VERSION).
inline QString version()
{
    return QStringLiteral(PUNCHDROP_VERSION);
}

inline QString applicationName()
{
    return QStringLiteral("PunchDrop");
}

} // namespace PunchDrop
