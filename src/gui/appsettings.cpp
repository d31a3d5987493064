// SPDX-License-Identifier: GPL-3.0-or-later
#include "appsettings.h"

#include "core/configdir.h"

#include <QHostInfo>
#include <QSettings>
#include <QStringList>

namespace PunchDrop::Gui {

namespace {
// Not "general/…": QSettings maps an INI [General] section to the top level.
const QString kDisplayName = QStringLiteral("profile/displayName");
const QString kServerAddress = QStringLiteral("network/serverAddress");
const QString kDownloadDir = QStringLiteral("transfers/downloadDir");
const QString kStartMinimized = QStringLiteral("ui/startMinimized");
const QString kLanDiscovery = QStringLiteral("network/lanDiscovery");
const QString kPortMapping = QStringLiteral("network/portMapping");
const QString kLanguage = QStringLiteral("ui/language");
const QString kWelcomeDone = QStringLiteral("ui/welcomeDone");
} // namespace

AppSettings AppSettings::load(const ConfigDir &configDir)
{
    const auto settings = configDir.openSettings();
    AppSettings s;
    s.displayName = settings->value(kDisplayName, QHostInfo::localHostName()).toString();
    s.serverAddress = settings->value(kServerAddress).toString().trimmed();
    s.downloadDir = settings->value(kDownloadDir, ConfigDir::defaultDownloadDir()).toString();
    s.startMinimized = settings->value(kStartMinimized, false).toBool();
    s.lanDiscovery = settings->value(kLanDiscovery, true).toBool();
    s.portMapping = settings->value(kPortMapping, true).toBool();
    s.language = settings->value(kLanguage).toString();
    s.welcomeDone = settings->value(kWelcomeDone, false).toBool();
    if (!availableLanguages().contains(s.language))
        s.language.clear();
    return s;
}

bool AppSettings::save(const ConfigDir &configDir, QString *error) const
{
    QString dirError;
    if (!configDir.ensureExists(&dirError)) {
        if (error)
            *error = dirError;
        return false;
    }
    const auto settings = configDir.openSettings();
    settings->setValue(kDisplayName, displayName);
    settings->setValue(kServerAddress, serverAddress.trimmed());
    settings->setValue(kDownloadDir, downloadDir);
    // Earlier versions kept a global switch here that "Always accept" needed as well; the
    // contact's own flag (Contacts page) is all that counts now.
    settings->remove(QStringLiteral("transfers/autoAcceptTrusted"));
    settings->setValue(kStartMinimized, startMinimized);
    settings->setValue(kLanDiscovery, lanDiscovery);
    settings->setValue(kPortMapping, portMapping);
    settings->setValue(kLanguage, language);
    settings->setValue(kWelcomeDone, welcomeDone);
    settings->sync();
    if (settings->status() != QSettings::NoError) {
        if (error)
            *error = QStringLiteral("cannot write %1").arg(settings->fileName());
        return false;
    }
    return true;
}

QStringList AppSettings::availableLanguages()
{
    return {QString(), QStringLiteral("en"), QStringLiteral("zh_CN"), QStringLiteral("zh_TW")};
}

} // namespace PunchDrop::Gui
