// SPDX-License-Identifier: GPL-3.0-or-later
#include "peerresolver.h"

#include <QStringList>

namespace PunchDrop {

namespace {
QString candidates(const QList<const PeerInfo *> &matches)
{
    QStringList names;
    for (const PeerInfo *p : matches)
        names << QStringLiteral("%1 (%2)").arg(p->name, p->id.shortString());
    names.sort();
    return names.join(QStringLiteral(", "));
}
} // namespace

PeerResolver::Result PeerResolver::resolve(const QList<PeerInfo> &online, const QString &query)
{
    const QString trimmed = query.trimmed();
    if (trimmed.isEmpty())
        return {{}, QStringLiteral("no peer given")};

    const DeviceId exact = DeviceId::fromString(trimmed);
    if (!exact.isNull()) {
        for (const PeerInfo &p : online)
            if (p.id == exact)
                return {p.id, {}};
        return {{}, QStringLiteral("device %1 is not online").arg(exact.shortString())};
    }

    const QString normalised = DeviceId::normalise(trimmed);
    if (normalised.size() >= kMinPrefixLength) {
        QList<const PeerInfo *> matches;
        for (const PeerInfo &p : online)
            if (p.id.matchesPrefix(normalised) && !matches.contains(&p))
                matches.append(&p);
        if (matches.size() == 1)
            return {matches.first()->id, {}};
        if (matches.size() > 1)
            return {{},
                QStringLiteral("\"%1\" matches several devices: %2")
                    .arg(trimmed, candidates(matches))};
    }

    QList<const PeerInfo *> byName;
    for (const PeerInfo &p : online)
        if (p.name.compare(trimmed, Qt::CaseInsensitive) == 0)
            byName.append(&p);
    if (byName.size() == 1)
        return {byName.first()->id, {}};
    if (byName.size() > 1)
        return {{},
            QStringLiteral("several online devices are called \"%1\": %2; use the device ID")
                .arg(trimmed, candidates(byName))};
    return {{}, QStringLiteral("no online peer matches \"%1\"").arg(trimmed)};
}

} // namespace PunchDrop
