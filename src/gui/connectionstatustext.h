// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "backend.h"

#include <QCoreApplication>
#include <QString>

namespace PunchDrop::Gui {

/*!
 * The status bar's words for the server connection and for what the NAT in front of this
 * device means, in plain language ("Direct connections: likely"); the technical NAT type and
 * its explanation go in the tooltip for those who want them.
 */
class ConnectionStatusText
{
    Q_DECLARE_TR_FUNCTIONS(ConnectionStatusText)
public:
    static QString server(const ServerStatus &status);
    //! Empty when it does not apply (LAN only: no NAT probe, and LAN paths are always direct).
    static QString nat(const ServerStatus &status);
    static QString natToolTip(const ServerStatus &status);
    //! The same plain words for a NAT type as NatType::toString() gives it ("open", "symmetric";
    //! a contact's, on its card's tooltip); "not checked yet" when \a natType is empty.
    static QString natWords(const QString &natType);
};

} // namespace PunchDrop::Gui
