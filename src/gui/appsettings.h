// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace PunchDrop {
class ConfigDir;
}

namespace PunchDrop::Gui {

//! The desktop app's settings, stored in settings.ini inside the config directory.
struct AppSettings
{
    QString displayName;
    QString serverAddress; //!< "host:port", or several comma-separated; empty = LAN only
    QString downloadDir;
    bool startMinimized = false; //!< start hidden in the tray
    //! Announce this device and find others on the local network (no server needed there).
    bool lanDiscovery = true;
    //! Ask the router to forward the punch port (UPnP-IGD / NAT-PMP): more direct connections.
    bool portMapping = true;
    QString language; //!< "" = system, "en", "zh_CN", "zh_TW"
    bool welcomeDone = false; //!< the first-start panel was dismissed

    //! Reads the settings; missing keys get defaults (host name, the platform's download folder).
    static AppSettings load(const ConfigDir &configDir);
    //! Writes and syncs; false with \a error when the file cannot be written.
    bool save(const ConfigDir &configDir, QString *error = nullptr) const;

    //! The languages offered in the settings ("" first = follow the system).
    static QStringList availableLanguages();

    friend bool operator==(const AppSettings &, const AppSettings &) = default;
};

} // namespace PunchDrop::Gui
