// SPDX-License-Identifier: GPL-3.0-or-later
#include "transfer/recipientresolver.h"

#include <QCoreApplication>

#include <algorithm>

namespace PunchDrop {

namespace {
PeerResolver::Result foundResult(const PeerInfo &peer)
{
    PeerResolver::Result r;
    r.code = PeerResolver::Code::Found;
    r.id = peer.id;
    r.candidates = {peer};
    return r;
}

//! Texts for people, through the installed translator (the CLI installs none: English).
QString shown(const char *source)
{
    return QCoreApplication::translate("RecipientResolver", source);
}
} // namespace

RecipientResolver::RecipientResolver(QList<Contact> contacts, QList<PeerInfo> visible)
    : m_contacts(std::move(contacts))
    , m_visible(std::move(visible))
{ }

bool RecipientResolver::isContact(const DeviceId &id) const
{
    return std::any_of(
        m_contacts.cbegin(), m_contacts.cend(), [&id](const Contact &c) { return c.id == id; });
}

PeerInfo RecipientResolver::asPeer(const Contact &contact) const
{
    for (const PeerInfo &p : m_visible)
        if (p.id == contact.id)
            return p;
    PeerInfo p;
    p.id = contact.id;
    p.name = contact.name;
    p.source = PeerInfo::Source::Saved;
    p.pinned = true;
    return p;
}

PeerResolver::Result RecipientResolver::resolve(const QString &query) const
{
    const PeerResolver parsed(query);
    if (parsed.exactId().isNull() && !parsed.idOnly()) {
        QList<PeerInfo> named;
        for (const Contact &c : m_contacts)
            if (parsed.matchesName(c.name))
                named << asPeer(c);
        if (named.size() == 1)
            return foundResult(named.constFirst());
        if (named.size() > 1) {
            QStringList ids;
            for (const PeerInfo &p : std::as_const(named))
                ids << p.id.toString();
            PeerResolver::Result r;
            r.code = PeerResolver::Code::Ambiguous;
            r.candidates = named;
            r.error
                = shown(QT_TRANSLATE_NOOP("RecipientResolver",
                            "several contacts are called \"%1\" (%2); use id: and the device ID"))
                      .arg(query.trimmed(), ids.join(QStringLiteral(", ")));
            return r;
        }
    }
    const PeerResolver::Result r = PeerResolver::resolve(m_visible, query);
    return r.ok() ? accept(parsed, r.candidates.constFirst()) : r;
}

PeerResolver::Result RecipientResolver::vet(const QString &query, const PeerInfo &found) const
{
    PeerResolver parsed(query);
    parsed.consider(found);
    if (!parsed.result().ok()) {
        PeerResolver::Result r;
        r.error = shown(
            QT_TRANSLATE_NOOP("RecipientResolver",
                "the server answered \"%1\" with device %2 (\"%3\"), which does not match it"))
                      .arg(query.trimmed(), found.id.toString(), found.name);
        return r;
    }
    return accept(parsed, found);
}

PeerResolver::Result RecipientResolver::accept(
    const PeerResolver &query, const PeerInfo &found) const
{
    if (isContact(found.id) || query.exactId() == found.id)
        return foundResult(found); // a pinned key, or the user typed the key itself
    for (const Contact &c : m_contacts) {
        if (!ContactStore::sameName(c.name, found.name))
            continue;
        PeerResolver::Result r;
        r.code = PeerResolver::Code::Refused;
        r.candidates = {found};
        r.error
            = shown(QT_TRANSLATE_NOOP("RecipientResolver",
                        "device %1 calls itself \"%2\", the name of your contact %3, but it is not "
                        "that contact; if it is a new device of theirs, send to its full device ID "
                        "and compare the verification code"))
                  .arg(found.id.toString(), found.name, c.id.toString());
        return r;
    }
    return foundResult(found);
}

} // namespace PunchDrop
