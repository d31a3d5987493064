// SPDX-License-Identifier: GPL-3.0-or-later
#include "cardstyle.h"

#include <QPainter>
#include <QStyle>
#include <QStyleOptionViewItem>

#include <cmath>

namespace PunchDrop::Gui::CardStyle {

namespace {

qreal channel(qreal c)
{
    return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

qreal luminance(const QColor &color)
{
    const QColor rgb = color.toRgb();
    return 0.2126 * channel(rgb.redF()) + 0.7152 * channel(rgb.greenF())
        + 0.0722 * channel(rgb.blueF());
}

/*!
 * \a color, moved towards black or white (whichever stands out more from \a background) until
 * it has \a minimum contrast with it: a theme's odd highlight colour cannot make text unreadable.
 */
QColor ensureContrast(QColor color, const QColor &background, qreal minimum)
{
    const QColor extreme
        = contrastRatio(Qt::black, background) > contrastRatio(Qt::white, background)
        ? QColor(Qt::black)
        : QColor(Qt::white);
    for (int step = 0; step < 12 && contrastRatio(color, background) < minimum; ++step)
        color = mix(color, extreme, 0.25);
    return color;
}

} // namespace

bool isDark(const QPalette &palette)
{
    return luminance(palette.color(QPalette::Base)) < luminance(palette.color(QPalette::Text));
}

QColor mix(const QColor &a, const QColor &b, qreal amount)
{
    const QColor x = a.toRgb();
    const QColor y = b.toRgb();
    const auto blend = [amount](qreal p, qreal q) { return p + (q - p) * amount; };
    return QColor::fromRgbF(float(blend(x.redF(), y.redF())), float(blend(x.greenF(), y.greenF())),
        float(blend(x.blueF(), y.blueF())));
}

qreal contrastRatio(const QColor &a, const QColor &b)
{
    const qreal la = luminance(a);
    const qreal lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor cardFill(const QStyleOptionViewItem &option)
{
    const QPalette &p = option.palette;
    // Selected: a tint of the highlight colour with a highlight border (paintCard), so the text
    // keeps the theme's text colour, which is made to read on the base.
    if (option.state & QStyle::State_Selected)
        return mix(p.color(QPalette::Base), p.color(QPalette::Highlight), 0.22);
    // A little of the text colour raises the card off the list's base, in both themes.
    const qreal lift = (option.state & QStyle::State_MouseOver) ? 0.09 : 0.05;
    return mix(p.color(QPalette::Base), p.color(QPalette::Text), lift);
}

QColor primaryText(const QStyleOptionViewItem &option)
{
    return ensureContrast(
        option.palette.color(QPalette::Normal, QPalette::Text), cardFill(option), 7.0);
}

QColor secondaryText(const QStyleOptionViewItem &option)
{
    const QColor fill = cardFill(option);
    const QColor text = primaryText(option);
    return ensureContrast(mix(text, fill, 0.35), fill, 4.5);
}

QColor toneColor(const QStyleOptionViewItem &option, Tone tone)
{
    const bool dark = isDark(option.palette);
    QColor color;
    switch (tone) {
    case Tone::Success:
        color = dark ? QColor(0x81, 0xc7, 0x84) : QColor(0x2e, 0x7d, 0x32);
        break;
    case Tone::Error:
        color = dark ? QColor(0xef, 0x9a, 0x9a) : QColor(0xc6, 0x28, 0x28);
        break;
    case Tone::Warning:
        color = dark ? QColor(0xff, 0xcc, 0x80) : QColor(0xb2, 0x6a, 0x00);
        break;
    case Tone::Info:
        color = dark ? QColor(0x90, 0xca, 0xf9) : QColor(0x15, 0x65, 0xc0);
        break;
    case Tone::Neutral:
        return secondaryText(option);
    }
    // On a selected card (the highlight colour) a status colour that would not read is pushed
    // towards black or white.
    const QColor fill = cardFill(option);
    return ensureContrast(color, fill, 4.5);
}

QRect paintCard(QPainter *painter, const QStyleOptionViewItem &option, bool emphasised)
{
    const QRectF card = QRectF(option.rect).adjusted(kGap, kGap, -kGap, -kGap);
    const QPalette &p = option.palette;
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QColor border = mix(p.color(QPalette::Base), p.color(QPalette::Text), 0.18);
    qreal width = 1;
    if (emphasised || (option.state & QStyle::State_Selected)) {
        border = p.color(QPalette::Highlight);
        width = 2;
    } else if (option.state & QStyle::State_HasFocus) {
        border = p.color(QPalette::Highlight);
    }
    painter->setPen(QPen(border, width));
    painter->setBrush(cardFill(option));
    painter->drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);
    painter->restore();
    return card.toRect().adjusted(kPadding, kPadding, -kPadding, -kPadding);
}

} // namespace PunchDrop::Gui::CardStyle
