// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/relayjoin.h"

namespace PunchDrop::RelayJoin {

namespace {
QByteArray encodeWith(const char (&magic)[4], const QByteArray &token)
{
    QByteArray join(magic, 4);
    join.append(char(kVersion));
    join.append(token);
    return join;
}
} // namespace

QByteArray encode(const QByteArray &token)
{
    return encodeWith(kMagic, token);
}

QByteArray encodeClaim(const QByteArray &token)
{
    return encodeWith(kClaimMagic, token);
}

Parsed parse(QByteArrayView bytes)
{
    Parsed out;
    const bool claim = bytes.startsWith(QByteArrayView(kClaimMagic, 4));
    if (bytes.size() != kJoinSize || (!claim && !bytes.startsWith(QByteArrayView(kMagic, 4)))) {
        out.error = QStringLiteral("not a relay join");
        return out;
    }
    if (quint8(bytes.at(4)) != kVersion) {
        out.error = QStringLiteral("unsupported relay version %1").arg(quint8(bytes.at(4)));
        return out;
    }
    out.ok = true;
    out.claim = claim;
    out.token = bytes.sliced(5).toByteArray();
    return out;
}

} // namespace PunchDrop::RelayJoin
