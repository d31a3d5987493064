// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transferprotocol.h"

#include <QString>
#include <QStringList>

namespace PunchDrop {

/*!
 * The OFFER for a list of files and folders (folders walked recursively, empty ones included,
 * symlinked folders not followed), with the source path of every item. Built before connecting:
 * the walk of a big tree takes seconds, and once connected the receiver waits only
 * TransferTimeouts::hello for HELLO and OFFER.
 */
struct BuiltOffer
{
    Transfer::Offer offer;
    QStringList sources; //!< absolute source path per offer item
    QString error; //!< a path missing or unreadable, or the offer too large
    bool tooLarge = false; //!< the OFFER would not fit one frame (error says why)

    //! Walks \a paths (blocking: run it on a worker thread).
    static BuiltOffer build(const QStringList &paths);
};

} // namespace PunchDrop
