// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/enginedevice.h"

#include "support/testhelpers.h"
#include "transfer/contactstore.h"

#include <QDir>

namespace PunchDrop::Test {

using namespace std::chrono_literals;

EngineDevice::EngineDevice(const QString &root, const QString &name, quint16 serverPort)
    : identity(ephemeralIdentity())
    , configDir(root + QStringLiteral("/conf-") + name)
    , downloadDir(root + QStringLiteral("/dl-") + name)
{
    config.serverHost = QStringLiteral("127.0.0.1");
    config.serverPort = serverPort;
    config.displayName = name;
    config.downloadDir = downloadDir;
    config.probeNat = false;
    config.timings.punch.deadline = 1500ms;
    config.timings.relayJoinTimeout = 3000ms;
    config.timings.handshakeTimeout = 3000ms;
}

bool EngineDevice::start()
{
    engine = std::make_unique<TransferEngine>(identity, configDir, config);
    engine->setOfferDecider(&decider);
    finished = std::make_unique<QSignalSpy>(engine.get(), &TransferEngine::transferFinished);
    QString error;
    if (engine->start(&error))
        return true;
    qWarning("engine %s: %s", qPrintable(config.displayName), qPrintable(error));
    return false;
}

bool EngineDevice::pin(const DeviceId &id, const QString &name)
{
    QString error;
    if (!configDir.ensureExists(&error))
        return false;
    ContactStore store(configDir.filePath(ContactStore::defaultFileName()));
    return store.load(&error) && store.remember(id, name, &error);
}

TransferResult EngineDevice::firstResult() const
{
    return !finished || finished->isEmpty() ? TransferResult {}
                                            : finished->first().at(1).value<TransferResult>();
}

QStringList EngineDevice::received() const
{
    return QDir(downloadDir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
}

} // namespace PunchDrop::Test
