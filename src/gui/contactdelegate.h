// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStyledItemDelegate>

namespace PunchDrop::Gui {

/*!
 * Paints a contact: a presence dot (green online, blue on the LAN, grey offline), the name and
 * a line with presence and NAT type. The drop target of a running drag gets a highlight frame.
 */
class ContactDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace PunchDrop::Gui
