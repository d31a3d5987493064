// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "appicon.h"
#include "backend.h"
#include "connectionstatustext.h"
#include "contactdelegate.h"
#include "contactlistmodel.h"
#include "contactsdialog.h"
#include "contactview.h"
#include "core/logging.h"
#include "guiofferdecider.h"
#include "languagemanager.h"
#include "pendingfilesbar.h"
#include "selfheader.h"
#include "settingsdialog.h"
#include "transferformat.h"
#include "transferlistmodel.h"
#include "transferpanel.h"
#include "trayicon.h"
#include "welcomepanel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

MainWindow::MainWindow(Backend *backend, const ConfigDir &configDir, QWidget *parent)
    : QMainWindow(parent)
    , m_backend(backend)
    , m_configDir(configDir)
    , m_settings(AppSettings::load(configDir))
    , m_confirmQuit(&QuitPrompt::ask)
    , m_history(configDir.filePath(TransferHistory::defaultFileName()))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(AppIcon::icon());
    setAcceptDrops(true);

    m_language = new LanguageManager(this);
    m_language->setLanguage(m_settings.language);

    m_contactModel = new ContactListModel(m_backend, this);
    m_transferModel = new TransferListModel(this);
    m_decider = new GuiOfferDecider(this, this);
    m_tray = new TrayIcon(this);

    buildUi();
    retranslateUi();
    restoreHistory();
    fitToScreen();

    connect(m_backend, &Backend::transferUpdated, m_transferModel, &TransferListModel::update);
    connect(m_backend, &Backend::serverStatusChanged, this, &MainWindow::updateServerStatus);
    connect(m_transferModel, &TransferListModel::transferAdded, this, &MainWindow::onTransferAdded);
    connect(m_transferModel, &TransferListModel::transferFinished, this,
        &MainWindow::onTransferFinished);
    connect(m_decider, &GuiOfferDecider::offerPresented, this,
        [this](const QString &sender, int fileCount, qint64 totalBytes) {
            m_tray->notify(tr("Incoming files"),
                tr("%1 wants to send you files (files: %2 · %3)")
                    .arg(sender)
                    .arg(fileCount)
                    .arg(TransferFormat::size(totalBytes)));
        });
    connect(m_tray, &TrayIcon::toggleWindowRequested, this, &MainWindow::toggleVisible);
    connect(m_tray, &TrayIcon::quitRequested, this, &MainWindow::requestQuit);
    connect(m_tray, &TrayIcon::availabilityChanged, this, &MainWindow::onTrayAvailabilityChanged);

    m_backend->setOfferDecider(m_decider);
    m_backend->applySettings(m_settings);
    updateServerStatus();
    m_tray->show();
}

MainWindow::~MainWindow()
{
    // The decider dies with the window: the backend must not ask it any more.
    if (m_backend)
        m_backend->setOfferDecider(nullptr);
}

