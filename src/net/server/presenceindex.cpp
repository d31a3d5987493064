// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/presenceindex.h"

#include "net/server/presencemember.h"

#include <QRandomGenerator>

#include <algorithm>

namespace PunchDrop {

namespace {
template<typename Key>
void removeFrom(QHash<Key, QList<PresenceMember *>> &index, const Key &key, PresenceMember *client)
{
    const auto it = index.find(key);
    if (it == index.end())
        return;
    it->removeOne(client);
    if (it->isEmpty())
        index.erase(it);
}

PeerInfo infoOf(const PresenceMember *c)
{
    PeerInfo p;
    p.id = c->id();
    p.name = c->name();
    p.natType = c->natType();
    const DeviceDescription device = c->device();
    p.kind = device.kind;
    p.os = device.os;
    p.online = true;
    return p;
}
} // namespace

PresenceIndex::PresenceIndex(const PresenceLimits &limits)
    : m_limits(limits)
    , m_seed(QRandomGenerator::system()->generate64())
{ }

quint64 PresenceIndex::digestOf(const DeviceId &id) const
{
    return quint64(qHashBits(id.digest().constData(), size_t(id.digest().size()), size_t(m_seed)));
}

void PresenceIndex::add(PresenceMember *client)
{
    m_byId.insert(client->id(), client);
    m_byDigest.insert(digestOf(client->id()), client);
    m_byIdText[client->id().toString()] = client;
    m_byName[client->name().toCaseFolded()].append(client);
    m_byAddress[client->peerAddress()].append(client);
}

bool PresenceIndex::contains(const PresenceMember *client) const
{
    return client && m_byId.value(client->id()) == client;
}

void PresenceIndex::remove(PresenceMember *client)
{
    if (const auto it = m_watch.find(client); it != m_watch.end()) {
        m_watchEntries -= qint64(it->size());
        m_watch.erase(it);
    }
    if (!contains(client))
        return;
    m_byId.remove(client->id());
    m_byDigest.remove(digestOf(client->id()));
    m_byIdText.erase(client->id().toString());
    removeFrom(m_byName, client->name().toCaseFolded(), client);
    removeFrom(m_byAddress, client->peerAddress(), client);
}

void PresenceIndex::clear()
{
    m_byId.clear();
    m_byDigest.clear();
    m_byIdText.clear();
    m_byName.clear();
    m_byAddress.clear();
    m_watch.clear();
    m_watchEntries = 0;
}

PresenceIndex::WatchChange PresenceIndex::setWatch(
    const PresenceMember *client, const QList<DeviceId> &ids)
{
    std::vector<quint64> digests;
    digests.reserve(size_t(ids.size()));
    for (const DeviceId &id : ids)
        digests.push_back(digestOf(id));
    // Distinct IDs in the client's order, so a cut keeps the ones it listed first.
    std::vector<quint64> seen = digests;
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    WatchChange change;
    change.asked = int(seen.size());

    std::vector<quint64> &stored = m_watch[client];
    const qint64 others = m_watchEntries - qint64(stored.size());
    const qint64 room = std::clamp<qint64>(
        m_limits.maxWatchTotal - others, 0, std::max(0, m_limits.maxWatchPerClient));
    std::vector<quint64> kept;
    if (qint64(seen.size()) <= room) {
        kept = std::move(seen);
    } else {
        std::vector<quint64> taken;
        for (const quint64 d : digests) {
            if (qint64(kept.size()) >= room)
                break;
            if (std::find(taken.begin(), taken.end(), d) != taken.end())
                continue;
            taken.push_back(d);
            kept.push_back(d);
        }
        std::sort(kept.begin(), kept.end());
    }
    change.kept = int(kept.size());
    change.changed = kept != stored;
    kept.shrink_to_fit();
    m_watchEntries = others + qint64(kept.size());
    stored = std::move(kept);
    return change;
}

qint64 PresenceIndex::watchBytes() const
{
    qint64 bytes = 0;
    for (const std::vector<quint64> &list : m_watch)
        bytes += qint64(list.capacity() * sizeof(quint64));
    return bytes;
}

bool PresenceIndex::watches(const PresenceMember *who, quint64 digest) const
{
    const auto it = m_watch.constFind(who);
    return it != m_watch.cend() && std::binary_search(it->cbegin(), it->cend(), digest);
}

bool PresenceIndex::allows(const PresenceMember *target, const PresenceMember *other) const
{
    return allows(target, other->id(), other->peerAddress());
}

bool PresenceIndex::allows(
    const PresenceMember *target, const DeviceId &otherId, const QHostAddress &otherAddress) const
{
    return target->peerAddress() == otherAddress || watches(target, digestOf(otherId));
}

QSet<PresenceMember *> PresenceIndex::visibleTo(const PresenceMember *client) const
{
    QSet<PresenceMember *> visible;
    const quint64 own = digestOf(client->id());
    if (const auto it = m_watch.constFind(client); it != m_watch.cend()) {
        for (const quint64 d : *it) {
            PresenceMember *other = m_byDigest.value(d);
            // Mutual: the other must watch this client too.
            if (other && other != client && contains(other) && watches(other, own))
                visible.insert(other);
        }
    }
    if (const auto it = m_byAddress.constFind(client->peerAddress()); it != m_byAddress.cend())
        for (PresenceMember *c : *it)
            visible.insert(c);
    visible.remove(const_cast<PresenceMember *>(client));
    return visible;
}

void PresenceIndex::considerPrefix(PeerResolver &resolver, const PresenceMember *asker) const
{
    const QString prefix = resolver.idPrefix(); // without an `id:` marker
    if (prefix.isEmpty())
        return;
    for (auto it = m_byIdText.lower_bound(prefix);
         it != m_byIdText.end() && it->first.startsWith(prefix); ++it)
        if (it->second != asker)
            resolver.consider(infoOf(it->second));
}

PeerResolver::Result PresenceIndex::lookup(const QString &query, const PresenceMember *asker) const
{
    // The index only narrows the candidates; PeerResolver still decides, so the server and the
    // client's own resolution (LAN, cached presence) follow one set of rules.
    PeerResolver resolver(query);
    if (!resolver.exactId().isNull()) {
        const PresenceMember *c = m_byId.value(resolver.exactId());
        if (c && c != asker)
            resolver.consider(infoOf(c));
        return resolver.result();
    }
    considerPrefix(resolver, asker);
    const auto named = m_byName.constFind(query.trimmed().toCaseFolded());
    if (named != m_byName.cend())
        for (const PresenceMember *c : *named)
            if (c != asker)
                resolver.consider(infoOf(c));
    return resolver.result();
}

} // namespace PunchDrop
