// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStyledItemDelegate>

namespace PunchDrop::Gui {

/*!
 * Paints a contact as a card: a device picture with the presence dot on its corner (green
 * online, blue on the LAN, grey offline), the name with the trust mark (verified, always
 * accepted, contact; none for a device that is not a contact yet) and a line with presence
 * and trust. The NAT type stays in the row's tooltip, after its meaning in plain words. The drop
 * target of a running drag gets a highlight frame.
 */
class ContactDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    //! The card's second line ("Online · Contact"), before eliding.
    [[nodiscard]] static QString detailText(const QModelIndex &index);
};

} // namespace PunchDrop::Gui
