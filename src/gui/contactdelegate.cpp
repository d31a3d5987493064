// SPDX-License-Identifier: GPL-3.0-or-later
#include "contactdelegate.h"

#include "contactlistmodel.h"
#include "contactview.h"
#include "net/wire/nattype.h"

#include <QApplication>
#include <QPainter>

namespace PunchDrop::Gui {

namespace {
constexpr int kMargin = 6;
constexpr int kDot = 10;

QColor presenceColor(const QModelIndex &index)
{
    if (!index.data(ContactListModel::OnlineRole).toBool())
        return QColor(0x9e, 0x9e, 0x9e);
    if (index.data(ContactListModel::SourceRole).toInt() == int(PeerInfo::Source::Lan))
        return QColor(0x1e, 0x88, 0xe5);
    return QColor(0x43, 0xa0, 0x47);
}
} // namespace

void ContactDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear(); // the base draws background, selection and focus only
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const auto *view = qobject_cast<const ContactView *>(widget);
    const bool dropTarget = view && view->dropTargetRow() == index.row();
    if (dropTarget) {
        QColor fill = option.palette.color(QPalette::Highlight);
        fill.setAlpha(60);
        painter->setBrush(fill);
        painter->setPen(QPen(option.palette.color(QPalette::Highlight), 2));
        painter->drawRoundedRect(QRectF(option.rect).adjusted(1.5, 1.5, -1.5, -1.5), 6, 6);
    }

    const QRect r = option.rect.adjusted(kMargin, kMargin, -kMargin, -kMargin);
    painter->setPen(Qt::NoPen);
    painter->setBrush(presenceColor(index));
    const int lineHeight = option.fontMetrics.height();
    painter->drawEllipse(QRect(r.left(), r.top() + (lineHeight - kDot) / 2, kDot, kDot));

    const bool selected = option.state & QStyle::State_Selected;
    const bool online = index.data(ContactListModel::OnlineRole).toBool();
    QPalette::ColorGroup group = online ? QPalette::Normal : QPalette::Disabled;
    painter->setPen(
        option.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text));
    QFont nameFont = option.font;
    nameFont.setBold(true);
    painter->setFont(nameFont);
    const QRect textRect = r.adjusted(kDot + kMargin, 0, 0, 0);
    const QString name = index.data(ContactListModel::NameRole).toString();
    painter->drawText(textRect, Qt::AlignLeft | Qt::AlignTop,
        QFontMetrics(nameFont).elidedText(name, Qt::ElideRight, textRect.width()));

    // Which rows are pinned contacts: a namesake of a contact reads "Not a contact yet".
    QString detail = index.data(ContactListModel::PresenceTextRole).toString()
        + QStringLiteral(" · ") + index.data(ContactListModel::TrustTextRole).toString();
    const QString nat = index.data(ContactListModel::NatTypeRole).toString();
    if (!nat.isEmpty())
        detail += QStringLiteral(" · ") + NatType::displayName(nat);
    painter->setFont(option.font);
    painter->setPen(option.palette.color(QPalette::Disabled, QPalette::Text));
    painter->drawText(textRect.adjusted(0, lineHeight + 2, 0, 0), Qt::AlignLeft | Qt::AlignTop,
        option.fontMetrics.elidedText(detail, Qt::ElideRight, textRect.width()));
    painter->restore();
}

QSize ContactDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    return {200, 2 * option.fontMetrics.height() + 2 + 2 * kMargin};
}

} // namespace PunchDrop::Gui
