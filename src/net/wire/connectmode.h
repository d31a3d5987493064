// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

namespace PunchDrop {

//! Which paths a connect request allows (`connect.mode` on the wire, the CLI's --relay-only /
//! --no-relay).
enum class ConnectMode {
    Auto, //!< "auto": punch, then the relay
    RelayOnly, //!< "relay-only"
    DirectOnly, //!< "direct-only"
    //! A text this build does not know: the server answers it with connect-error "bad-mode".
    //! Encoded as "unknown" (which no server accepts).
    Unknown,
};

//! The stable wire text of \a mode ("auto", "relay-only", "direct-only", "unknown").
QString connectModeName(ConnectMode mode);
//! The inverse of connectModeName(); a text this build does not know gives Unknown.
ConnectMode connectModeFromName(QStringView text);

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::ConnectMode)
