// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/configdir.h"
#include "net/security/deviceidentity.h"
#include "support/scripteddecider.h"
#include "transfer/transferengine.h"

#include <QSignalSpy>
#include <QStringList>

#include <memory>

namespace PunchDrop::Test {

/*!
 * One device for engine-level tests: a fresh identity, its own config and download folders under
 * \a root, a TransferEngine on the server at 127.0.0.1:\a serverPort (no NAT probe, short punch
 * and relay timings) and a decider that accepts every offer and counts them.
 */
struct EngineDevice
{
    EngineDevice(const QString &root, const QString &name, quint16 serverPort);
    //! Creates and starts the engine; false if it cannot start.
    bool start();
    //! Pins \a id as \a name in this device's contact store (before start()).
    bool pin(const DeviceId &id, const QString &name);
    TransferResult firstResult() const;
    //! The files in the download folder (hidden ones included).
    QStringList received() const;

    DeviceIdentity identity;
    ConfigDir configDir;
    QString downloadDir;
    EngineConfig config;
    ScriptedDecider decider;
    std::unique_ptr<TransferEngine> engine;
    std::unique_ptr<QSignalSpy> finished; //!< transferFinished, from start()
};

} // namespace PunchDrop::Test
