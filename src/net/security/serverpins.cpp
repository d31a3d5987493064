// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/serverpins.h"

#include "net/wire/hostport.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace PunchDrop {

namespace {
constexpr qint64 kMaxFileSize = 1024 * 1024;

QString damaged(const QString &path, const QString &why)
{
    return QStringLiteral(
        "the server pin file %1 is damaged (%2); refusing to connect rather than trust an "
        "unknown server. Repair the file, or move it away to pin every server anew on the next "
        "connection")
        .arg(path, why);
}

//! The pins in \a path: an empty object if the file does not exist, nullopt if it is damaged.
std::optional<QJsonObject> load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.exists())
        return QJsonObject();
    if (!file.open(QIODevice::ReadOnly)) {
        *error = damaged(path, file.errorString());
        return std::nullopt;
    }
    if (file.size() > kMaxFileSize) {
        *error = damaged(path, QStringLiteral("larger than %1 bytes").arg(kMaxFileSize));
        return std::nullopt;
    }
    QJsonParseError parse {};
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parse);
    if (parse.error != QJsonParseError::NoError) {
        *error = damaged(path,
            QStringLiteral("not valid JSON at byte %1: %2")
                .arg(parse.offset)
                .arg(parse.errorString()));
        return std::nullopt;
    }
    if (!document.isObject()) {
        *error = damaged(path, QStringLiteral("not a JSON object"));
        return std::nullopt;
    }
    const QJsonObject pins = document.object();
    for (auto it = pins.begin(); it != pins.end(); ++it) {
        if (DeviceId::fromString(it.value().toString()).isNull()) {
            *error = damaged(
                path, QStringLiteral("the entry for %1 is not a device ID").arg(it.key()));
            return std::nullopt;
        }
    }
    return pins;
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

std::optional<DeviceId> ServerPins::pinned(const QString &key, QString *error) const
{
    QString why;
    const std::optional<QJsonObject> pins = load(m_path, &why);
    if (!pins) {
        if (error)
            *error = why;
        return std::nullopt;
    }
    return DeviceId::fromString(pins->value(key).toString());
}

bool ServerPins::pin(const QString &key, const DeviceId &id, QString *error)
{
    QString why;
    std::optional<QJsonObject> pins = load(m_path, &why);
    if (!pins) {
        if (error)
            *error = why;
        return false;
    }
    pins->insert(key, id.toString());
    return save(m_path, *pins, error);
}

bool ServerPins::forget(const QString &key, QString *error)
{
    QString why;
    std::optional<QJsonObject> pins = load(m_path, &why);
    if (!pins) {
        if (error)
            *error = why;
        return false;
    }
    if (!pins->contains(key))
        return true;
    pins->remove(key);
    return save(m_path, *pins, error);
}

} // namespace PunchDrop
