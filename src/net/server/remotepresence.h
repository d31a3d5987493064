// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace PunchDrop {

class PresenceMember;

/*!
 * In a server cluster: which of this server's clients (members) see which devices registered
 * with other servers, so that a departure on either side can be told to the other. Pure data.
 *
 * Compact, because one public address may hold many devices across servers and each pair is
 * stored: a remote device is interned once (ID, its server) and a pair costs a 4-byte index in
 * the member's sorted vector plus a pointer in the device's list, ~12 bytes (a hash of IDs per
 * member cost ~130 bytes a pair: 1 M pairs, 130 MiB, in the 30 000-client bench).
 */
class RemotePresence
{
public:
    //! The members that see remote \a id (of \a server) from now on; returns those that saw it
    //! before and no longer do.
    QList<PresenceMember *> setSeenBy(
        const DeviceId &id, const QString &server, const QList<PresenceMember *> &now);
    //! The devices of \a server that \a member sees from now on; returns the IDs it saw before
    //! and no longer does.
    QList<DeviceId> setVisible(
        PresenceMember *member, const QString &server, const QList<DeviceId> &now);
    //! Forgets \a member; returns the servers whose devices it saw.
    QSet<QString> removeMember(PresenceMember *member);
    //! Forgets remote \a id; returns the members that saw it.
    QList<PresenceMember *> removeDevice(const DeviceId &id);
    //! Forgets every device of \a server (every remote device when empty), calling \a left for
    //! each pair that ends.
    void removeServer(
        const QString &server, const std::function<void(PresenceMember *, const DeviceId &)> &left);
    //! The servers whose devices someone here sees.
    QSet<QString> servers() const;
    //! The servers whose devices \a member sees.
    QSet<QString> serversSeenBy(PresenceMember *member) const;
    bool isEmpty() const { return m_index.isEmpty(); }
    qsizetype pairCount() const { return m_pairs; }
    void clear();

private:
    struct Device
    {
        DeviceId id;
        quint32 server = 0;
        std::vector<PresenceMember *> seenBy;
    };
    quint32 intern(const DeviceId &id, const QString &server);
    void releaseIfUnseen(quint32 index);
    void unlink(PresenceMember *member, quint32 index);

    QHash<DeviceId, quint32> m_index;
    std::vector<Device> m_devices;
    std::vector<quint32> m_free;
    QStringList m_servers; //!< interned server instances (a few; a restarted server adds one)
    QHash<QString, quint32> m_serverIndex;
    QHash<PresenceMember *, std::vector<quint32>> m_visible; //!< sorted device indexes
    qsizetype m_pairs = 0;
};

} // namespace PunchDrop
