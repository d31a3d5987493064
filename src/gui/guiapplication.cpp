// SPDX-License-Identifier: GPL-3.0-or-later
#include "guiapplication.h"

#include "mainwindow.h"

#include "core/configdir.h"
#include "core/logging.h"
#include "net/deviceidentity.h"

#include <QApplication>
#include <QIcon>
#include <QMessageBox>

namespace PunchDrop::Gui {

int runGui(const GuiOptions &options)
{
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/punchdrop.svg")));
    const ConfigDir configDir(options.configDir);
    QString error;
    const auto identity = DeviceIdentity::loadOrCreate(configDir, &error);
    if (!identity) {
        QMessageBox::critical(nullptr, QObject::tr("PunchDrop"),
                              QObject::tr("Cannot load this device's identity: %1").arg(error));
        return 1;
    }
    MainWindow window(*identity);
    if (!options.minimized)
        window.show();
    return QApplication::exec();
}

} // namespace PunchDrop::Gui