void MainWindow::buildUi()
{
    m_contactsTitle = new QLabel(this);
    m_contactsTitle->setObjectName(QStringLiteral("contactsTitle"));
    QFont bold = m_contactsTitle->font();
    bold.setBold(true);
    m_contactsTitle->setFont(bold);

    m_contactView = new ContactView(this);
    m_contactView->setModel(m_contactModel);
    m_contactView->setItemDelegate(new ContactDelegate(m_contactView));
    m_contactView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_contactView, &ContactView::filesDropped, this, &MainWindow::sendPaths);
    connect(m_contactView->selectionModel(), &QItemSelectionModel::currentChanged, this,
        &MainWindow::updateSendActions);
    // A device appearing or leaving rebuilds the list: the selection follows the device, so
    // "Send files…" stays enabled for the contact the person chose.
    connect(m_contactModel, &QAbstractItemModel::modelAboutToBeReset, this, [this] {
        const QModelIndex current = m_contactView->currentIndex();
        m_selectedBeforeReset = current.isValid()
            ? current.data(ContactListModel::PeerRole).value<DeviceId>()
            : DeviceId();
    });
    connect(m_contactModel, &QAbstractItemModel::modelReset, this, [this] {
        if (!m_selectedBeforeReset.isNull())
            selectPeer(m_selectedBeforeReset);
        updateSendActions();
    });
    // Enter or a double click on a contact: send to it.
    connect(m_contactView, &QAbstractItemView::activated, this, &MainWindow::sendFilesToSelected);
    connect(m_contactModel, &QAbstractItemModel::dataChanged, this, &MainWindow::updateSendActions);

    m_sendFilesAction = new QAction(this);
    m_sendFilesAction->setObjectName(QStringLiteral("sendFilesAction"));
    m_sendFilesAction->setShortcut(QKeySequence::Open);
    connect(m_sendFilesAction, &QAction::triggered, this, &MainWindow::sendFilesToSelected);
    m_sendFolderAction = new QAction(this);
    m_sendFolderAction->setObjectName(QStringLiteral("sendFolderAction"));
    connect(m_sendFolderAction, &QAction::triggered, this, &MainWindow::sendFolderToSelected);
    m_settingsAction = new QAction(this);
    m_settingsAction->setObjectName(QStringLiteral("settingsAction"));
    // The platform's key where it has one, Ctrl+, everywhere (many Linux desktops define none).
    QList<QKeySequence> settingsKeys = QKeySequence::keyBindings(QKeySequence::Preferences);
    if (!settingsKeys.contains(QKeySequence(Qt::CTRL | Qt::Key_Comma)))
        settingsKeys << QKeySequence(Qt::CTRL | Qt::Key_Comma);
    m_settingsAction->setShortcuts(settingsKeys);
    connect(m_settingsAction, &QAction::triggered, this, &MainWindow::showSettings);
    m_contactsAction = new QAction(this);
    m_contactsAction->setObjectName(QStringLiteral("contactsAction"));
    connect(m_contactsAction, &QAction::triggered, this, [this] { showContacts(); });
    m_quitAction = new QAction(this);
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setShortcut(QKeySequence::Quit);
    connect(m_quitAction, &QAction::triggered, this, &MainWindow::requestQuit);
    m_copyIdAction = new QAction(this);
    m_copyIdAction->setObjectName(QStringLiteral("copyDeviceIdAction"));
    connect(m_copyIdAction, &QAction::triggered, this, &MainWindow::copyDeviceId);
    m_findAction = new QAction(this);
    m_findAction->setObjectName(QStringLiteral("findDeviceAction"));
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, &MainWindow::showFindDevice);
    connect(m_backend, &Backend::peerLookupFinished, this, &MainWindow::onPeerLookupFinished);

    connect(m_contactView, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_contactView->indexAt(pos);
        if (!index.isValid())
            return;
        m_contactView->setCurrentIndex(index);
        QMenu menu(this);
        menu.addAction(m_sendFilesAction);
        menu.addAction(m_sendFolderAction);
        menu.addSeparator();
        const QString id = index.data(ContactListModel::DeviceIdRole).toString();
        menu.addAction(
            tr("Copy device ID"), this, [id] { QGuiApplication::clipboard()->setText(id); });
        if (index.data(ContactListModel::PinnedRole).toBool()) {
            const auto peer = index.data(ContactListModel::PeerRole).value<DeviceId>();
            menu.addAction(tr("Manage contact…"), this, [this, peer] { showContacts(peer); });
        }
        menu.exec(m_contactView->viewport()->mapToGlobal(pos));
    });

    m_sendButton = new QPushButton(this);
    m_sendButton->setObjectName(QStringLiteral("sendFilesButton"));
    connect(m_sendButton, &QPushButton::clicked, m_sendFilesAction, &QAction::trigger);

    // A real button (not a flat, label-like tool button): it is how to reach anyone not listed.
    m_findButton = new QPushButton(
        style()->standardIcon(QStyle::SP_FileDialogContentsView), QString(), this);
    m_findButton->setObjectName(QStringLiteral("findDeviceButton"));
    connect(m_findButton, &QPushButton::clicked, m_findAction, &QAction::trigger);

    auto *contacts = new QWidget(this);
    auto *contactsLayout = new QVBoxLayout(contacts);
    contactsLayout->setContentsMargins(0, 0, 0, 0);
    m_selfHeader = new SelfHeader(m_backend->selfId(), m_copyIdAction, this);
    contactsLayout->addWidget(m_selfHeader);
    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_contactsTitle, 1);
    titleRow->addWidget(m_findButton);
    contactsLayout->addLayout(titleRow);
    m_pendingFiles = new PendingFilesBar(this);
    m_pendingFiles->hide();
    connect(m_pendingFiles, &PendingFilesBar::changed, this, &MainWindow::updateSendActions);
    contactsLayout->addWidget(m_pendingFiles);
    contactsLayout->addWidget(m_contactView, 1);
    contactsLayout->addWidget(m_sendButton);

    m_transferPanel = new TransferPanel(m_backend, m_transferModel, this);

    auto *splitter = new QSplitter(this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(contacts);
    splitter->addWidget(m_transferPanel);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    // The first start explains itself until the person says "Got it".
    m_welcome = new WelcomePanel(this);
    m_welcome->setServerGuide(WelcomePanel::installedServerGuide());
    m_welcome->setVisible(!m_settings.welcomeDone);
    connect(m_welcome, &WelcomePanel::settingsRequested, this, &MainWindow::showSettings);
    connect(m_welcome, &WelcomePanel::dismissed, this, [this] {
        AppSettings done = m_settings;
        done.welcomeDone = true;
        applySettings(done);
    });
    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(8, 8, 8, 0);
    centralLayout->addWidget(m_welcome);
    centralLayout->addWidget(splitter, 1);
    setCentralWidget(central);

    m_fileMenu = menuBar()->addMenu(QString());
    m_fileMenu->setObjectName(QStringLiteral("fileMenu"));
    m_fileMenu->addAction(m_sendFilesAction);
    m_fileMenu->addAction(m_sendFolderAction);
    m_fileMenu->addAction(m_findAction);
    m_fileMenu->addAction(m_contactsAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_settingsAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_quitAction);

    m_serverLabel = new QLabel(this);
    m_serverLabel->setTextFormat(Qt::PlainText); // may quote what a server said
    m_serverLabel->setObjectName(QStringLiteral("serverStatusLabel"));
    m_natLabel = new QLabel(this);
    m_natLabel->setObjectName(QStringLiteral("natTypeLabel"));
    statusBar()->addWidget(m_serverLabel);
    statusBar()->addWidget(m_natLabel);
    m_portMapLabel = new QLabel(this);
    m_portMapLabel->setTextFormat(Qt::PlainText);
    m_portMapLabel->setObjectName(QStringLiteral("portMapLabel"));
    statusBar()->addWidget(m_portMapLabel);
    updateSendActions();
}

