// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"
#include "net/wire/peerinfo.h"

#include <QList>
#include <QString>

namespace PunchDrop {

/*!
 * Turns what a user typed (`send --to QUERY`) into one device. In order: an exact device ID; a
 * unique prefix of an ID (at least kMinPrefixLength characters, normalised like
 * DeviceId::fromString); a display name that is unique among the candidates (case-insensitive).
 * Ambiguous → an error listing the candidates as "name (SHORTID)"; nothing → "no online peer
 * matches …". Pure, no I/O.
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
    //! Matches kept for an ambiguous result (the protocol's lookup-result carries as many).
    static constexpr int kMaxCandidates = 16;

    enum class Code {
        Found,
        NotFound,
        Ambiguous,
        EmptyQuery,
        Busy, //!< findPeer() only: the server refused the lookup (rate limit)
        ServerError, //!< findPeer() only: the lookup failed (timeout, connection lost)
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

    //! Feeds one candidate (the caller leaves out its own device).
    void consider(const PeerInfo &peer);
    //! The exact device ID the query names, null if it is not one (a server can look it up in a
    //! hash instead of considering everybody).
    DeviceId exactId() const { return m_exact; }
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
    QString m_normalised;
    DeviceId m_exact;
    Matches m_exactMatch;
    Matches m_byPrefix;
    Matches m_byName;
};

} // namespace PunchDrop
