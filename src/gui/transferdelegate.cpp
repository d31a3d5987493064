// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferdelegate.h"

#include "transferlistmodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace PunchDrop::Gui {

namespace {
constexpr int kMargin = 6;
constexpr int kBarHeight = 14;

QColor badgeColor(const TransferSnapshot &s)
{
    switch (s.path) {
    case PathKind::DirectPunch:
        return QColor(0x43, 0xa0, 0x47);
    case PathKind::DirectLan:
        return QColor(0x1e, 0x88, 0xe5);
    case PathKind::Relayed:
        return QColor(0xfb, 0x8c, 0x00);
    case PathKind::Unknown:
        break;
    }
    return QColor(0x9e, 0x9e, 0x9e);
}
} // namespace

void TransferDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const auto s = index.data(TransferListModel::SnapshotRole).value<TransferSnapshot>();
    const bool selected = option.state & QStyle::State_Selected;
    const QColor textColor
        = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    const QFontMetrics fm = option.fontMetrics;
    const QRect r = option.rect.adjusted(kMargin, kMargin, -kMargin, -kMargin);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);

    // Line 1: arrow + title, badge on the right.
    const QString badge = index.data(TransferListModel::PathBadgeRole).toString();
    int badgeWidth = 0;
    if (!badge.isEmpty()) {
        QFont small = option.font;
        small.setPointSizeF(small.pointSizeF() * 0.9);
        const QFontMetrics sfm(small);
        badgeWidth = sfm.horizontalAdvance(badge) + 12;
        const QRect badgeRect(r.right() - badgeWidth, r.top(), badgeWidth, fm.height());
        painter->setPen(Qt::NoPen);
        painter->setBrush(badgeColor(s));
        painter->drawRoundedRect(badgeRect, 6, 6);
        painter->setPen(Qt::white);
        painter->setFont(small);
        painter->drawText(badgeRect, Qt::AlignCenter, badge);
    }
    QFont titleFont = option.font;
    titleFont.setBold(true);
    painter->setFont(titleFont);
    painter->setPen(textColor);
    const QString arrow = s.direction == TransferSnapshot::Direction::Outgoing
        ? QStringLiteral("↑ ")
        : QStringLiteral("↓ ");
    const QRect titleRect(r.left(), r.top(), r.width() - badgeWidth - kMargin, fm.height());
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
        QFontMetrics(titleFont).elidedText(
            arrow + index.data().toString(), Qt::ElideMiddle, titleRect.width()));

    // Line 2: the progress bar.
    QStyleOptionProgressBar bar;
    bar.rect = QRect(r.left(), r.top() + fm.height() + 4, r.width(), kBarHeight);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.direction = option.direction;
    bar.palette = option.palette;
    bar.fontMetrics = fm;
    bar.minimum = 0;
    const int percent = index.data(TransferListModel::ProgressRole).toInt();
    const bool active = !s.isFinished();
    // Unknown total while active: a busy bar.
    bar.maximum = (percent < 0 && active) ? 0 : 100;
    bar.progress = qMax(percent, 0);
    bar.textVisible = false;
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);

    // Line 3: sizes, speed, time left, or what went wrong.
    painter->setFont(option.font);
    const bool failed = s.state == TransferSnapshot::State::Failed;
    QColor lineColor = option.palette.color(QPalette::Disabled, QPalette::Text);
    if (failed)
        lineColor = selected ? QColor(0xff, 0xcd, 0xd2) : QColor(0xc6, 0x28, 0x28);
    else if (selected)
        lineColor = textColor;
    painter->setPen(lineColor);
    const QRect lineRect(r.left(), bar.rect.bottom() + 4, r.width(), fm.height());
    painter->drawText(lineRect, Qt::AlignLeft | Qt::AlignVCenter,
        fm.elidedText(index.data(TransferListModel::ProgressTextRole).toString(), Qt::ElideRight,
            lineRect.width()));
    painter->restore();
}

QSize TransferDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    const int h = option.fontMetrics.height();
    return {320, 2 * kMargin + h + 4 + kBarHeight + 4 + h};
}

} // namespace PunchDrop::Gui