void MainWindow::fitToScreen()
{
    // 860×540 where there is room; never larger than the screen's free area (a 1400×900
    // screen at 2× scale has 700×450 to offer), and never below what the layout needs.
    QSize size(860, 540);
    if (const QScreen *s = screen())
        size = size.boundedTo(s->availableGeometry().size() * 0.95);
    resize(size.expandedTo(minimumSizeHint()));
}

void MainWindow::restoreHistory()
{
    QString error;
    if (!m_history.load(&error)) {
        qCWarning(lcGui).noquote() << error;
        statusBar()->showMessage(error, 15000);
    }
    m_transferModel->restore(m_history.entries());
    connect(m_transferModel, &TransferListModel::transferFinished, this,
        [this](const TransferSnapshot &snapshot) {
            QString saveError;
            if (!m_history.record(snapshot, m_transferModel->finishedAt(snapshot.id), &saveError))
                qCWarning(lcGui).noquote() << "history not saved:" << saveError;
        });
    connect(m_transferModel, &TransferListModel::finishedCleared, this, [this] {
        QString saveError;
        if (!m_history.clear(&saveError))
            qCWarning(lcGui).noquote() << "history not cleared:" << saveError;
    });
}

void MainWindow::retranslateUi()
{
    setWindowTitle(tr("PunchDrop"));
    m_contactsTitle->setText(tr("Contacts"));
    m_contactView->setPlaceholderText(
        tr("No devices yet.\nDevices running PunchDrop on this network appear here; with a "
           "server set in Settings, so do your contacts on the internet. Find anyone else by "
           "their device ID or name (Ctrl+F).\nDrop files on a contact to send them."));
    m_sendFilesAction->setText(tr("Send &files…"));
    m_sendFolderAction->setText(tr("Send a f&older…"));
    m_settingsAction->setText(tr("&Settings…"));
    m_contactsAction->setText(tr("&Contacts…"));
    m_contactsAction->setToolTip(tr("See who you trust: rename, verify or forget contacts"));
    m_quitAction->setText(tr("&Quit"));
    m_copyIdAction->setText(tr("Copy ID"));
    m_copyIdAction->setToolTip(tr("Copy this device's ID to the clipboard"));
    m_findAction->setText(tr("&Find a device…"));
    m_findAction->setToolTip(tr("Find a device by its ID or name"));
    m_findButton->setText(tr("Find a device…"));
    m_findButton->setToolTip(
        tr("Find a device by its ID, the first characters of its ID, or its name (Ctrl+F)"));
    m_fileMenu->setTitle(tr("&File"));
    m_selfHeader->setName(m_settings.displayName);
    m_welcome->setState(m_settings.displayName, m_settings.serverAddress, m_settings.lanDiscovery);
    m_tray->retranslateUi();
    m_contactModel->retranslate();
    updateServerStatus();
    updateSendActions();
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QMainWindow::changeEvent(event);
}

