// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/relayjoin.h"

namespace PunchDrop::RelayJoin {

QByteArray encode(const QByteArray &token)
{
    QByteArray join(kMagic, 4);
    join.append(char(kVersion));
    join.append(token);
    return join;
}

Parsed parse(QByteArrayView bytes)
{
    Parsed out;
    if (bytes.size() != kJoinSize || !bytes.startsWith(QByteArrayView(kMagic, 4))) {
        out.error = QStringLiteral("not a relay join");
        return out;
    }
    if (quint8(bytes.at(4)) != kVersion) {
        out.error = QStringLiteral("unsupported relay version %1").arg(quint8(bytes.at(4)));
        return out;
    }
    out.ok = true;
    out.token = bytes.sliced(5).toByteArray();
    return out;
}

} // namespace PunchDrop::RelayJoin
