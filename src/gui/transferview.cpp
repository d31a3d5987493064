// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferview.h"

#include "cardstyle.h"
#include "glyphs.h"

#include <QPainter>

namespace PunchDrop::Gui {

namespace {
constexpr int kInset = 12;
constexpr int kArrow = 40;
} // namespace

TransferView::TransferView(QWidget *parent)
    : QListView(parent)
{
    setObjectName(QStringLiteral("transferView"));
}

void TransferView::setPlaceholderText(const QString &text)
{
    m_placeholder = text;
    viewport()->update();
}

void TransferView::paintEvent(QPaintEvent *event)
{
    QListView::paintEvent(event);
    if (!model() || model()->rowCount() > 0 || m_placeholder.isEmpty())
        return;
    QPainter painter(viewport());
    paintDropZone(&painter);
}

void TransferView::paintDropZone(QPainter *painter) const
{
    const QPalette &p = palette();
    const QColor base = p.color(QPalette::Base);
    const QColor text = p.color(QPalette::Text);
    // Quieter than the text, but readable (at least 4.5:1 on the base, in either theme).
    QColor quiet = CardStyle::mix(text, base, 0.3);
    if (CardStyle::contrastRatio(quiet, base) < 4.5)
        quiet = text;
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF zone = QRectF(viewport()->rect()).adjusted(kInset, kInset, -kInset, -kInset);
    painter->setPen(QPen(CardStyle::mix(text, base, 0.55), 2, Qt::DashLine));
    painter->setBrush(CardStyle::mix(base, text, 0.03));
    painter->drawRoundedRect(zone, CardStyle::kRadius * 1.5, CardStyle::kRadius * 1.5);

    const QFontMetrics fm = fontMetrics();
    const QRect textRect = zone.toRect().adjusted(kInset, 0, -kInset, 0);
    const int textHeight
        = fm.boundingRect(textRect, Qt::AlignCenter | Qt::TextWordWrap, m_placeholder).height();
    const int blockTop = int(zone.center().y()) - (kArrow + 8 + textHeight) / 2;
    const QRectF arrow(zone.center().x() - kArrow / 2.0, blockTop, kArrow, kArrow);
    Glyphs::drawBadge(painter, arrow, CardStyle::mix(base, text, 0.08), Glyphs::Mark::Down, quiet);
    painter->setPen(quiet);
    painter->drawText(QRect(textRect.left(), blockTop + kArrow + 8, textRect.width(), textHeight),
        Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, m_placeholder);
}

} // namespace PunchDrop::Gui
