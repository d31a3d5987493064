// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <memory>

class QMessageBox;
class QWidget;

namespace PunchDrop::Gui {

/*!
 * The question before PunchDrop stops: when transfers still run, or when closing the window
 * quits because there is no tray to keep running in (the device then stops receiving). "Keep
 * running" is the default button: Enter or Escape never stops anything by accident.
 */
class QuitPrompt
{
public:
    enum class Reason {
        Quit, //!< Quit chosen while transfers run
        CloseWithoutTray, //!< the window closed and no tray can keep the app
    };

    //! The box, not shown yet (tests look at it); its accept button is "quitButton".
    static std::unique_ptr<QMessageBox> create(
        QWidget *parent, Reason reason, bool transfersRunning);
    //! Asks (modal); true when the person chose to quit.
    static bool ask(QWidget *parent, Reason reason, bool transfersRunning);
};

} // namespace PunchDrop::Gui
