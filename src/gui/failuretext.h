// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transfersnapshot.h"

#include <QCoreApplication>
#include <QString>

namespace PunchDrop::Gui {

/*!
 * What a failed transfer's row says: for every failure code (TransferError, and ConnectFailure
 * when no path formed) a sentence a person understands, naming the device and what to do about
 * it ("Studio isn't answering — is PunchDrop open there?"). Built from the codes alone, never
 * from the engine's message: that one may quote the other side, name local paths or internal
 * file names, and it is in the language it was made in. The message goes to the tooltip.
 */
class FailureText
{
    Q_DECLARE_TR_FUNCTIONS(PunchDrop::Gui::FailureText)
public:
    //! The row's text for \a snapshot, which is Failed or Declined.
    static QString explain(const TransferSnapshot &snapshot);

private:
    static QString connectFailure(ConnectFailure failure, const QString &peer);
    static QString transferError(const TransferSnapshot &snapshot, const QString &peer);
};

} // namespace PunchDrop::Gui
