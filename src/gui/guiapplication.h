// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace PunchDrop::Gui {

struct GuiOptions
{
    QString configDir; //!< empty: the platform default
    bool minimized = false;
};

//! Builds the desktop app inside the already created QApplication and runs its event loop.
int runGui(const GuiOptions &options);

} // namespace PunchDrop::Gui
