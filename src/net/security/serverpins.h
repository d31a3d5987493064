// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QString>

namespace PunchDrop {

/*!
 * The rendezvous servers this device has talked to, pinned on first use like SSH's known_hosts:
 * server address ("host:port", host lower-cased) → the server's DeviceId (the hash of the key its
 * TLS certificate carries). A later connection to the same address that presents another key is
 * refused: the server answers lookups by name and tells peers where to punch, so a stranger in
 * the middle must not be able to stand in for it. A JSON object in the config directory
 * (`servers.json`), written atomically.
 */
class ServerPins
{
public:
    explicit ServerPins(QString filePath);

    QString filePath() const { return m_path; }
    static QString keyFor(const QString &host, quint16 port);

    //! The pinned id for \a key, null if none (or the file is unreadable).
    DeviceId pinned(const QString &key) const;
    //! Records \a id for \a key (replacing an old pin). False with \a error on I/O errors.
    bool pin(const QString &key, const DeviceId &id, QString *error);
    //! Forgets \a key (a reinstalled server the user trusts again).
    bool forget(const QString &key, QString *error);

private:
    QString m_path;
};

} // namespace PunchDrop
