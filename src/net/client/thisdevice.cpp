// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/thisdevice.h"

#include <QDir>
#include <QFile>
#include <QSysInfo>

#include <algorithm>
#include <iterator>

#if defined(Q_OS_WIN)
#include <windows.h>
#elif defined(Q_OS_MACOS)
#include <sys/sysctl.h>
#include <sys/types.h>
#endif

namespace PunchDrop::ThisDevice {

namespace {

//! SMBIOS chassis types of portable machines: Portable, Laptop, Notebook, Sub Notebook,
//! Convertible, Detachable (DMTF DSP0134, 7.4.1).
constexpr int kPortableChassis[] = {8, 9, 10, 14, 31, 32};

#if defined(Q_OS_WIN)
bool windowsHasBattery()
{
    SYSTEM_POWER_STATUS status {};
    if (!GetSystemPowerStatus(&status))
        return false;
    // 128: no system battery; 255: unknown status.
    return status.BatteryFlag != 128 && status.BatteryFlag != 255;
}
#elif defined(Q_OS_MACOS)
bool macModelIsBook()
{
    char model[256] = {};
    size_t size = sizeof model - 1;
    if (sysctlbyname("hw.model", model, &size, nullptr, 0) != 0)
        return false;
    return QByteArray(model).contains("Book");
}
#endif

} // namespace

bool linuxSysSaysLaptop(const QString &sysRoot)
{
    const QDir root(sysRoot);
    QFile chassis(root.filePath(QStringLiteral("sys/class/dmi/id/chassis_type")));
    if (chassis.open(QIODevice::ReadOnly)) {
        bool ok = false;
        const int type = chassis.read(16).trimmed().toInt(&ok);
        if (ok
            && std::find(std::begin(kPortableChassis), std::end(kPortableChassis), type)
                != std::end(kPortableChassis))
            return true;
    }
    const QDir supplies(root.filePath(QStringLiteral("sys/class/power_supply")));
    return !supplies.entryList({QStringLiteral("BAT*")}, QDir::Dirs | QDir::NoDotAndDotDot)
                .isEmpty();
}

DeviceOs osFromSysInfo(QStringView kernelType, QStringView productType)
{
    if (productType == u"windows")
        return DeviceOs::Windows;
    if (productType == u"macos" || productType == u"osx")
        return DeviceOs::Macos;
    if (productType == u"android")
        return DeviceOs::Other;
    if (kernelType == u"linux") // productType is the distribution there ("ubuntu", "debian")
        return DeviceOs::Linux;
    return kernelType.isEmpty() && productType.isEmpty() ? DeviceOs::Unknown : DeviceOs::Other;
}

DeviceKind detectKind(bool headless, const QString &sysRoot)
{
    if (headless)
        return DeviceKind::Server;
#if defined(Q_OS_WIN)
    Q_UNUSED(sysRoot);
    return windowsHasBattery() ? DeviceKind::Laptop : DeviceKind::Desktop;
#elif defined(Q_OS_MACOS)
    Q_UNUSED(sysRoot);
    return macModelIsBook() ? DeviceKind::Laptop : DeviceKind::Desktop;
#else
    return linuxSysSaysLaptop(sysRoot) ? DeviceKind::Laptop : DeviceKind::Desktop;
#endif
}

DeviceDescription describe(bool headless)
{
    DeviceDescription d;
    d.kind = detectKind(headless);
    d.os = osFromSysInfo(QSysInfo::kernelType(), QSysInfo::productType());
    return d;
}

} // namespace PunchDrop::ThisDevice
