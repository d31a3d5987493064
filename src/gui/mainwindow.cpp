// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include <QLabel>
#include <QStatusBar>

namespace PunchDrop::Gui {

MainWindow::MainWindow(const DeviceIdentity &identity, QWidget *parent)
    : QMainWindow(parent)
    , m_identity(identity)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("PunchDrop"));
    resize(720, 480);
    m_deviceLabel = new QLabel(tr("This device: %1").arg(identity.id().shortString()), this);
    m_deviceLabel->setObjectName(QStringLiteral("deviceIdLabel"));
    m_deviceLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_deviceLabel->setToolTip(identity.id().toString());
    statusBar()->addPermanentWidget(m_deviceLabel);
}

} // namespace PunchDrop::Gui
