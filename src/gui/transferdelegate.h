// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStyledItemDelegate>

namespace PunchDrop::Gui {

/*!
 * Paints one transfer: a direction arrow and the title, a path badge on the right
 * ("Direct · LAN"), a progress bar, and the line under it ("12.3 MiB of 40.0 GiB · 85.0 MiB/s ·
 * 3 min left", or why it failed, in red).
 */
class TransferDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace PunchDrop::Gui
