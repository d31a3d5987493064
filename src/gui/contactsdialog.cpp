// SPDX-License-Identifier: GPL-3.0-or-later
#include "contactsdialog.h"

#include "contacttablemodel.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

ContactsDialog::ContactsDialog(Backend *backend, QWidget *parent)
    : QDialog(parent)
    , m_model(new ContactTableModel(backend, this))
{
    setObjectName(QStringLiteral("contactsDialog"));
    m_intro = new QLabel(this);
    m_intro->setWordWrap(true);
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("contactsTable"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("contactsEmptyLabel"));
    m_empty->setWordWrap(true);
    m_keyHelp = new QLabel(this);
    m_keyHelp->setObjectName(QStringLiteral("keyChangeHelp"));
    m_keyHelp->setWordWrap(true);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("contactsErrorLabel"));
    m_error->setTextFormat(Qt::PlainText); // may quote a contact's name
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    m_error->hide();

    m_rename = new QPushButton(this);
    m_rename->setObjectName(QStringLiteral("renameContactButton"));
    connect(m_rename, &QPushButton::clicked, this, &ContactsDialog::renameSelected);
    m_forget = new QPushButton(this);
    m_forget->setObjectName(QStringLiteral("forgetContactButton"));
    connect(m_forget, &QPushButton::clicked, this, &ContactsDialog::forgetSelected);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *actions = new QHBoxLayout;
    actions->addWidget(m_rename);
    actions->addWidget(m_forget);
    actions->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_intro);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_empty);
    layout->addLayout(actions);
    layout->addWidget(m_error);
    layout->addWidget(m_keyHelp);
    layout->addWidget(m_buttons);

    connect(m_model, &ContactTableModel::actionFailed, this, &ContactsDialog::showError);
    connect(m_model, &ContactTableModel::actionSucceeded, this, [this] { showError({}); });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        &ContactsDialog::updateButtons);
    // Contacts come and go while the page is open (a transfer pins one): the selection
    // follows the contact, not the row number.
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this,
        [this] { m_selectedBeforeReset = selectedId(); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        if (!m_selectedBeforeReset.isNull())
            selectContact(m_selectedBeforeReset);
        updateButtons();
    });
    retranslateUi();
    updateButtons();
    m_view->resizeColumnsToContents();
    resize(760, 420);
}

void ContactsDialog::retranslateUi()
{
    setWindowTitle(tr("Contacts"));
    m_intro->setText(tr("Devices you have exchanged files with. PunchDrop knows each one by its "
                        "key (the device ID); the name is only a label you can change."));
    m_empty->setText(tr("No contacts yet. A device becomes a contact after the first "
                        "transfer you accepted or sent."));
    m_keyHelp->setText(
        tr("A contact's key changes only if PunchDrop is reinstalled there (or someone pretends "
           "to be it): its files are then refused with \"has a new key\". Ask its owner for the "
           "device ID shown at the top of their window. If it is right, forget the old contact "
           "here: the next transfer asks you again and shows a verification code."));
    m_rename->setText(tr("Rename…"));
    m_forget->setText(tr("Forget"));
    m_forget->setToolTip(tr("Remove this contact: no more automatic acceptance, and its next "
                            "transfer asks you again"));
    m_model->retranslate();
}

void ContactsDialog::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

DeviceId ContactsDialog::selectedId() const
{
    const QModelIndex current = m_view->currentIndex();
    return current.isValid() ? current.data(ContactTableModel::PeerRole).value<DeviceId>()
                             : DeviceId();
}

void ContactsDialog::updateButtons()
{
    const bool selected = m_view->currentIndex().isValid();
    m_rename->setEnabled(selected);
    m_forget->setEnabled(selected);
    m_empty->setVisible(m_model->rowCount() == 0);
}

void ContactsDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void ContactsDialog::selectContact(const DeviceId &id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return;
    const QModelIndex index = m_model->index(row, ContactTableModel::NameColumn);
    m_view->setCurrentIndex(index);
    m_view->scrollTo(index);
}

void ContactsDialog::renameSelected()
{
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid())
        return;
    m_view->edit(current.siblingAtColumn(ContactTableModel::NameColumn));
}

void ContactsDialog::forgetSelected()
{
    const DeviceId id = selectedId();
    if (id.isNull())
        return;
    const QString name
        = m_view->currentIndex().siblingAtColumn(ContactTableModel::NameColumn).data().toString();
    auto *box = new QMessageBox(QMessageBox::Question, tr("Forget contact"),
        tr("Forget %1?").arg(name), QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("forgetContactConfirm"));
    box->setTextFormat(Qt::PlainText); // the name is the device's own choice
    box->setInformativeText(tr("Its files will no longer be accepted without asking. Its next "
                               "transfer asks you again and shows a verification code."));
    box->setDefaultButton(QMessageBox::No);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, id] {
        if (box->standardButton(box->clickedButton()) != QMessageBox::Yes)
            return; // No, Escape, closed
        m_model->forget(m_model->rowOf(id));
    });
    box->open();
}

} // namespace PunchDrop::Gui
