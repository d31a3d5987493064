// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/deviceidentity.h"

#include <QMainWindow>

class QLabel;

namespace PunchDrop::Gui {

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(const DeviceIdentity &identity, QWidget *parent = nullptr);

private:
    DeviceIdentity m_identity;
    QLabel *m_deviceLabel = nullptr;
};

} // namespace PunchDrop::Gui
