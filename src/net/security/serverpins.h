// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QString>

#include <optional>

namespace PunchDrop {

/*!
 * The rendezvous servers this device has talked to, pinned on first use like SSH's known_hosts:
 * server address ("host:port", host lower-cased) → the server's DeviceId (the hash of the key its
 * TLS certificate carries). A later connection to the same address that presents another key is
 * refused: the server answers lookups by name and tells peers where to punch, so a stranger in
 * the middle must not be able to stand in for it. A JSON object in the config directory
 * (`servers.json`), written atomically.
 *
 * Fails closed: a file that exists but cannot be read or parsed (cut short, not JSON, an entry
 * that is not a device ID) is an error, never "no pins" — otherwise any damage to the file would
 * let an impostor be pinned and erase the other pins. Such a file is never written over.
 */
class ServerPins
{
public:
    explicit ServerPins(QString filePath);

    QString filePath() const { return m_path; }
    static QString keyFor(const QString &host, quint16 port);

    //! The pinned id for \a key (a null id: none yet). nullopt with \a error (naming the file
    //! and what to do) when the file exists but cannot be read or is damaged.
    std::optional<DeviceId> pinned(const QString &key, QString *error) const;
    //! Records \a id for \a key (replacing an old pin). False with \a error on I/O errors or a
    //! damaged file (left as it is).
    bool pin(const QString &key, const DeviceId &id, QString *error);
    //! Forgets \a key (a reinstalled server the user trusts again). False with \a error as pin().
    bool forget(const QString &key, QString *error);

private:
    QString m_path;
};

} // namespace PunchDrop
