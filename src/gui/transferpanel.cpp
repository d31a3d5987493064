// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferpanel.h"

#include "backend.h"
#include "transferdelegate.h"
#include "transferlistmodel.h"
#include "transferview.h"
#include "verificationbanner.h"

#include <QDesktopServices>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QStyle>
#include <QUrl>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

TransferPanel::TransferPanel(Backend *backend, TransferListModel *model, QWidget *parent)
    : QWidget(parent)
    , m_backend(backend)
    , m_model(model)
    , m_openFolderFn([](const QString &folder) {
        return QDesktopServices::openUrl(QUrl::fromLocalFile(folder));
    })
    , m_openFileFn(
          [](const QString &file) { return QDesktopServices::openUrl(QUrl::fromLocalFile(file)); })
{
    setObjectName(QStringLiteral("transferPanel"));
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("transfersTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);

    m_view = new TransferView(this);
    m_view->setModel(m_model);
    m_view->setItemDelegate(new TransferDelegate(m_view));
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setUniformItemSizes(true);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);

    auto makeButton = [this](const char *name, QStyle::StandardPixmap icon) {
        auto *button = new QPushButton(style()->standardIcon(icon), QString(), this);
        button->setObjectName(QLatin1String(name));
        return button;
    };
    m_cancel = makeButton("cancelTransferButton", QStyle::SP_DialogCancelButton);
    m_retry = makeButton("retryTransferButton", QStyle::SP_BrowserReload);
    m_openFile = makeButton("openFileButton", QStyle::SP_FileIcon);
    m_openFolder = makeButton("openFolderButton", QStyle::SP_DirOpenIcon);
    m_clear = makeButton("clearFinishedButton", QStyle::SP_DialogResetButton);
    m_details = makeButton("transferDetailsButton", QStyle::SP_MessageBoxInformation);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_retry);
    buttons->addWidget(m_openFile);
    buttons->addWidget(m_openFolder);
    buttons->addWidget(m_details);
    buttons->addStretch();
    buttons->addWidget(m_clear);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(new VerificationBanner(m_model, this));
    layout->addWidget(m_view, 1);
    layout->addLayout(buttons);

    connect(m_cancel, &QPushButton::clicked, this, &TransferPanel::cancelCurrent);
    connect(m_retry, &QPushButton::clicked, this, &TransferPanel::retryCurrent);
    connect(m_openFile, &QPushButton::clicked, this, &TransferPanel::openCurrentFile);
    connect(m_openFolder, &QPushButton::clicked, this, &TransferPanel::openCurrentFolder);
    connect(m_clear, &QPushButton::clicked, this, &TransferPanel::clearFinished);
    connect(m_details, &QPushButton::clicked, this, &TransferPanel::showCurrentDetails);
    connect(m_view, &QListView::customContextMenuRequested, this, &TransferPanel::showContextMenu);
    connect(m_view, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.data(TransferListModel::CanOpenFileRole).toBool())
            openCurrentFile();
        else if (index.data(TransferListModel::CanOpenFolderRole).toBool())
            openCurrentFolder();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
        &TransferPanel::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &TransferPanel::updateActions);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &TransferPanel::updateActions);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &TransferPanel::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, &TransferPanel::updateActions);

    retranslateUi();
    updateActions();
}

void TransferPanel::setFolderOpener(std::function<bool(const QString &)> opener)
{
    m_openFolderFn = std::move(opener);
}

void TransferPanel::setFileOpener(std::function<bool(const QString &)> opener)
{
    m_openFileFn = std::move(opener);
}

quint64 TransferPanel::currentId() const
{
    const QModelIndex index = m_view->currentIndex();
    return index.isValid() ? index.data(TransferListModel::IdRole).toULongLong() : 0;
}

void TransferPanel::cancelCurrent()
{
    const QModelIndex index = m_view->currentIndex();
    if (index.data(TransferListModel::CanCancelRole).toBool())
        m_backend->cancelTransfer(currentId());
}

void TransferPanel::retryCurrent()
{
    const QModelIndex index = m_view->currentIndex();
    if (index.data(TransferListModel::CanRetryRole).toBool())
        m_backend->retryTransfer(currentId());
}

