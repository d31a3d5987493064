// SPDX-License-Identifier: GPL-3.0-or-later
#include "contactstore.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace PunchDrop {

namespace {

constexpr int kFormatVersion = 1;

} // namespace

bool ContactStore::sameName(const QString &a, const QString &b)
{
    return a.trimmed().compare(b.trimmed(), Qt::CaseInsensitive) == 0;
}

ContactStore::ContactStore(QString filePath, QObject *parent)
    : QObject(parent)
    , m_filePath(std::move(filePath))
{ }

bool ContactStore::load(QString *error)
{
    m_contacts.clear();
    QFile file(m_filePath);
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(m_filePath, file.errorString());
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (doc.isNull() || !doc.isObject()) {
        *error
            = QStringLiteral("%1 is not valid JSON: %2").arg(m_filePath, parseError.errorString());
        return false;
    }
    const QJsonArray list = doc.object().value(u"contacts").toArray();
    for (const QJsonValue &v : list) {
        const QJsonObject o = v.toObject();
        Contact c;
        c.id = DeviceId::fromString(o.value(u"id").toString());
        if (c.id.isNull()) {
            *error = QStringLiteral("%1: a contact has an invalid device id").arg(m_filePath);
            m_contacts.clear();
            return false;
        }
        c.name = o.value(u"name").toString();
        c.firstSeen = QDateTime::fromString(o.value(u"firstSeen").toString(), Qt::ISODateWithMs);
        c.lastSeen = QDateTime::fromString(o.value(u"lastSeen").toString(), Qt::ISODateWithMs);
        c.lastOnline = QDateTime::fromString(o.value(u"lastOnline").toString(), Qt::ISODateWithMs);
        c.device.kind = deviceKindFromName(o.value(u"kind").toString());
        c.device.os = deviceOsFromName(o.value(u"os").toString());
        c.autoAccept = o.value(u"autoAccept").toBool();
        c.verified = o.value(u"verified").toBool();
        c.userNamed = o.value(u"userNamed").toBool();
        // Written by a version that let a contact take another's name: mark the later one.
        if (!c.name.trimmed().isEmpty() && findByName(c.name))
            c.name = QStringLiteral("%1 (%2)").arg(c.name, c.id.shortString());
        m_contacts.append(c);
    }
    return true;
}

bool ContactStore::save(QString *error)
{
    QJsonArray list;
    for (const Contact &c : std::as_const(m_contacts)) {
        QJsonObject entry {
            {QStringLiteral("id"), c.id.toString()},
            {QStringLiteral("name"), c.name},
            {QStringLiteral("firstSeen"), c.firstSeen.toString(Qt::ISODateWithMs)},
            {QStringLiteral("lastSeen"), c.lastSeen.toString(Qt::ISODateWithMs)},
            {QStringLiteral("lastOnline"), c.lastOnline.toString(Qt::ISODateWithMs)},
            {QStringLiteral("autoAccept"), c.autoAccept},
            {QStringLiteral("verified"), c.verified},
            {QStringLiteral("userNamed"), c.userNamed},
        };
        if (c.device.kind != DeviceKind::Unknown)
            entry.insert(QStringLiteral("kind"), deviceKindName(c.device.kind));
        if (c.device.os != DeviceOs::Unknown)
            entry.insert(QStringLiteral("os"), deviceOsName(c.device.os));
        list.append(entry);
    }
    const QJsonObject root {
        {QStringLiteral("version"), kFormatVersion}, {QStringLiteral("contacts"), list}};
    QSaveFile file(m_filePath);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_filePath, file.errorString());
        return false;
    }
    file.write(QJsonDocument(root).toJson());
    if (!file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(m_filePath, file.errorString());
        return false;
    }
    Q_EMIT contactsChanged();
    return true;
}

std::optional<Contact> ContactStore::find(const DeviceId &id) const
{
    for (const Contact &c : m_contacts) {
        if (c.id == id)
            return c;
    }
    return std::nullopt;
}

std::optional<Contact> ContactStore::findByName(const QString &name) const
{
    for (const Contact &c : m_contacts) {
        if (sameName(c.name, name))
            return c;
    }
    return std::nullopt;
}

std::optional<Contact> ContactStore::namesakeOf(const DeviceId &id, const QString &name) const
{
    if (name.trimmed().isEmpty())
        return std::nullopt;
    for (const Contact &c : m_contacts) {
        if (c.id != id && sameName(c.name, name))
            return c;
    }
    return std::nullopt;
}

