// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "backend.h"

namespace PunchDrop::Gui {

/*!
 * The backend used while no transfer engine is linked in: this device's identity, LAN-only
 * status, no peers. A send (only reachable programmatically, as there are no contacts) ends at
 * once as a failed transfer that says so, rather than pretending to run.
 */
class DisconnectedBackend : public Backend
{
    Q_OBJECT
public:
    explicit DisconnectedBackend(const DeviceId &self, QObject *parent = nullptr);

    DeviceId selfId() const override { return m_self; }
    QList<PeerInfo> peers() const override { return {}; }
    ServerStatus serverStatus() const override { return {}; }
    quint64 sendFiles(const DeviceId &peer, const QStringList &paths) override;
    void cancelTransfer(quint64) override {}
    void retryTransfer(quint64 id) override;
    void setOfferDecider(OfferDecider *) override {}
    void applySettings(const AppSettings &) override {}
    bool hasActiveTransfers() const override { return false; }

private:
    TransferSnapshot failedTransfer(quint64 id, const DeviceId &peer, const QStringList &paths) const;

    DeviceId m_self;
    quint64 m_nextId = 1;
};

} // namespace PunchDrop::Gui
