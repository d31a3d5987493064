// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QListView>
#include <QStringList>

class QMimeData;

namespace PunchDrop::Gui {

/*!
 * The contact list: drop files or folders on a contact to send them. The contact under the
 * cursor is highlighted while dragging (ContactDelegate asks dropTargetRow()); offline contacts
 * refuse the drop. With no contacts it says how to get some.
 */
class ContactView : public QListView
{
    Q_OBJECT
public:
    explicit ContactView(QWidget *parent = nullptr);

    //! The row a drag currently hovers, -1 when none.
    int dropTargetRow() const { return m_dropRow; }

    //! Local file paths in \a mime (files and folders); empty if it carries none.
    static QStringList localPaths(const QMimeData *mime);

    void setPlaceholderText(const QString &text);

Q_SIGNALS:
    void filesDropped(const PunchDrop::DeviceId &peer, const QStringList &paths);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dragLeaveEvent(QDragLeaveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    //! The droppable row at \a pos, -1 if none (no contact there, or the contact is offline).
    int droppableRowAt(const QPoint &pos) const;
    void setDropRow(int row);

    int m_dropRow = -1;
    QString m_placeholder;
};

} // namespace PunchDrop::Gui
