// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace PunchDrop::Gui {

struct GuiOptions
{
    QString configDir; //!< empty: the platform default
    bool minimized = false;
    //! `punchdrop FILE…`: open the send flow with these (a running app gets them instead).
    QStringList paths;
    //! --no-port-map: no UPnP-IGD / NAT-PMP mapping this run, whatever the settings say.
    bool noPortMap = false;
};

//! Builds the desktop app inside the already created QApplication and runs its event loop.
int runGui(const GuiOptions &options);

} // namespace PunchDrop::Gui