void TransferPanel::openCurrentFolder()
{
    const QModelIndex index = m_view->currentIndex();
    if (!index.data(TransferListModel::CanOpenFolderRole).toBool())
        return;
    const auto s = index.data(TransferListModel::SnapshotRole).value<TransferSnapshot>();
    if (m_openFolderFn(s.localFolder))
        return;
    // No file manager (a minimal desktop, a bare window manager): say where the files are, in
    // a box whose text can be selected and copied.
    auto *box = new QMessageBox(QMessageBox::Information, tr("Open folder"),
        tr("No file manager could open the folder. The files are in:"), QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("openFolderFailedBox"));
    box->setInformativeText(s.localFolder);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void TransferPanel::openCurrentFile()
{
    const QModelIndex index = m_view->currentIndex();
    if (!index.data(TransferListModel::CanOpenFileRole).toBool())
        return;
    const auto s = index.data(TransferListModel::SnapshotRole).value<TransferSnapshot>();
    if (m_openFileFn(s.localFile))
        return;
    // No application for the file's type (or no desktop to ask): say where it is, to copy.
    auto *box = new QMessageBox(QMessageBox::Information, tr("Open file"),
        tr("No application could open the file. It is at:"), QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("openFileFailedBox"));
    box->setInformativeText(s.localFile);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void TransferPanel::showCurrentDetails()
{
    const QModelIndex index = m_view->currentIndex();
    if (!index.isValid())
        return;
    auto *box = new QMessageBox(QMessageBox::Information, tr("Transfer details"),
        index.data(TransferListModel::DetailsRole).toString(), QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("transferDetailsBox"));
    // Names come from the peer: never rich text (the informative text would guess the format).
    box->setTextFormat(Qt::PlainText);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void TransferPanel::clearFinished()
{
    m_model->clearFinished();
}

void TransferPanel::updateActions()
{
    const QModelIndex index = m_view->currentIndex();
    m_cancel->setEnabled(index.data(TransferListModel::CanCancelRole).toBool());
    m_retry->setEnabled(index.data(TransferListModel::CanRetryRole).toBool());
    m_openFile->setEnabled(index.data(TransferListModel::CanOpenFileRole).toBool());
    m_openFolder->setEnabled(index.data(TransferListModel::CanOpenFolderRole).toBool());
    m_details->setEnabled(index.isValid());
    bool anyFinished = false;
    for (int row = 0; row < m_model->rowCount() && !anyFinished; ++row)
        anyFinished = m_model->snapshotAt(row).isFinished();
    m_clear->setEnabled(anyFinished);
}

void TransferPanel::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = m_view->indexAt(pos);
    if (index.isValid())
        m_view->setCurrentIndex(index);
    QMenu menu(this);
    menu.addAction(m_cancel->icon(), m_cancel->text(), this, &TransferPanel::cancelCurrent)
        ->setEnabled(m_cancel->isEnabled());
    menu.addAction(m_retry->icon(), m_retry->text(), this, &TransferPanel::retryCurrent)
        ->setEnabled(m_retry->isEnabled());
    menu.addAction(m_openFile->icon(), m_openFile->text(), this, &TransferPanel::openCurrentFile)
        ->setEnabled(m_openFile->isEnabled());
    menu.addAction(
            m_openFolder->icon(), m_openFolder->text(), this, &TransferPanel::openCurrentFolder)
        ->setEnabled(m_openFolder->isEnabled());
    menu.addAction(m_details->icon(), m_details->text(), this, &TransferPanel::showCurrentDetails)
        ->setEnabled(m_details->isEnabled());
    menu.addSeparator();
    menu.addAction(m_clear->text(), this, &TransferPanel::clearFinished)
        ->setEnabled(m_clear->isEnabled());
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

void TransferPanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

void TransferPanel::retranslateUi()
{
    m_title->setText(tr("Transfers"));
    m_view->setPlaceholderText(tr("Drop files here to send them to the selected contact"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop the selected transfer"));
    m_retry->setText(tr("Retry"));
    m_retry->setToolTip(tr("Send the selected transfer again, resuming where it stopped"));
    m_openFile->setText(tr("Open file"));
    m_openFile->setToolTip(tr("Open the received file with its usual application"));
    m_openFolder->setText(tr("Open folder"));
    m_openFolder->setToolTip(tr("Show the files in the file manager"));
    m_clear->setText(tr("Clear finished"));
    m_details->setText(tr("Details…"));
    m_details->setToolTip(tr("Everything about the selected transfer, to read in full or copy"));
    m_model->retranslate();
}

} // namespace PunchDrop::Gui
