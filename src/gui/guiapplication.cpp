// SPDX-License-Identifier: GPL-3.0-or-later
#include "guiapplication.h"

#include "appicon.h"
#include "appsettings.h"
#include "enginebackend.h"
#include "fileopenevents.h"
#include "instancechannel.h"
#include "mainwindow.h"
#include "trayicon.h"

#include "core/configdir.h"
#include "core/instancelock.h"
#include "core/logging.h"
#include "net/security/deviceidentity.h"
#include "transfer/transferengine.h"

#include <QApplication>
#include <QMessageBox>

#include <memory>

namespace PunchDrop::Gui {

namespace {
//! The engine behind the window: server connection, LAN discovery, punching, relay, transfers.
std::unique_ptr<Backend> createBackend(
    const DeviceIdentity &identity, const ConfigDir &configDir, bool noPortMap)
{
    auto backend
        = std::make_unique<EngineBackend>(identity, configDir, AppSettings::load(configDir));
    if (noPortMap)
        backend->setEngineTuning([](EngineConfig &config) { config.portMapping = false; });
    QString error;
    if (!backend->start(&error))
        qCWarning(lcGui) << "the transfer engine did not start:" << error;
    return backend;
}
} // namespace

int runGui(const GuiOptions &options)
{
    QApplication::setWindowIcon(AppIcon::icon());
    // Closing the window does not quit: the app lives on in the tray. MainWindow says when.
    QApplication::setQuitOnLastWindowClosed(false);
    const ConfigDir configDir(options.configDir);
    QString error;
    const std::unique_ptr<InstanceLock> lock = InstanceLock::acquire(configDir, &error);
    if (!lock) {
        // Already running: bring that window to the front, with the files given here.
        QString channelError;
        if (InstanceChannel::activateRunning(configDir, options.paths, &channelError)) {
            qCInfo(lcGui) << "handed over to the running app";
            return 0;
        }
        qCWarning(lcGui) << "the running app did not answer:" << channelError;
        QMessageBox::warning(nullptr, QObject::tr("PunchDrop"), error);
        return 1;
    }
    const auto identity = DeviceIdentity::loadOrCreate(configDir, &error);
    if (!identity) {
        QMessageBox::critical(nullptr, QObject::tr("PunchDrop"),
            QObject::tr("Cannot load this device's identity: %1").arg(error));
        return 1;
    }
    const std::unique_ptr<Backend> backend = createBackend(*identity, configDir, options.noPortMap);
    MainWindow window(backend.get(), configDir);
    QObject::connect(
        &window, &MainWindow::quitConfirmed, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    InstanceChannel channel(configDir);
    if (!channel.listen(&error))
        qCWarning(lcGui) << "a second launch cannot reach this one:" << error;
    QObject::connect(
        &channel, &InstanceChannel::activationRequested, &window, &MainWindow::activateWithFiles);
    // macOS: Finder's "Open With", drops on the Dock icon.
    FileOpenEvents fileOpens;
    QObject::connect(
        &fileOpens, &FileOpenEvents::filesOpened, &window, &MainWindow::activateWithFiles);
    const bool minimized = (options.minimized || window.settings().startMinimized)
        && options.paths.isEmpty()
        && TrayIcon::isAvailable(); // without a tray a hidden window could not come back
    if (!minimized)
        window.show();
    window.trayIcon()->setWindowVisible(!minimized);
    if (!options.paths.isEmpty())
        window.activateWithFiles(options.paths);
    qCDebug(lcGui) << "desktop app started, config in" << configDir.path();
    return QApplication::exec();
}

} // namespace PunchDrop::Gui
