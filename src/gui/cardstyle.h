// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QPalette>

class QPainter;
class QRect;
class QStyleOptionViewItem;

namespace PunchDrop::Gui {

/*!
 * The look the list delegates share: rows drawn as rounded cards, and colours derived from the
 * palette so the same code reads well in a light and a dark theme (status colours have a light
 * and a dark variant; secondary text is mixed from the text and card colours, never a fixed
 * grey). tests/gui/tst_delegatepalette checks the contrast on painted rows in both palettes.
 */
namespace CardStyle {

constexpr int kGap = 3; //!< between a card and the row's edge
constexpr int kPadding = 8; //!< inside a card
constexpr qreal kRadius = 8;

enum class Tone { Success, Error, Warning, Info, Neutral };

//! Whether \a palette is a dark theme (light text on a dark base).
bool isDark(const QPalette &palette);
//! \a a mixed with \a b: 0 gives \a a, 1 gives \a b.
QColor mix(const QColor &a, const QColor &b, qreal amount);
//! WCAG 2 contrast ratio of two opaque colours, 1 to 21.
qreal contrastRatio(const QColor &a, const QColor &b);

//! The card of a row in \a option's state (selected, hovered); its fill is what text is on.
QColor cardFill(const QStyleOptionViewItem &option);
QColor primaryText(const QStyleOptionViewItem &option);
//! Detail lines: quieter than the text, still readable (contrast ≥ 4.5 on the card).
QColor secondaryText(const QStyleOptionViewItem &option);
//! A status colour that reads on \a option's card (a light variant on dark themes).
QColor toneColor(const QStyleOptionViewItem &option, Tone tone);

//! Paints the card of \a option's row; \a emphasised draws a highlight border (a drop target).
//! Returns the card's inner rectangle (padding applied).
QRect paintCard(QPainter *painter, const QStyleOptionViewItem &option, bool emphasised = false);

} // namespace CardStyle

} // namespace PunchDrop::Gui
