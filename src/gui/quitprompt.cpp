// SPDX-License-Identifier: GPL-3.0-or-later
#include "quitprompt.h"

#include "mainwindow.h"

#include <QMessageBox>
#include <QPushButton>

namespace PunchDrop::Gui {

std::unique_ptr<QMessageBox> QuitPrompt::create(
    QWidget *parent, Reason reason, bool transfersRunning)
{
    QString text;
    if (reason == Reason::CloseWithoutTray) {
        text = transfersRunning
            ? MainWindow::tr("There is no system tray to keep PunchDrop in, so closing the "
                             "window quits it: the running transfers stop, and this device "
                             "stops receiving files.")
            : MainWindow::tr("There is no system tray to keep PunchDrop in, so closing the "
                             "window quits it: this device stops receiving files.");
    } else {
        text = MainWindow::tr("Transfers are still running. Quitting stops them.");
    }
    auto box = std::make_unique<QMessageBox>(QMessageBox::Question,
        MainWindow::tr("Quit PunchDrop?"), text, QMessageBox::NoButton, parent);
    box->setObjectName(QStringLiteral("quitConfirmationBox"));
    QPushButton *quit
        = box->addButton(transfersRunning ? MainWindow::tr("Quit anyway") : MainWindow::tr("Quit"),
            QMessageBox::AcceptRole);
    quit->setObjectName(QStringLiteral("quitButton"));
    QPushButton *keep = box->addButton(MainWindow::tr("Keep running"), QMessageBox::RejectRole);
    keep->setObjectName(QStringLiteral("keepRunningButton"));
    box->setDefaultButton(keep);
    box->setEscapeButton(keep);
    return box;
}

bool QuitPrompt::ask(QWidget *parent, Reason reason, bool transfersRunning)
{
    const auto box = create(parent, reason, transfersRunning);
    box->exec();
    return box->clickedButton() == box->findChild<QPushButton *>(QStringLiteral("quitButton"));
}

} // namespace PunchDrop::Gui
