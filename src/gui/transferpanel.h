// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transferview.h"

#include <QWidget>

#include <functional>

class QPushButton;
class QLabel;
class QMenu;

namespace PunchDrop::Gui {

class Backend;
class TransferListModel;

/*!
 * The transfer list with its actions: cancel, retry / resume, open a received file, open the
 * containing folder, the details of a row, clear finished. A thin widget: the rows live in
 * TransferListModel, the work in the Backend.
 */
class TransferPanel : public QWidget
{
    Q_OBJECT
public:
    TransferPanel(Backend *backend, TransferListModel *model, QWidget *parent = nullptr);

    TransferView *view() const { return m_view; }

    //! How "Open folder" opens a folder (QDesktopServices by default; tests record the call).
    //! False when nothing could open it: the panel then says so and shows the path.
    void setFolderOpener(std::function<bool(const QString &)> opener);
    //! How "Open file" opens a received file (QDesktopServices by default), likewise.
    void setFileOpener(std::function<bool(const QString &)> opener);

public Q_SLOTS:
    void cancelCurrent();
    void retryCurrent();
    void openCurrentFolder();
    void openCurrentFile();
    void clearFinished();
    //! The selected row's whole text (a long failure reason, the files, the folder) in a box
    //! whose text can be selected and copied.
    void showCurrentDetails();

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void updateActions();
    void showContextMenu(const QPoint &pos);
    quint64 currentId() const;

    Backend *m_backend;
    TransferListModel *m_model;
    QLabel *m_title = nullptr;
    TransferView *m_view = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_retry = nullptr;
    QPushButton *m_openFile = nullptr;
    QPushButton *m_openFolder = nullptr;
    QPushButton *m_clear = nullptr;
    QPushButton *m_details = nullptr;
    std::function<bool(const QString &)> m_openFolderFn;
    std::function<bool(const QString &)> m_openFileFn;
};

} // namespace PunchDrop::Gui
