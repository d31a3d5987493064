// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace PunchDrop::TlsBackend {

/*!
 * Every PunchDrop connection is TLS 1.3 only (DeviceIdentity::tlsConfiguration). Qt's native
 * backends lack it where PunchDrop runs: Schannel before Windows 11 / Server 2022, Secure
 * Transport on macOS. This makes Qt's OpenSSL backend the active one whenever it is available,
 * and returns false with a message for people when the active backend still cannot do TLS 1.3
 * (the OpenSSL backend plugin or the OpenSSL 3 libraries are missing). Call it once, after the
 * application object exists (backends are plugins) and before the first TLS socket.
 */
bool ensureTls13(QString *error);

} // namespace PunchDrop::TlsBackend
