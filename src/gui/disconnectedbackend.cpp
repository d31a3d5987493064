// SPDX-License-Identifier: GPL-3.0-or-later
#include "disconnectedbackend.h"

#include <QFileInfo>
#include <QTimer>

namespace PunchDrop::Gui {

DisconnectedBackend::DisconnectedBackend(const DeviceId &self, QObject *parent)
    : Backend(parent)
    , m_self(self)
{
}

TransferSnapshot DisconnectedBackend::failedTransfer(quint64 id, const DeviceId &peer,
                                                     const QStringList &paths) const
{
    TransferSnapshot s;
    s.id = id;
    s.direction = TransferSnapshot::Direction::Outgoing;
    s.peer = peer;
    for (const QString &path : paths)
        s.items << QFileInfo(path).fileName();
    s.state = TransferSnapshot::State::Failed;
    s.error = tr("This build has no transfer engine");
    return s;
}

quint64 DisconnectedBackend::sendFiles(const DeviceId &peer, const QStringList &paths)
{
    const quint64 id = m_nextId++;
    // Reported from the event loop, like a real engine would.
    QTimer::singleShot(0, this, [this, snapshot = failedTransfer(id, peer, paths)] {
        Q_EMIT transferUpdated(snapshot);
    });
    return id;
}

void DisconnectedBackend::retryTransfer(quint64 id)
{
    QTimer::singleShot(0, this, [this, snapshot = failedTransfer(id, {}, {})] {
        Q_EMIT transferUpdated(snapshot);
    });
}

} // namespace PunchDrop::Gui
