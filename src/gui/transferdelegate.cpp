// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferdelegate.h"

#include "cardstyle.h"
#include "glyphs.h"
#include "transferlistmodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace PunchDrop::Gui {

namespace {
constexpr int kBarHeight = 14;
constexpr int kBadge = 28;
constexpr int kSpacing = 10;

QColor pathColor(const TransferSnapshot &s)
{
    switch (s.path) {
    case PathKind::DirectPunch:
    case PathKind::DirectPortMap:
    case PathKind::DirectGuess:
        return QColor(0x2e, 0x7d, 0x32);
    case PathKind::DirectLan:
        return QColor(0x15, 0x65, 0xc0);
    case PathKind::Relayed:
        return QColor(0xa8, 0x4b, 0x00);
    case PathKind::Unknown:
        break;
    }
    return QColor(0x61, 0x61, 0x61);
}

//! The state at a glance: an arrow while it runs, a check when done, a cross when it failed.
void paintStateBadge(QPainter *painter, const QRect &rect, const QStyleOptionViewItem &option,
    const TransferSnapshot &s, bool stalled)
{
    using State = TransferSnapshot::State;
    CardStyle::Tone tone = CardStyle::Tone::Info;
    Glyphs::Mark mark = s.direction == TransferSnapshot::Direction::Outgoing ? Glyphs::Mark::Up
                                                                             : Glyphs::Mark::Down;
    switch (s.state) {
    case State::Done:
        tone = CardStyle::Tone::Success;
        mark = Glyphs::Mark::Check;
        break;
    case State::Failed:
    case State::Declined:
        tone = CardStyle::Tone::Error;
        mark = Glyphs::Mark::Cross;
        break;
    case State::Cancelled:
        tone = CardStyle::Tone::Neutral;
        mark = Glyphs::Mark::Dash;
        break;
    case State::Connecting:
    case State::Waiting:
    case State::Transferring:
        if (stalled)
            tone = CardStyle::Tone::Warning;
        break;
    }
    Glyphs::drawBadge(
        painter, rect, CardStyle::toneColor(option, tone), mark, CardStyle::cardFill(option));
}

//! The path badge ("Direct · LAN") at the right end of \a line; returns its width.
int paintPathBadge(QPainter *painter, const QRect &line, const QStyleOptionViewItem &option,
    const QString &badge, const TransferSnapshot &s)
{
    if (badge.isEmpty())
        return 0;
    QFont small = option.font;
    small.setPointSizeF(small.pointSizeF() * 0.9);
    const int width = QFontMetrics(small).horizontalAdvance(badge) + 12;
    const QRect rect(line.right() - width, line.top(), width, line.height());
    painter->setPen(Qt::NoPen);
    painter->setBrush(pathColor(s)); // dark enough for white text in both themes
    painter->drawRoundedRect(rect, 6, 6);
    painter->setPen(Qt::white);
    painter->setFont(small);
    painter->drawText(rect, Qt::AlignCenter, badge);
    return width;
}
} // namespace

void TransferDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QRect r = CardStyle::paintCard(painter, option);
    const auto s = index.data(TransferListModel::SnapshotRole).value<TransferSnapshot>();
    const bool stalled = index.data(TransferListModel::StalledRole).toBool();
    const bool active = !s.isFinished();
    const QFontMetrics fm = option.fontMetrics;

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    paintStateBadge(painter, QRect(r.left(), r.top() + (r.height() - kBadge) / 2, kBadge, kBadge),
        option, s, stalled);
    const QRect content = r.adjusted(kBadge + kSpacing, 0, 0, 0);
    // A finished row has no bar: its two lines sit in the middle of the card.
    const int linesHeight
        = active ? fm.height() + 4 + kBarHeight + 4 + fm.height() : 2 * fm.height() + 4;
    const int top = content.top() + (content.height() - linesHeight) / 2;

    // Line 1: the title, the path badge on the right.
    const QRect titleLine(content.left(), top, content.width(), fm.height());
    const int badgeWidth = paintPathBadge(
        painter, titleLine, option, index.data(TransferListModel::PathBadgeRole).toString(), s);
    QFont titleFont = option.font;
    titleFont.setBold(true);
    painter->setFont(titleFont);
    painter->setPen(CardStyle::primaryText(option));
    const QRect titleRect = titleLine.adjusted(0, 0, -(badgeWidth ? badgeWidth + kSpacing : 0), 0);
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
        QFontMetrics(titleFont).elidedText(
            index.data().toString(), Qt::ElideMiddle, titleRect.width()));

    // Line 2 while it runs: the progress bar (busy while the total is unknown).
    int lineTop = titleLine.bottom() + 4;
    if (active) {
        QStyleOptionProgressBar bar;
        bar.rect = QRect(content.left(), lineTop, content.width(), kBarHeight);
        bar.state = option.state | QStyle::State_Horizontal;
        bar.direction = option.direction;
        bar.palette = option.palette;
        bar.fontMetrics = fm;
        bar.minimum = 0;
        const int percent = index.data(TransferListModel::ProgressRole).toInt();
        bar.maximum = percent < 0 ? 0 : 100;
        bar.progress = qMax(percent, 0);
        bar.textVisible = false;
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
        lineTop = bar.rect.bottom() + 4;
    }

    // The last line: sizes, speed, time left; the average speed when done; what went wrong.
    CardStyle::Tone tone = CardStyle::Tone::Neutral;
    if (s.state == TransferSnapshot::State::Failed)
        tone = CardStyle::Tone::Error;
    else if (stalled)
        tone = CardStyle::Tone::Warning;
    painter->setFont(option.font);
    painter->setPen(CardStyle::toneColor(option, tone));
    const QRect lineRect(content.left(), lineTop, content.width(), fm.height());
    painter->drawText(lineRect, Qt::AlignLeft | Qt::AlignVCenter,
        fm.elidedText(index.data(TransferListModel::ProgressTextRole).toString(), Qt::ElideRight,
            lineRect.width()));
    painter->restore();
}

QSize TransferDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    const int h = option.fontMetrics.height();
    const int content = qMax(kBadge, h + 4 + kBarHeight + 4 + h);
    return {320, content + 2 * (CardStyle::kPadding + CardStyle::kGap)};
}

} // namespace PunchDrop::Gui
