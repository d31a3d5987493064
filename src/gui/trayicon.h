// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QSystemTrayIcon>

class QAction;
class QMenu;

namespace PunchDrop::Gui {

/*!
 * The tray icon, its menu (show / hide the window, quit) and notifications. The actions only
 * emit signals; MainWindow decides what they do.
 */
class TrayIcon : public QObject
{
    Q_OBJECT
public:
    explicit TrayIcon(QObject *parent = nullptr);
    ~TrayIcon() override;

    //! Whether the desktop shows tray icons at all.
    static bool isAvailable();

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

private:
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_menu = nullptr;
    QAction *m_toggle = nullptr;
    QAction *m_quit = nullptr;
    bool m_windowVisible = true;
};

} // namespace PunchDrop::Gui
