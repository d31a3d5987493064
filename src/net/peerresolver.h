// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "deviceid.h"
#include "peerinfo.h"

#include <QList>
#include <QString>

namespace PunchDrop {

/*!
 * Turns what a user typed (`send --to QUERY`) into one online device. In order: an exact device
 * ID; a unique prefix of an ID (at least kMinPrefixLength characters, normalised like
 * DeviceId::fromString); a display name that is unique among the online peers (case-insensitive).
 * Ambiguous → an error listing the candidates as "name (SHORTID)"; nothing → "no online peer
 * matches …". Pure function.
 */
class PeerResolver
{
public:
    static constexpr int kMinPrefixLength = 4;

    struct Result
    {
        DeviceId id; //!< null on error
        QString error;
    };

    static Result resolve(const QList<PeerInfo> &online, const QString &query);
};

} // namespace PunchDrop
