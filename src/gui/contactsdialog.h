// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QPushButton;
class QTableView;

namespace PunchDrop::Gui {

class Backend;
class ContactTableModel;

/*!
 * The Contacts page: every pinned contact with its full device ID, whether it is online, when
 * files last went either way, whether the user verified its ID and whether its offers are
 * accepted without asking. Rename, tick or untick, forget (after a question whose default is
 * No); a line explains what a changed key means and what to do about it.
 */
class ContactsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ContactsDialog(Backend *backend, QWidget *parent = nullptr);

    ContactTableModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    //! Selects \a id's row (when it is a contact).
    void selectContact(const DeviceId &id);
    //! Starts editing the selected contact's name.
    void renameSelected();
    //! Asks, then forgets the selected contact.
    void forgetSelected();

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void updateButtons();
    void showError(const QString &message);
    DeviceId selectedId() const;

    ContactTableModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_intro = nullptr;
    QLabel *m_empty = nullptr;
    QLabel *m_keyHelp = nullptr;
    QLabel *m_error = nullptr;
    QPushButton *m_rename = nullptr;
    QPushButton *m_forget = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    DeviceId m_selectedBeforeReset;
};

} // namespace PunchDrop::Gui
