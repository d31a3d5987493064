// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/serverpins.h"

#include "net/wire/hostport.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace PunchDrop {

namespace {
QJsonObject load(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.read(1024 * 1024)).object();
}

bool save(const QString &path, const QJsonObject &pins, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(pins).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}
} // namespace

ServerPins::ServerPins(QString filePath)
    : m_path(std::move(filePath))
{ }

QString ServerPins::keyFor(const QString &host, quint16 port)
{
    return HostPort {host.toLower(), port}.toString();
}

DeviceId ServerPins::pinned(const QString &key) const
{
    return DeviceId::fromString(load(m_path).value(key).toString());
}

bool ServerPins::pin(const QString &key, const DeviceId &id, QString *error)
{
    QJsonObject pins = load(m_path);
    pins.insert(key, id.toString());
    return save(m_path, pins, error);
}

bool ServerPins::forget(const QString &key, QString *error)
{
    QJsonObject pins = load(m_path);
    if (!pins.contains(key))
        return true;
    pins.remove(key);
    return save(m_path, pins, error);
}

} // namespace PunchDrop
