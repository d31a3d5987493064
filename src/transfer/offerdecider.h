// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <qcorotask.h>

namespace PunchDrop {

//! One entry of a transfer offer: a file or a directory, relative to the offer's root.
struct OfferItem
{
    QString relativePath; //!< '/'-separated, UTF-8 on the wire; sanitised before use
    qint64 size = 0;
    bool isDirectory = false;
    bool executable = false;
    QDateTime modified;
    friend bool operator==(const OfferItem &, const OfferItem &) = default;
};

//! An incoming offer, as a person deciding about it needs to see it.
struct IncomingOffer
{
    DeviceId sender;
    QString senderName; //!< a known contact's pinned name when the claimed one is another's
    //! The sender is a contact that now claims another contact's name: show this with the offer
    //! (it names both device IDs). Empty otherwise.
    QString nameWarning;
    bool firstContact = false; //!< never seen this device before: show the code
    QString verificationCode; //!< this session's code (SessionCode), the sender sees the same
    QList<OfferItem> items;
    qint64 totalBytes = 0;
    int fileCount = 0;
};

enum class OfferDecision { Accept, Decline, AcceptAlways };

/*!
 * Who decides about incoming offers: the GUI with a prompt, the CLI with --yes, tests with a
 * canned answer. The core never shows a dialog itself.
 */
class OfferDecider
{
public:
    virtual ~OfferDecider() = default;
    virtual QCoro::Task<OfferDecision> decide(IncomingOffer offer) = 0;
};

} // namespace PunchDrop
