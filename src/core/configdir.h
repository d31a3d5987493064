// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <memory>

class QSettings;

namespace PunchDrop {

/*!
 * Where everything that persists lives: the device identity (key + certificate), settings and
 * contacts. By default QStandardPaths' AppConfigLocation (on macOS AppDataLocation, in
 * Application Support); `--config-dir DIR` moves all of it into DIR, which is how two peers run
 * on one machine and how tests stay hermetic.
 */
class ConfigDir
{
public:
    //! \a overridePath empty: the platform's per-user config location.
    explicit ConfigDir(const QString &overridePath = {});

    QString path() const { return m_path; }
    QString filePath(const QString &name) const;

    //! Creates the directory (owner-only permissions when new). False with \a error on failure.
    bool ensureExists(QString *error) const;

    //! The application settings, an INI file inside the directory.
    std::unique_ptr<QSettings> openSettings() const;

    //! Where received files go unless the user chose otherwise.
    static QString defaultDownloadDir();

private:
    QString m_path;
};

} // namespace PunchDrop
