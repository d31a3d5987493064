// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"
#include "net/wire/lookupstatus.h"
#include "net/wire/peerinfo.h"

#include <QList>
#include <QString>

namespace PunchDrop {

/*!
 * Turns what a user typed (`send --to QUERY`) into one device. In order:
 *  1. an exact device ID (dashes, spaces and case do not matter), optionally marked `id:`;
 *  2. `id:PREFIX`: a unique prefix of an ID (at least kMinPrefixLength characters, normalised
 *     like DeviceId::fromString); nothing else is tried for a marked query;
 *  3. a display name (case-insensitive, surrounding spaces ignored): unique → found, several →
 *     ambiguous;
 *  4. only when no name matches at all: a unique unmarked ID prefix (≥ kMinPrefixLength).
 * So a name always beats an ID prefix: a device whose ground key starts with "BOB2" cannot take
 * `--to bob2` from a device called bob2. Ambiguous → an error listing the candidates as
 * "name (SHORTID)"; nothing → "no online peer matches …". Pure, no I/O.
 *
 * Two ways to use it: resolve() over a list, or (for large populations such as the rendezvous
 * server's registry, which answers `lookup` with the same rules) construct a resolver for the
 * query, consider() each candidate and take result(): the query is parsed once and only the
 * matches are kept, at most kMaxCandidates of each kind.
 */
class PeerResolver
{
public:
    static constexpr int kMinPrefixLength = 4;
    //! Marks a query as an ID or ID prefix, never a name (case-insensitive).
    static constexpr QLatin1String kIdMarker {"id:"};
    //! Matches kept for an ambiguous result (the protocol's lookup-result carries as many).
    static constexpr int kMaxCandidates = 16;

    enum class Code {
        Found,
        NotFound,
        Ambiguous,
        EmptyQuery,
        Busy, //!< findPeer() only: the server refused the lookup (rate limit)
        ServerError, //!< findPeer() only: the lookup failed (timeout, connection lost)
        //! findPeer() only: the match is not a contact but carries a pinned contact's name
        Refused,
    };

    struct Result
    {
        DeviceId id; //!< null on error
        QString error;
        Code code = Code::NotFound;
        //! Found: the match; Ambiguous: the candidates (≤ kMaxCandidates). Empty otherwise.
        QList<PeerInfo> candidates;
        bool ok() const { return code == Code::Found; }
    };

    explicit PeerResolver(const QString &query);

    //! What the server's answer to a lookup means for the resolver's callers: Ok without a peer
    //! is NotFound; a local failure (timeout, connection lost, …) or a newer code is ServerError.
    static Code codeOf(LookupStatus status);

    //! Feeds one candidate (the caller leaves out its own device).
    void consider(const PeerInfo &peer);
    //! The exact device ID the query names, null if it is not one (a server can look it up in a
    //! hash instead of considering everybody).
    DeviceId exactId() const { return m_exact; }
    //! The query was marked `id:` (an ID or ID prefix only).
    bool idOnly() const { return m_idOnly; }
    //! The normalised ID prefix the query can stand for (marker removed), empty if none (a
    //! server's index narrows its candidates with it).
    QString idPrefix() const { return m_normalised; }
    //! Whether \a name is the name the query asks for (never for an `id:` query).
    bool matchesName(const QString &name) const;
    Result result() const;

    static Result resolve(const QList<PeerInfo> &online, const QString &query);

private:
    struct Matches
    {
        QList<PeerInfo> kept;
        int count = 0;
        void add(const PeerInfo &peer);
    };

    QString m_query; //!< trimmed
    QString m_normalised; //!< the ID prefix, when the query can be one
    bool m_idOnly = false;
    DeviceId m_exact;
    Matches m_exactMatch;
    Matches m_byPrefix;
    Matches m_byName;
};

} // namespace PunchDrop