void MainWindow::updateServerStatus()
{
    const ServerStatus status = m_backend->serverStatus();
    m_serverLabel->setText(ConnectionStatusText::server(status));
    m_serverLabel->setToolTip(status.detail);
    const QString nat = ConnectionStatusText::nat(status);
    m_natLabel->setText(nat);
    m_natLabel->setToolTip(ConnectionStatusText::natToolTip(status));
    m_natLabel->setVisible(!nat.isEmpty());
    updatePortMapStatus(status);
}

void MainWindow::updatePortMapStatus(const ServerStatus &status)
{
    QString text;
    switch (status.portMap) {
    case PortMapper::State::Off:
        text = status.state == ServerStatus::State::LanOnly ? QString() : tr("Port mapping off");
        break;
    case PortMapper::State::Mapping:
        text = tr("Asking the router for a port mapping…");
        break;
    case PortMapper::State::Mapped:
        switch (status.portMapper) {
        case PortMapProtocol::NatPmp:
            text = tr("Port mapped via NAT-PMP");
            break;
        case PortMapProtocol::Pcp:
            text = tr("Port mapped via PCP");
            break;
        default:
            text = tr("Port mapped via UPnP");
            break;
        }
        break;
    case PortMapper::State::Unavailable:
        text = PortMapper::isSupported()
            ? tr("No port mapping: the router does not answer UPnP, NAT-PMP or PCP")
            : tr("Port mapping is not available in this build");
        break;
    }
    m_portMapLabel->setText(text);
    m_portMapLabel->setToolTip(status.portMapReason); // the router's own words, in English
    m_portMapLabel->setVisible(!text.isEmpty());
}

bool MainWindow::selectedPeer(DeviceId *peer) const
{
    const QModelIndex index = m_contactView->currentIndex();
    if (!index.isValid() || !index.data(ContactListModel::OnlineRole).toBool())
        return false;
    *peer = index.data(ContactListModel::PeerRole).value<DeviceId>();
    return true;
}

void MainWindow::updateSendActions()
{
    DeviceId peer;
    const bool canSend = selectedPeer(&peer);
    m_sendFilesAction->setEnabled(canSend);
    m_sendFolderAction->setEnabled(canSend);
    m_sendButton->setEnabled(canSend);
    m_sendButton->setToolTip(canSend ? QString() : tr("Select a contact that is online first"));
    m_sendButton->setText(m_pendingFiles->paths().isEmpty() ? tr("Send files…") : tr("Send"));
}

