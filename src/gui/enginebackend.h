// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "appsettings.h"
#include "backend.h"

#include "core/configdir.h"
#include "net/security/deviceidentity.h"

#include <qcorotask.h>

#include <memory>

namespace PunchDrop {
class ControlClient;
class TransferEngine;
struct EngineConfig;
} // namespace PunchDrop

namespace PunchDrop::Gui {

/*!
 * The real Backend: adapts TransferEngine (server connection, punching, relay, LAN, transfers)
 * to what the widgets need. LAN discovery and the server connection follow the settings;
 * changing either rebuilds the engine (only when no transfer is running on it; otherwise the
 * change applies at the next start).
 */
class EngineBackend : public Backend
{
    Q_OBJECT
public:
    EngineBackend(const DeviceIdentity &identity, const ConfigDir &configDir, AppSettings settings,
        QObject *parent = nullptr);
    ~EngineBackend() override;

    //! For tests: shorter timings, fixed LAN port, … applied to every engine this backend builds.
    void setEngineTuning(std::function<void(EngineConfig &)> tune) { m_tune = std::move(tune); }
    //! (Re)creates and starts the engine for the current settings. False with \a error.
    bool start(QString *error);
    TransferEngine *engine() const { return m_engine.get(); }

    DeviceId selfId() const override { return m_identity.id(); }
    QList<PeerInfo> peers() const override;
    ServerStatus serverStatus() const override { return m_status; }
    quint64 sendFiles(const DeviceId &peer, const QStringList &paths) override;
    void cancelTransfer(quint64 id) override;
    void retryTransfer(quint64 id) override;
    void setOfferDecider(OfferDecider *decider) override;
    void applySettings(const AppSettings &settings) override;
    bool hasActiveTransfers() const override;
    void findPeer(const QString &query) override;
    QList<Contact> contacts() const override;
    bool renameContact(const DeviceId &id, const QString &name, QString *error) override;
    bool setContactAutoAccept(const DeviceId &id, bool autoAccept, QString *error) override;
    bool setContactVerified(const DeviceId &id, bool verified, QString *error) override;
    bool forgetContact(const DeviceId &id, QString *error) override;

private:
    //! The engine's contact store, or nullptr with \a error when no engine runs.
    ContactStore *contactStore(QString *error);

    QCoro::Task<> lookUp(QString query);
    void setStatus(ServerStatus::State state, const QString &detail);
    void onClaimSettled();

    DeviceIdentity m_identity;
    ConfigDir m_configDir;
    AppSettings m_settings;
    std::unique_ptr<TransferEngine> m_engine;
    OfferDecider *m_decider = nullptr;
    ServerStatus m_status;
    std::function<void(EngineConfig &)> m_tune;
};

} // namespace PunchDrop::Gui
