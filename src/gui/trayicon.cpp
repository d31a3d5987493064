// SPDX-License-Identifier: GPL-3.0-or-later
#include "trayicon.h"

#include "appicon.h"
#include "core/logging.h"

#include <QAction>
#include <QMenu>

namespace PunchDrop::Gui {

TrayIcon::TrayIcon(QObject *parent)
    : QObject(parent)
    , m_tray(new QSystemTrayIcon(AppIcon::icon(), this))
    , m_menu(new QMenu)
{
    m_menu->setObjectName(QStringLiteral("trayMenu"));
    m_toggle = m_menu->addAction(QString());
    m_toggle->setObjectName(QStringLiteral("trayToggleWindowAction"));
    m_menu->addSeparator();
    m_quit = m_menu->addAction(QString());
    m_quit->setObjectName(QStringLiteral("trayQuitAction"));
    m_tray->setContextMenu(m_menu);

    connect(m_toggle, &QAction::triggered, this, &TrayIcon::toggleWindowRequested);
    connect(m_quit, &QAction::triggered, this, &TrayIcon::quitRequested);
    connect(m_tray, &QSystemTrayIcon::activated, this,
        [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                Q_EMIT toggleWindowRequested();
        });
    m_watch.setInterval(std::chrono::seconds(2));
    connect(&m_watch, &QTimer::timeout, this, &TrayIcon::checkAvailability);
    retranslateUi();
}

TrayIcon::~TrayIcon()
{
    delete m_menu; // a QMenu cannot have a QObject parent that is not a widget
}

bool TrayIcon::isAvailable()
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void TrayIcon::setAvailabilityProbe(std::function<bool()> probe)
{
    m_probe = std::move(probe);
    if (m_watch.isActive())
        checkAvailability();
}

void TrayIcon::show()
{
    m_watch.start();
    checkAvailability();
}

void TrayIcon::checkAvailability()
{
    const bool available = m_probe();
    if (m_available == available)
        return;
    m_available = available;
    m_tray->setVisible(available);
    qCDebug(lcGui) << "system tray" << (available ? "available" : "not available");
    Q_EMIT availabilityChanged(available);
}

void TrayIcon::setWindowVisible(bool visible)
{
    m_windowVisible = visible;
    retranslateUi();
}

void TrayIcon::notify(
    const QString &title, const QString &message, QSystemTrayIcon::MessageIcon icon)
{
    qCDebug(lcGui) << "notification:" << title << message;
    if (m_tray->isVisible() && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(title, message, icon);
    Q_EMIT notified(title, message);
}

void TrayIcon::retranslateUi()
{
    m_tray->setToolTip(tr("PunchDrop"));
    m_toggle->setText(m_windowVisible ? tr("Hide window") : tr("Show window"));
    m_quit->setText(tr("Quit"));
}

} // namespace PunchDrop::Gui
