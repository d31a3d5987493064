// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "appsettings.h"
#include "quitprompt.h"
#include "transferhistory.h"

#include "core/configdir.h"
#include "net/wire/deviceid.h"

#include <QMainWindow>

#include <functional>

class QAction;
class QLabel;
class QPushButton;
class QToolButton;

namespace PunchDrop {
struct TransferSnapshot;
} // namespace PunchDrop

namespace PunchDrop::Gui {

class Backend;
struct ServerStatus;
class ContactListModel;
class ContactView;
class GuiOfferDecider;
class LanguageManager;
class PendingFilesBar;
class SelfHeader;
class TransferListModel;
class TransferPanel;
class TrayIcon;
class WelcomePanel;

/*!
 * The desktop app's window: contacts on the left (drop files on one to send), transfers on the
 * right, connection state in the status bar. It wires widgets to the Backend and owns no
 * business state: peers and transfers live in the models, the work in the backend.
 */
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    //! \a backend must outlive the window. Loads the settings from \a configDir and applies them.
    MainWindow(Backend *backend, const ConfigDir &configDir, QWidget *parent = nullptr);
    ~MainWindow() override;

    const AppSettings &settings() const { return m_settings; }
    ContactListModel *contactModel() const { return m_contactModel; }
    TransferListModel *transferModel() const { return m_transferModel; }
    ContactView *contactView() const { return m_contactView; }
    TransferPanel *transferPanel() const { return m_transferPanel; }
    TrayIcon *trayIcon() const { return m_tray; }
    WelcomePanel *welcomePanel() const { return m_welcome; }
    GuiOfferDecider *offerDecider() const { return m_decider; }
    LanguageManager *languageManager() const { return m_language; }

    /*!
     * Asked before PunchDrop stops: Quit while transfers run, or closing the window without a
     * tray; the bool says whether transfers run. True = quit. Default: QuitPrompt::ask.
     */
    using QuitConfirmation = std::function<bool(QWidget *, QuitPrompt::Reason, bool)>;
    void setQuitConfirmation(QuitConfirmation confirm);
    PendingFilesBar *pendingFiles() const { return m_pendingFiles; }

public Q_SLOTS:
    //! Saves \a settings, switches the language and hands them to the backend.
    void applySettings(const PunchDrop::Gui::AppSettings &settings);
    //! Opens the (non-modal) settings dialog.
    void showSettings();
    //! Opens the (non-modal) Contacts page, with \a select's row selected when it is a contact.
    void showContacts(const PunchDrop::DeviceId &select = {});
    //! A file dialog; the chosen files go to the selected contact.
    void sendFilesToSelected();
    //! A folder dialog; the chosen folder goes to the selected contact.
    void sendFolderToSelected();
    void sendPaths(const PunchDrop::DeviceId &peer, const QStringList &paths);
    void toggleVisible();
    //! Shows the window in front (from a tray, another launch, a hidden state).
    void bringToFront();
    //! A second launch (or the first one's command line): the window comes to the front and
    //! \a paths, if any, wait for a contact to send them to.
    void activateWithFiles(const QStringList &paths);
    //! Quits (after asking, when transfers run). Emits quitConfirmed() when it may go.
    void requestQuit();
    void copyDeviceId();
    //! Asks for a device ID or name (a small dialog), then findDevice().
    void showFindDevice();
    //! Asks the backend for \a query; the answer selects the device or says why not.
    void findDevice(const QString &query);

Q_SIGNALS:
    void quitConfirmed();

protected:
    void closeEvent(QCloseEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildUi();
    //! The first size: what fits on this screen at its scale.
    void fitToScreen();
    //! Shows the transfers of earlier runs and keeps every finished one from now on.
    void restoreHistory();
    void retranslateUi();
    void updateServerStatus();
    void updatePortMapStatus(const ServerStatus &status);
    void updateSendActions();
    void onTransferAdded(const TransferSnapshot &snapshot);
    void onTransferFinished(const TransferSnapshot &snapshot);
    bool selectedPeer(DeviceId *peer) const;
    void onTrayAvailabilityChanged(bool available);
    void onPeerLookupFinished(const QString &query, const DeviceId &found, const QString &error);
    bool selectPeer(const DeviceId &peer);

    Backend *m_backend;
    ConfigDir m_configDir;
    AppSettings m_settings;
    LanguageManager *m_language = nullptr;
    ContactListModel *m_contactModel = nullptr;
    TransferListModel *m_transferModel = nullptr;
    GuiOfferDecider *m_decider = nullptr;
    TrayIcon *m_tray = nullptr;
    ContactView *m_contactView = nullptr;
    TransferPanel *m_transferPanel = nullptr;
    QLabel *m_contactsTitle = nullptr;
    QPushButton *m_sendButton = nullptr;
    QLabel *m_serverLabel = nullptr;
    QLabel *m_natLabel = nullptr;
    QLabel *m_portMapLabel = nullptr; //!< "Port mapped via UPnP", or why not
    SelfHeader *m_selfHeader = nullptr;
    WelcomePanel *m_welcome = nullptr;
    QMenu *m_fileMenu = nullptr;
    QAction *m_sendFilesAction = nullptr;
    QAction *m_sendFolderAction = nullptr;
    QAction *m_settingsAction = nullptr;
    QAction *m_contactsAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_copyIdAction = nullptr;
    QAction *m_findAction = nullptr;
    QPushButton *m_findButton = nullptr;
    QStringList m_pendingLookups;
    PendingFilesBar *m_pendingFiles = nullptr;
    QuitConfirmation m_confirmQuit;
    TransferHistory m_history;
    bool m_quitting = false;
    bool m_hiddenToTray = false;
    DeviceId m_selectedBeforeReset;
    bool m_trayHintShown = false;
};

} // namespace PunchDrop::Gui
