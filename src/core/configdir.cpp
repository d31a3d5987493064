// SPDX-License-Identifier: GPL-3.0-or-later
#include "configdir.h"

#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>

namespace PunchDrop {

namespace {
// The per-user folder. macOS keeps an application's own files (here a private key, contacts and
// settings) in ~/Library/Application Support; ~/Library/Preferences, which AppConfigLocation
// gives there, is for preference plists. Elsewhere the config location.
QStandardPaths::StandardLocation defaultLocation()
{
#ifdef Q_OS_MACOS
    return QStandardPaths::AppDataLocation;
#else
    return QStandardPaths::AppConfigLocation;
#endif
}
} // namespace

ConfigDir::ConfigDir(const QString &overridePath)
{
    m_path = overridePath.isEmpty() ? QStandardPaths::writableLocation(defaultLocation())
                                    : QDir(overridePath).absolutePath();
    if (m_path.isEmpty()) // no writable location at all (a stripped-down system)
        m_path = QDir::home().absoluteFilePath(QStringLiteral(".punchdrop"));
}

QString ConfigDir::filePath(const QString &name) const
{
    return QDir(m_path).absoluteFilePath(name);
}

bool ConfigDir::ensureExists(QString *error) const
{
    QDir dir(m_path);
    if (dir.exists())
        return true;
    if (!dir.mkpath(QStringLiteral("."))) {
        if (error)
            *error = QStringLiteral("cannot create the config directory %1").arg(m_path);
        return false;
    }
    QFile::setPermissions(m_path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return true;
}

std::unique_ptr<QSettings> ConfigDir::openSettings() const
{
    return std::make_unique<QSettings>(
        filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
}

QString ConfigDir::defaultDownloadDir()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (dir.isEmpty())
        dir = QDir::home().absoluteFilePath(QStringLiteral("Downloads"));
    return dir;
}

} // namespace PunchDrop