void MainWindow::sendFilesToSelected()
{
    DeviceId peer;
    if (!selectedPeer(&peer))
        return;
    if (!m_pendingFiles->paths().isEmpty()) {
        sendPaths(peer, m_pendingFiles->takePaths());
        return;
    }
    auto *dialog = new QFileDialog(this, tr("Send files"));
    dialog->setObjectName(QStringLiteral("sendFilesDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFiles);
    connect(dialog, &QFileDialog::filesSelected, this,
        [this, peer](const QStringList &files) { sendPaths(peer, files); });
    dialog->open();
}

void MainWindow::sendFolderToSelected()
{
    DeviceId peer;
    if (!selectedPeer(&peer))
        return;
    auto *dialog = new QFileDialog(this, tr("Send a folder"));
    dialog->setObjectName(QStringLiteral("sendFolderDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    connect(dialog, &QFileDialog::fileSelected, this,
        [this, peer](const QString &folder) { sendPaths(peer, {folder}); });
    dialog->open();
}

void MainWindow::sendPaths(const DeviceId &peer, const QStringList &paths)
{
    if (paths.isEmpty())
        return;
    const quint64 id = m_backend->sendFiles(peer, paths);
    qCDebug(lcGui) << "transfer" << id << "started:" << paths.size() << "paths to"
                   << peer.shortString();
}

void MainWindow::onTransferAdded(const TransferSnapshot &snapshot)
{
    // Show the newest transfer, so a drop visibly does something.
    const int row = m_transferModel->rowOf(snapshot.id);
    if (row >= 0)
        m_transferPanel->view()->setCurrentIndex(m_transferModel->index(row));
}

void MainWindow::onTransferFinished(const TransferSnapshot &snapshot)
{
    using State = TransferSnapshot::State;
    const QString title = TransferFormat::title(snapshot);
    switch (snapshot.state) {
    case State::Done:
        m_tray->notify(tr("Transfer finished"), title);
        break;
    case State::Failed:
        m_tray->notify(tr("Transfer failed"),
            title + u'\n' + TransferFormat::progressLine(snapshot), QSystemTrayIcon::Warning);
        break;
    case State::Declined:
        m_tray->notify(tr("Transfer declined"), title, QSystemTrayIcon::Warning);
        break;
    default:
        break;
    }
}

void MainWindow::showSettings()
{
    // One settings dialog at a time (a closed one may still await its deferred deletion).
    const auto dialogs = findChildren<SettingsDialog *>(QStringLiteral("settingsDialog"));
    for (SettingsDialog *open : dialogs) {
        if (open->isVisible()) {
            open->raise();
            open->activateWindow();
            return;
        }
    }
    auto *dialog = new SettingsDialog(m_settings, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(
        dialog, &QDialog::accepted, this, [this, dialog] { applySettings(dialog->settings()); });
    dialog->open();
}

void MainWindow::showContacts(const DeviceId &select)
{
    // One Contacts page at a time, like the settings.
    ContactsDialog *dialog = nullptr;
    const auto pages = findChildren<ContactsDialog *>(QStringLiteral("contactsDialog"));
    for (ContactsDialog *open : pages) {
        if (open->isVisible())
            dialog = open;
    }
    if (!dialog) {
        dialog = new ContactsDialog(m_backend, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    }
    if (!select.isNull())
        dialog->selectContact(select);
    dialog->raise();
    dialog->activateWindow();
}

void MainWindow::applySettings(const AppSettings &settings)
{
    QString error;
    if (!settings.save(m_configDir, &error)) {
        qCWarning(lcGui) << "cannot save the settings:" << error;
        QMessageBox::warning(
            this, tr("Settings not saved"), tr("The settings could not be saved: %1").arg(error));
    }
    const bool languageChanged = settings.language != m_settings.language;
    m_settings = settings;
    m_selfHeader->setName(settings.displayName);
    m_welcome->setState(settings.displayName, settings.serverAddress, settings.lanDiscovery);
    m_welcome->setVisible(!settings.welcomeDone);
    if (languageChanged)
        m_language->setLanguage(settings.language); // LanguageChange → retranslateUi()
    m_backend->applySettings(settings);
}

void MainWindow::setQuitConfirmation(QuitConfirmation confirm)
{
    m_confirmQuit = std::move(confirm);
}

void MainWindow::toggleVisible()
{
    if (isVisible() && !isMinimized() && m_tray->available()) {
        hide();
        m_hiddenToTray = true;
        m_tray->setWindowVisible(false);
    } else {
        bringToFront();
    }
}

void MainWindow::bringToFront()
{
    m_hiddenToTray = false;
    showNormal();
    raise();
    activateWindow();
    m_tray->setWindowVisible(true);
}

void MainWindow::activateWithFiles(const QStringList &paths)
{
    bringToFront();
    if (!paths.isEmpty())
        m_pendingFiles->setPaths(paths);
}

void MainWindow::onTrayAvailabilityChanged(bool available)
{
    // The tray the window hid in went away: nothing else could bring it back.
    if (!available && m_hiddenToTray)
        bringToFront();
}

void MainWindow::requestQuit()
{
    if (m_backend->hasActiveTransfers() && !m_confirmQuit(this, QuitPrompt::Reason::Quit, true))
        return;
    m_quitting = true;
    Q_EMIT quitConfirmed();
}

void MainWindow::copyDeviceId()
{
    QGuiApplication::clipboard()->setText(m_backend->selfId().toString());
    statusBar()->showMessage(tr("Device ID copied"), 3000);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_quitting) {
        event->accept();
        return;
    }
    // With a tray the app keeps running there, so transfers continue and offers still arrive.
    if (m_tray->available()) {
        event->ignore();
        hide();
        m_hiddenToTray = true;
        m_tray->setWindowVisible(false);
        if (!m_trayHintShown) {
            m_trayHintShown = true;
            m_tray->notify(tr("PunchDrop is still running"),
                m_backend->hasActiveTransfers()
                    ? tr("Your transfers continue in the background.")
                    : tr("It keeps receiving files. Quit from the tray menu."));
        }
        return;
    }
    // No tray to come back from: closing the window quits, which stops receiving too. Never
    // silently: asked every time, "Keep running" by default.
    if (!m_confirmQuit(
            this, QuitPrompt::Reason::CloseWithoutTray, m_backend->hasActiveTransfers())) {
        event->ignore();
        return;
    }
    event->accept();
    m_quitting = true;
    Q_EMIT quitConfirmed();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    // Files dropped anywhere but on a contact row (which ContactView takes) are for the
    // selected contact, or wait for one.
    if (ContactView::localPaths(event->mimeData()).isEmpty())
        return QMainWindow::dragEnterEvent(event);
    event->acceptProposedAction();
}

void MainWindow::dragMoveEvent(QDragMoveEvent *event)
{
    if (ContactView::localPaths(event->mimeData()).isEmpty())
        return QMainWindow::dragMoveEvent(event);
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QStringList paths = ContactView::localPaths(event->mimeData());
    if (paths.isEmpty())
        return QMainWindow::dropEvent(event);
    event->acceptProposedAction();
    DeviceId peer;
    if (selectedPeer(&peer))
        sendPaths(peer, paths);
    else
        m_pendingFiles->setPaths(paths); // "choose a contact, then Send"
}

void MainWindow::showFindDevice()
{
    auto *dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("findDeviceDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Find a device"));
    dialog->setLabelText(tr("Device ID (or its first characters) or display name:"));
    connect(dialog, &QInputDialog::textValueSelected, this, &MainWindow::findDevice);
    dialog->open();
}

void MainWindow::findDevice(const QString &query)
{
    const QString text = query.trimmed();
    if (text.isEmpty())
        return;
    // A device in the list, by the start of its name in any case ("stu" → "Studio"): selected
    // at once. Anything else (IDs, prefixes of IDs, names on the server) goes to the engine.
    const int row = m_contactModel->rowMatchingName(text);
    if (row >= 0) {
        const QModelIndex index = m_contactModel->index(row);
        m_contactView->setCurrentIndex(index);
        m_contactView->scrollTo(index);
        statusBar()->showMessage(
            tr("Found %1: drop files on it to send.").arg(index.data(Qt::DisplayRole).toString()),
            8000);
        return;
    }
    m_pendingLookups << text;
    statusBar()->showMessage(tr("Looking for “%1”…").arg(text));
    m_backend->findPeer(text);
}

void MainWindow::onPeerLookupFinished(
    const QString &query, const DeviceId &found, const QString &error)
{
    if (!m_pendingLookups.removeOne(query))
        return; // not asked from this window
    if (found.isNull()) {
        statusBar()->clearMessage();
        auto *box = new QMessageBox(QMessageBox::Information, tr("Find a device"),
            tr("No device found for “%1”.").arg(query), QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("findDeviceResult"));
        box->setInformativeText(error);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return;
    }
    // The backend adds the device to peers() before it answers.
    const bool selected = selectPeer(found);
    statusBar()->showMessage(selected
            ? tr("Found %1: drop files on it to send.")
                  .arg(m_contactView->currentIndex().data(Qt::DisplayRole).toString())
            : tr("Found %1.").arg(found.shortString()),
        8000);
}

bool MainWindow::selectPeer(const DeviceId &peer)
{
    for (int row = 0; row < m_contactModel->rowCount(); ++row) {
        const QModelIndex index = m_contactModel->index(row);
        if (index.data(ContactListModel::PeerRole).value<DeviceId>() == peer) {
            m_contactView->setCurrentIndex(index);
            m_contactView->scrollTo(index);
            return true;
        }
    }
    return false;
}

} // namespace PunchDrop::Gui
