// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStyledItemDelegate>

namespace PunchDrop::Gui {

/*!
 * Paints one transfer as a card: a state badge (an arrow while it runs, amber when stalled; a
 * check when done, a cross when it failed), the title, a path badge on the right ("Direct ·
 * LAN"), a progress bar while it runs, and the line under it ("12.3 MiB of 40.0 GiB · 85.0 MiB/s
 * · 3 min left"; "3.0 MiB sent · 1.2 MiB/s on average" when done; why it failed, in red).
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
