// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/server/presencemember.h"
#include "net/wire/deviceid.h"
#include "net/wire/peerresolver.h"

#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QSet>

#include <map>
#include <vector>

namespace PunchDrop {

//! Bounds of the watch lists a server keeps (see PresenceIndex).
struct PresenceLimits
{
    //! Device IDs one client may watch (the protocol allows ControlProtocol::kMaxWatch in one
    //! message; a server may keep fewer).
    int maxWatchPerClient = 1024;
    //! Watched IDs all clients together (8 bytes each: 4 M ≈ 32 MiB). When it is used up, new
    //! watch lists are cut to what is left and the client is told (`watch-limited`).
    qint64 maxWatchTotal = 4'000'000;
};

/*!
 * The rendezvous server's registry as pure data: who is registered, under which ID, name and
 * observed address, and whose presence each client wants. No sockets, no messages: the server
 * asks it who sees whom, who may learn what, and who matches a lookup.
 *
 * Consent: a client \e allows another when it watches it (the other is one of its contacts) or
 * both share one observed address (one home router: like a LAN). Everybody else is a stranger.
 * Two clients \e see each other (presence events) when each allows the other; so a one-sided
 * watch of someone who does not watch back reveals nothing about when they are online.
 *
 * Memory: a watch list is a sorted vector of 64-bit keyed digests of the IDs (8 bytes per
 * watched ID, not a set of strings and a reverse index), bounded per client and server-wide
 * (PresenceLimits). Lookups use an ID hash, an ordered ID-text index (prefixes) and a name
 * index, so their cost follows the matches, not the population.
 */
class PresenceIndex
{
public:
    explicit PresenceIndex(const PresenceLimits &limits = {});

    void add(PresenceMember *client);
    //! Removes \a client and its watch list (a no-op for clients not added).
    void remove(PresenceMember *client);
    PresenceMember *find(const DeviceId &id) const { return m_byId.value(id); }
    bool contains(const PresenceMember *client) const;
    qsizetype size() const { return m_byId.size(); }
    void clear();

    struct WatchChange
    {
        int asked = 0; //!< distinct IDs asked for
        int kept = 0; //!< IDs kept (fewer: over a per-client or the server-wide bound)
        bool changed = false; //!< the stored list differs from before
    };
    //! Replaces \a client's watch list (it need not be added yet: hello comes first).
    WatchChange setWatch(const PresenceMember *client, const QList<DeviceId> &ids);
    //! Watched IDs stored for all clients together.
    qint64 watchEntries() const { return m_watchEntries; }
    //! Bytes the stored watch lists take (their vectors' capacity), for measurements.
    qint64 watchBytes() const;

    //! Whether \a target allows \a other (watches it or shares its observed address).
    bool allows(const PresenceMember *target, const PresenceMember *other) const;
    //! The same for a device registered with another server of the cluster.
    bool allows(const PresenceMember *target, const DeviceId &otherId,
        const QHostAddress &otherAddress) const;
    //! Every registered client that sees \a client (the relation is symmetric), without it.
    QSet<PresenceMember *> visibleTo(const PresenceMember *client) const;

    //! PeerResolver's rules over the registry without \a asker, through the indexes.
    PeerResolver::Result lookup(const QString &query, const PresenceMember *asker) const;

private:
    quint64 digestOf(const DeviceId &id) const;
    bool watches(const PresenceMember *who, quint64 digest) const;
    void considerPrefix(PeerResolver &resolver, const PresenceMember *asker) const;

    PresenceLimits m_limits;
    quint64 m_seed = 0; //!< random per server: digests cannot be ground to collide offline
    QHash<DeviceId, PresenceMember *> m_byId;
    QHash<quint64, PresenceMember *> m_byDigest;
    std::map<QString, PresenceMember *> m_byIdText; //!< ordered: a prefix is a range
    QHash<QString, QList<PresenceMember *>> m_byName; //!< case-folded display name
    QHash<QHostAddress, QList<PresenceMember *>> m_byAddress; //!< observed address
    QHash<const PresenceMember *, std::vector<quint64>> m_watch; //!< sorted digests
    qint64 m_watchEntries = 0;
};

} // namespace PunchDrop
