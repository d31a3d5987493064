// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QIcon>

namespace PunchDrop::Gui {

//! The application icon from the compiled-in resources.
class AppIcon
{
public:
    /*!
     * The PNG renderings of punchdrop.svg (:/icons/punchdrop-<size>.png) plus the SVG itself.
     * Qt needs the optional SVG plugin for the SVG, so the PNGs are what most systems show; with
     * neither available a drawn stand-in keeps the tray icon visible.
     */
    static QIcon icon();
};

} // namespace PunchDrop::Gui
