// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"
#include "transfer/filesink.h"
#include "transfer/transferjob.h"

#include <QString>

#include <qcorotask.h>

namespace PunchDrop {

class ContactStore;
class DeviceIdentity;
class OfferDecider;

struct ReceiveOptions
{
    QString downloadDir; //!< created if missing
    OfferDecider *decider = nullptr; //!< nullptr: decline everything not auto-accepted
    ContactStore *contacts = nullptr; //!< nullptr: no pinning (tests, one-shot CLI)
    //! Accept without asking from contacts marked "always accept" (the GUI setting "accept
    //! files from trusted contacts without asking"); false: every offer goes to the decider.
    bool honourAutoAccept = true;
    //! Extra free space to keep beyond the offer's size when checking before accepting.
    qint64 freeSpaceMargin = 16 * 1024 * 1024;
    //! How part files are opened (default: QFile). Tests inject failing devices.
    PartDeviceFactory partDeviceFactory;
    //! Called on the worker thread while a held part file's prefix is hashed for a resume
    //! (bytes hashed so far); optional. See FileSink::inspect.
    FileSink::InspectProgress inspectProgress;
};

/*!
 * Receives an offer over a secured socket into ReceiveOptions::downloadDir, safely: every path
 * is sanitised (SafePath), data goes to `<name>.pdpart` and is renamed into place only after its
 * SHA-256 verified, existing files are never overwritten, free space is checked before
 * accepting, interrupted files are resumed, and the decision goes through OfferDecider (or
 * the contact's auto-accept flag). A known contact name with a new key is refused.
 *
 * run() always ends with a result (also emitted as finished()).
 */
class IncomingTransfer : public TransferJob
{
    Q_OBJECT
public:
    IncomingTransfer(QSslSocket *socket, const DeviceIdentity &self, DeviceId sender,
        QString senderName, ReceiveOptions options, QObject *parent = nullptr);

    QCoro::Task<TransferResult> run();

    //! The offer as presented to the decider (valid once state() is Waiting).
    const IncomingOffer &offer() const { return m_offer; }

private:
    QCoro::Task<TransferResult> runImpl();

    DeviceId m_self;
    DeviceId m_sender;
    QString m_senderName;
    ReceiveOptions m_options;
    IncomingOffer m_offer;
};

} // namespace PunchDrop
