// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QSystemTrayIcon>
#include <QTimer>

#include <chrono>
#include <functional>
#include <optional>

class QAction;
class QMenu;

namespace PunchDrop::Gui {

/*!
 * The tray icon, its menu (show / hide the window, quit) and notifications. The actions only
 * emit signals; MainWindow decides what they do.
 *
 * A desktop's tray may come after the app (a panel that starts later, a restarted shell) or go
 * away. Qt says nothing when that happens, so once shown the icon watches: it appears when a
 * tray does, and availabilityChanged() lets the window come back when the tray it hid in goes.
 */
class TrayIcon : public QObject
{
    Q_OBJECT
public:
    explicit TrayIcon(QObject *parent = nullptr);
    ~TrayIcon() override;

    //! Whether the desktop shows tray icons at all.
    static bool isAvailable();
    //! Whether a tray is there now, as this icon last saw it (the probe, see below).
    bool available() const { return m_available.value_or(false); }
    //! Whether the icon is in the tray now.
    bool isShown() const { return m_tray->isVisible(); }
    //! How availability is found out (QSystemTrayIcon's by default; tests script it) and how
    //! often it is asked again (2 s).
    void setAvailabilityProbe(std::function<bool()> probe);
    void setWatchInterval(std::chrono::milliseconds interval) { m_watch.setInterval(interval); }

    //! Shows the icon, now or as soon as a tray appears.
    void show();
    QMenu *menu() const { return m_menu; }
    QAction *toggleWindowAction() const { return m_toggle; }
    QAction *quitAction() const { return m_quit; }

    //! Updates the show/hide entry's text.
    void setWindowVisible(bool visible);
    //! A desktop notification (silently dropped where there is no tray); notified() always fires.
    void notify(const QString &title, const QString &message,
        QSystemTrayIcon::MessageIcon icon = QSystemTrayIcon::Information);

    void retranslateUi();

Q_SIGNALS:
    void toggleWindowRequested();
    void quitRequested();
    void notified(const QString &title, const QString &message);
    //! A tray appeared or went away (also once at show() when one is there).
    void availabilityChanged(bool available);

private:
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_menu = nullptr;
    QAction *m_toggle = nullptr;
    QAction *m_quit = nullptr;
    bool m_windowVisible = true;
    void checkAvailability();

    std::function<bool()> m_probe = &TrayIcon::isAvailable;
    std::optional<bool> m_available;
    QTimer m_watch;
};

} // namespace PunchDrop::Gui
