// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

namespace PunchDrop {

//! Why the server closes a control connection: the `code` of an `error` frame (wire text in
//! brackets). New codes are appended.
enum class ServerError {
    Protocol, //!< "protocol": a malformed or unexpected frame, or one too large
    Version, //!< "version": a protocol version the server does not speak
    Idle, //!< "idle": nothing received for the idle timeout
    //! "replaced": another connection registered the same device; the client must not
    //! reconnect (the two would replace each other in a loop)
    Replaced,
    //! A code this build does not know (a newer server); "unknown".
    Unknown,
};

//! The stable wire text of \a error ("protocol", "version", "idle", "replaced", "unknown").
QString serverErrorName(ServerError error);
//! The inverse of serverErrorName(); a text this build does not know gives Unknown.
ServerError serverErrorFromName(QStringView text);

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::ServerError)
