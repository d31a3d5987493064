// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transferjob.h"

#include <QStringList>

#include <qcorotask.h>

namespace PunchDrop {

class DeviceIdentity;

/*!
 * Sends files and folders (recursively, empty folders included) over a secured socket:
 * HELLO, OFFER, then per file HEADER → (START|RESUME) → SENDFROM, DATA…, END → VERDICT, with
 * HEADERs pipelined so many small files cost no round trip each (see transferprotocol.h).
 *
 * run() always ends with a result (also emitted as finished()); the result's allVerified() says
 * whether the receiver verified every file's SHA-256.
 */
class OutgoingTransfer : public TransferJob
{
    Q_OBJECT
public:
    OutgoingTransfer(QSslSocket *socket, const DeviceIdentity &self, QStringList paths,
        QObject *parent = nullptr);

    QCoro::Task<TransferResult> run();

private:
    QCoro::Task<TransferResult> runImpl();

    QStringList m_paths;
};

} // namespace PunchDrop
