// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/devicedescription.h"

#include <QString>
#include <QStringView>

namespace PunchDrop {

/*!
 * What this device says about itself (DeviceDescription): sent in the control protocol's hello
 * and the LAN announcement so that peers draw the right icon on its contact card.
 *
 * Kind: a headless instance (the CLI, `punchdrop receive`, `--server`) is a "server"; otherwise
 * a "laptop" when the hardware says so (Linux: /sys/class/dmi/id/chassis_type is one of the
 * SMBIOS portable types 8, 9, 10, 14, 31, 32, or a battery /sys/class/power_supply/BAT*;
 * Windows: GetSystemPowerStatus reports a system battery; macOS: the model name contains
 * "Book"), else a "desktop". OS: from QSysInfo.
 *
 * The parts that read the system take their inputs as parameters (a /sys root, the QSysInfo
 * texts), so unit tests feed fake trees.
 */
namespace ThisDevice {

//! Linux: whether the /sys tree under \a sysRoot ("/" normally) describes a portable machine.
bool linuxSysSaysLaptop(const QString &sysRoot);

//! The OS token for QSysInfo's kernelType() and productType() texts.
DeviceOs osFromSysInfo(QStringView kernelType, QStringView productType);

//! This machine: headless → Server; else Laptop or Desktop from the hardware (\a sysRoot on
//! Linux).
DeviceKind detectKind(bool headless, const QString &sysRoot = QStringLiteral("/"));

//! This device's description (kind and OS). \a headless: the CLI or the server.
DeviceDescription describe(bool headless);

} // namespace ThisDevice

} // namespace PunchDrop
