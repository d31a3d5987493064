// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QRectF>

class QPainter;

namespace PunchDrop::Gui {

/*!
 * The small pictures the delegates draw, as vector paths in the palette's colours rather than
 * bitmaps: they stay sharp at any scale and follow a light or dark theme (the theme's icon set
 * may have none of them, and the offscreen tests have no icon theme at all).
 */
namespace Glyphs {

enum class Mark { Check, Cross, Dash, Up, Down };

//! A computer: a screen on a stand, outlined in \a color (a desktop, or a device whose kind
//! is unknown).
void drawComputer(QPainter *painter, const QRectF &rect, const QColor &color);
//! A laptop: an open lid over a wider keyboard base, outlined in \a color.
void drawLaptop(QPainter *painter, const QRectF &rect, const QColor &color);
//! A server: two stacked rack units, each with a status light and a drive slot, in \a color.
void drawServer(QPainter *painter, const QRectF &rect, const QColor &color);
//! A shield, filled with \a fill (or outlined in \a outline when \a fill is invalid), with a check
//! mark in \a checkColor when that is valid.
void drawShield(QPainter *painter, const QRectF &rect, const QColor &fill, const QColor &outline,
    const QColor &checkColor = {});
//! A filled circle in \a fill with \a mark drawn in \a markColor.
void drawBadge(
    QPainter *painter, const QRectF &rect, const QColor &fill, Mark mark, const QColor &markColor);

} // namespace Glyphs

} // namespace PunchDrop::Gui
