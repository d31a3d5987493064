// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/server/remotepresence.h"

#include <algorithm>

namespace PunchDrop {

quint32 RemotePresence::intern(const DeviceId &id, const QString &server)
{
    auto serverIt = m_serverIndex.constFind(server);
    if (serverIt == m_serverIndex.cend()) {
        serverIt = m_serverIndex.insert(server, quint32(m_servers.size()));
        m_servers.append(server);
    }
    const auto it = m_index.constFind(id);
    if (it != m_index.cend()) {
        m_devices[*it].server = *serverIt; // a device that moved to another server
        return *it;
    }
    quint32 index;
    if (!m_free.empty()) {
        index = m_free.back();
        m_free.pop_back();
        m_devices[index] = Device {id, *serverIt, {}};
    } else {
        index = quint32(m_devices.size());
        m_devices.push_back(Device {id, *serverIt, {}});
    }
    m_index.insert(id, index);
    return index;
}

void RemotePresence::releaseIfUnseen(quint32 index)
{
    Device &d = m_devices[index];
    if (!d.seenBy.empty())
        return;
    m_index.remove(d.id);
    d = Device {};
    m_free.push_back(index);
}

void RemotePresence::unlink(PresenceMember *member, quint32 index)
{
    const auto it = m_visible.find(member);
    if (it != m_visible.end()) {
        std::vector<quint32> &v = *it;
        const auto at = std::lower_bound(v.begin(), v.end(), index);
        if (at != v.end() && *at == index) {
            v.erase(at);
            --m_pairs;
        }
        if (v.empty())
            m_visible.erase(it);
    }
}

QList<PresenceMember *> RemotePresence::setSeenBy(
    const DeviceId &id, const QString &server, const QList<PresenceMember *> &now)
{
    QList<PresenceMember *> gone;
    if (now.isEmpty() && !m_index.contains(id))
        return gone;
    const quint32 index = intern(id, server);
    std::vector<PresenceMember *> &seenBy = m_devices[index].seenBy;
    for (PresenceMember *m : std::as_const(seenBy))
        if (!now.contains(m)) {
            gone.append(m);
            unlink(m, index);
        }
    std::vector<PresenceMember *> next;
    next.reserve(size_t(now.size()));
    for (PresenceMember *m : now) {
        if (std::find(next.begin(), next.end(), m) != next.end())
            continue;
        next.push_back(m);
        std::vector<quint32> &v = m_visible[m];
        const auto at = std::lower_bound(v.begin(), v.end(), index);
        if (at == v.end() || *at != index) {
            v.insert(at, index);
            ++m_pairs;
        }
    }
    m_devices[index].seenBy = std::move(next);
    releaseIfUnseen(index);
    return gone;
}

QList<DeviceId> RemotePresence::setVisible(
    PresenceMember *member, const QString &server, const QList<DeviceId> &now)
{
    QList<DeviceId> gone;
    QSet<quint32> wanted;
    for (const DeviceId &id : now) {
        const quint32 index = intern(id, server);
        wanted.insert(index);
        std::vector<PresenceMember *> &seenBy = m_devices[index].seenBy;
        if (std::find(seenBy.begin(), seenBy.end(), member) == seenBy.end()) {
            seenBy.push_back(member);
            std::vector<quint32> &v = m_visible[member];
            v.insert(std::lower_bound(v.begin(), v.end(), index), index);
            ++m_pairs;
        }
    }
    const auto it = m_visible.constFind(member);
    if (it == m_visible.cend())
        return gone;
    const quint32 serverIndex = m_serverIndex.value(server);
    const std::vector<quint32> had = *it; // a copy: unlink() edits it
    for (const quint32 index : had) {
        Device &d = m_devices[index];
        if (d.server != serverIndex || wanted.contains(index))
            continue;
        gone.append(d.id);
        d.seenBy.erase(std::remove(d.seenBy.begin(), d.seenBy.end(), member), d.seenBy.end());
        unlink(member, index);
        releaseIfUnseen(index);
    }
    return gone;
}

QSet<QString> RemotePresence::removeMember(PresenceMember *member)
{
    QSet<QString> servers;
    const auto it = m_visible.find(member);
    if (it == m_visible.end())
        return servers;
    const std::vector<quint32> had = std::move(*it);
    m_visible.erase(it);
    m_pairs -= qsizetype(had.size());
    for (const quint32 index : had) {
        Device &d = m_devices[index];
        servers.insert(m_servers.value(qsizetype(d.server)));
        d.seenBy.erase(std::remove(d.seenBy.begin(), d.seenBy.end(), member), d.seenBy.end());
        releaseIfUnseen(index);
    }
    return servers;
}

QList<PresenceMember *> RemotePresence::removeDevice(const DeviceId &id)
{
    const auto it = m_index.constFind(id);
    if (it == m_index.cend())
        return {};
    const quint32 index = *it;
    const std::vector<PresenceMember *> seenBy = std::move(m_devices[index].seenBy);
    m_devices[index].seenBy.clear();
    for (PresenceMember *m : seenBy)
        unlink(m, index);
    releaseIfUnseen(index);
    return QList<PresenceMember *>(seenBy.begin(), seenBy.end());
}

void RemotePresence::removeServer(
    const QString &server, const std::function<void(PresenceMember *, const DeviceId &)> &left)
{
    const bool all = server.isEmpty();
    if (!all && !m_serverIndex.contains(server))
        return;
    const quint32 serverIndex = m_serverIndex.value(server);
    QList<DeviceId> ids;
    for (const Device &d : m_devices)
        if (!d.id.isNull() && (all || d.server == serverIndex))
            ids.append(d.id);
    for (const DeviceId &id : std::as_const(ids))
        for (PresenceMember *m : removeDevice(id))
            left(m, id);
}

QSet<QString> RemotePresence::servers() const
{
    QSet<quint32> used;
    for (const Device &d : m_devices)
        if (!d.id.isNull())
            used.insert(d.server);
    QSet<QString> out;
    for (const quint32 s : used)
        out.insert(m_servers.value(qsizetype(s)));
    return out;
}

QSet<QString> RemotePresence::serversSeenBy(PresenceMember *member) const
{
    QSet<QString> out;
    for (const quint32 index : m_visible.value(member))
        out.insert(m_servers.value(qsizetype(m_devices[index].server)));
    return out;
}

void RemotePresence::clear()
{
    m_index.clear();
    m_devices.clear();
    m_free.clear();
    m_servers.clear();
    m_serverIndex.clear();
    m_visible.clear();
    m_pairs = 0;
}

} // namespace PunchDrop
