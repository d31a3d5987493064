// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/peerresolver.h"

#include <QCoreApplication>
#include <QStringList>

namespace PunchDrop {

namespace {
QString candidateText(const QList<PeerInfo> &matches, int total)
{
    QStringList names;
    for (const PeerInfo &p : matches)
        names << QStringLiteral("%1 (%2)").arg(p.name, p.id.shortString());
    names.sort();
    QString text = names.join(QStringLiteral(", "));
    if (total > matches.size())
        text = QCoreApplication::translate("PeerResolver", "%1 and %2 more")
                   .arg(text, QString::number(total - matches.size()));
    return text;
}
} // namespace

void PeerResolver::Matches::add(const PeerInfo &peer)
{
    for (const PeerInfo &p : std::as_const(kept))
        if (p.id == peer.id)
            return; // the same device listed twice (e.g. LAN and server) is one match
    ++count;
    if (kept.size() < kMaxCandidates)
        kept.append(peer);
}

PeerResolver::Code PeerResolver::codeOf(LookupStatus status)
{
    switch (status) {
    case LookupStatus::Ambiguous:
        return Code::Ambiguous;
    case LookupStatus::Ok:
    case LookupStatus::NotFound:
        return Code::NotFound;
    case LookupStatus::Busy:
        return Code::Busy;
    case LookupStatus::BadQuery:
        return Code::EmptyQuery;
    case LookupStatus::Timeout:
    case LookupStatus::NotRegistered:
    case LookupStatus::ConnectionLost:
    case LookupStatus::Unknown:
        break;
    }
    return Code::ServerError;
}

PeerResolver::PeerResolver(const QString &query)
    : m_query(query.trimmed())
{
    QString id = m_query;
    if (m_query.startsWith(kIdMarker, Qt::CaseInsensitive)) {
        m_idOnly = true;
        id = m_query.mid(kIdMarker.size()).trimmed();
    }
    if (id.isEmpty())
        return;
    m_exact = DeviceId::fromString(id);
    if (m_exact.isNull()) {
        const QString normalised = DeviceId::normalise(id);
        if (normalised.size() >= kMinPrefixLength)
            m_normalised = normalised;
    }
}

bool PeerResolver::matchesName(const QString &name) const
{
    return !m_idOnly && !m_query.isEmpty()
        && name.trimmed().compare(m_query, Qt::CaseInsensitive) == 0;
}

void PeerResolver::consider(const PeerInfo &peer)
{
    if (m_query.isEmpty())
        return;
    if (!m_exact.isNull()) {
        if (peer.id == m_exact)
            m_exactMatch.add(peer);
        return;
    }
    if (!m_normalised.isEmpty() && peer.id.matchesPrefix(m_normalised))
        m_byPrefix.add(peer);
    if (matchesName(peer.name))
        m_byName.add(peer);
}

PeerResolver::Result PeerResolver::result() const
{
    Result r;
    if (m_query.isEmpty() || (m_idOnly && m_exact.isNull() && m_normalised.isEmpty())) {
        r.code = Code::EmptyQuery;
        r.error = m_idOnly ? QCoreApplication::translate(
                      "PeerResolver", "\"%1\" needs at least %2 characters of a device ID")
                                 .arg(m_query)
                                 .arg(kMinPrefixLength)
                           : QCoreApplication::translate("PeerResolver", "no peer given");
        return r;
    }
    auto found = [&r](const PeerInfo &p) {
        r.code = Code::Found;
        r.id = p.id;
        r.candidates = {p};
        return r;
    };
    if (!m_exact.isNull()) {
        if (m_exactMatch.count > 0)
            return found(m_exactMatch.kept.constFirst());
        r.error = QCoreApplication::translate("PeerResolver", "device %1 is not online")
                      .arg(m_exact.shortString());
        return r;
    }
    // A name beats an ID prefix; an unmarked prefix counts only when no name matches.
    if (m_byName.count == 1)
        return found(m_byName.kept.constFirst());
    if (m_byName.count > 1) {
        r.code = Code::Ambiguous;
        r.candidates = m_byName.kept;
        r.error = QCoreApplication::translate("PeerResolver",
            "several online devices are called \"%1\": %2; use id: and the device ID")
                      .arg(m_query, candidateText(m_byName.kept, m_byName.count));
        return r;
    }
    if (m_byPrefix.count == 1)
        return found(m_byPrefix.kept.constFirst());
    if (m_byPrefix.count > 1) {
        r.code = Code::Ambiguous;
        r.candidates = m_byPrefix.kept;
        r.error = QCoreApplication::translate("PeerResolver", "\"%1\" matches several devices: %2")
                      .arg(m_query, candidateText(m_byPrefix.kept, m_byPrefix.count));
        return r;
    }
    r.error
        = QCoreApplication::translate("PeerResolver", "no online peer matches \"%1\"").arg(m_query);
    return r;
}

PeerResolver::Result PeerResolver::resolve(const QList<PeerInfo> &online, const QString &query)
{
    PeerResolver resolver(query);
    for (const PeerInfo &p : online)
        resolver.consider(p);
    return resolver.result();
}

} // namespace PunchDrop