ContactStore::TrustCheck ContactStore::check(const DeviceId &id, const QString &name) const
{
    const std::optional<Contact> namesake = namesakeOf(id, name);
    if (const std::optional<Contact> known = find(id)) {
        // A name the user gave stays; so does the pinned one when the device claims none.
        const bool keepPinned = known->userNamed || name.trimmed().isEmpty();
        if (!namesake)
            return {Trust::Known, {}, keepPinned ? known->name : name, {}};
        return {Trust::Known, {}, known->name,
            QCoreApplication::translate("ContactStore",
                "your contact \"%1\" (device %2) now calls itself \"%3\", the name of your "
                "contact %4: it is shown under the name you know it by.")
                .arg(known->name, id.toString(), name, namesake->id.toString())};
    }
    if (namesake) {
        return {Trust::KeyChanged,
            QCoreApplication::translate("ContactStore",
                "\"%1\" now uses a different key (device %2, pinned %3). This "
                "may be a reinstall, or someone pretending to be \"%1\". Compare "
                "the verification code with the owner before trusting it again.")
                .arg(name, id.shortString(), namesake->id.shortString()),
            name, {}};
    }
    return {Trust::FirstContact, {}, name, {}};
}

bool ContactStore::remember(const DeviceId &id, const QString &name, QString *error)
{
    const TrustCheck trust = check(id, name);
    if (trust.trust == Trust::KeyChanged) {
        *error = trust.warning;
        return false;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (Contact &c : m_contacts) {
        if (c.id == id) {
            // shownName keeps the pinned name when the new one is another contact's.
            if (!trust.shownName.trimmed().isEmpty())
                c.name = trust.shownName;
            c.lastSeen = now;
            return save(error);
        }
    }
    Contact added;
    added.id = id;
    added.name = name;
    added.firstSeen = now;
    added.lastSeen = now;
    m_contacts.append(added);
    qCInfo(lcTransfer) << "pinned new contact" << name << id.shortString();
    return save(error);
}

bool ContactStore::markOnline(const DeviceId &id, const QDateTime &now, QString *error)
{
    for (Contact &c : m_contacts) {
        if (c.id != id)
            continue;
        const bool stale
            = !c.lastOnline.isValid() || c.lastOnline.secsTo(now) >= kOnlineSaveIntervalSecs;
        c.lastOnline = now;
        return !stale || save(error);
    }
    return true;
}

bool ContactStore::noteDevice(const DeviceId &id, const DeviceDescription &device, QString *error)
{
    for (Contact &c : m_contacts) {
        if (c.id != id)
            continue;
        DeviceDescription next = c.device;
        if (device.kind != DeviceKind::Unknown)
            next.kind = device.kind;
        if (device.os != DeviceOs::Unknown)
            next.os = device.os;
        if (next == c.device)
            return true;
        c.device = next;
        return save(error);
    }
    return true;
}

bool ContactStore::reverify(const QString &name, const DeviceId &newId, QString *error)
{
    m_contacts.removeIf([&](const Contact &c) { return sameName(c.name, name) && c.id != newId; });
    qCInfo(lcTransfer) << "re-verified contact" << name << "now" << newId.shortString();
    return remember(newId, name, error);
}

Contact *ContactStore::contactFor(const DeviceId &id, QString *error)
{
    for (Contact &c : m_contacts) {
        if (c.id == id)
            return &c;
    }
    *error = QCoreApplication::translate("ContactStore", "Device %1 is not a contact.")
                 .arg(id.shortString());
    return nullptr;
}

bool ContactStore::setAutoAccept(const DeviceId &id, bool autoAccept, QString *error)
{
    Contact *c = contactFor(id, error);
    if (!c)
        return false;
    c->autoAccept = autoAccept;
    return save(error);
}

bool ContactStore::setVerified(const DeviceId &id, bool verified, QString *error)
{
    Contact *c = contactFor(id, error);
    if (!c)
        return false;
    c->verified = verified;
    return save(error);
}

bool ContactStore::rename(const DeviceId &id, const QString &name, QString *error)
{
    const QString wanted = name.trimmed();
    if (wanted.isEmpty()) {
        *error = QCoreApplication::translate("ContactStore", "A contact needs a name.");
        return false;
    }
    if (const std::optional<Contact> other = namesakeOf(id, wanted)) {
        *error = QCoreApplication::translate(
            "ContactStore", "Another contact (device %1) is called \"%2\" already.")
                     .arg(other->id.shortString(), other->name);
        return false;
    }
    Contact *c = contactFor(id, error);
    if (!c)
        return false;
    c->name = wanted;
    c->userNamed = true;
    return save(error);
}

bool ContactStore::remove(const DeviceId &id, QString *error)
{
    if (m_contacts.removeIf([&](const Contact &c) { return c.id == id; }) == 0) {
        *error = QStringLiteral("unknown contact %1").arg(id.shortString());
        return false;
    }
    qCInfo(lcTransfer) << "forgot contact" << id.shortString();
    return save(error);
}

} // namespace PunchDrop
