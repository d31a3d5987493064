// SPDX-License-Identifier: GPL-3.0-or-later
#include "glyphs.h"

#include <QPainter>
#include <QPainterPath>

namespace PunchDrop::Gui::Glyphs {

namespace {

//! A point of \a rect given in fractions of its size.
QPointF at(const QRectF &rect, qreal fx, qreal fy)
{
    return {rect.left() + rect.width() * fx, rect.top() + rect.height() * fy};
}

void strokeMark(QPainter *painter, const QRectF &r, Mark mark)
{
    QPainterPath path;
    switch (mark) {
    case Mark::Check:
        path.moveTo(at(r, 0.27, 0.53));
        path.lineTo(at(r, 0.44, 0.70));
        path.lineTo(at(r, 0.75, 0.35));
        break;
    case Mark::Cross:
        path.moveTo(at(r, 0.32, 0.32));
        path.lineTo(at(r, 0.68, 0.68));
        path.moveTo(at(r, 0.68, 0.32));
        path.lineTo(at(r, 0.32, 0.68));
        break;
    case Mark::Dash:
        path.moveTo(at(r, 0.30, 0.5));
        path.lineTo(at(r, 0.70, 0.5));
        break;
    case Mark::Up:
    case Mark::Down: {
        const bool up = mark == Mark::Up;
        path.moveTo(at(r, 0.5, up ? 0.72 : 0.28));
        path.lineTo(at(r, 0.5, up ? 0.28 : 0.72));
        path.moveTo(at(r, 0.33, up ? 0.45 : 0.55));
        path.lineTo(at(r, 0.5, up ? 0.28 : 0.72));
        path.lineTo(at(r, 0.67, up ? 0.45 : 0.55));
        break;
    }
    }
    painter->drawPath(path);
}

} // namespace

void drawComputer(QPainter *painter, const QRectF &rect, const QColor &color)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const qreal pen = qMax<qreal>(1.5, rect.width() / 14);
    painter->setPen(QPen(color, pen, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter->setBrush(Qt::NoBrush);
    const QRectF screen(at(rect, 0.06, 0.12), at(rect, 0.94, 0.70));
    painter->drawRoundedRect(screen, rect.width() * 0.06, rect.width() * 0.06);
    painter->drawLine(at(rect, 0.5, 0.70), at(rect, 0.5, 0.84));
    painter->drawLine(at(rect, 0.30, 0.86), at(rect, 0.70, 0.86));
    painter->restore();
}

void drawLaptop(QPainter *painter, const QRectF &rect, const QColor &color)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const qreal pen = qMax<qreal>(1.5, rect.width() / 14);
    painter->setPen(QPen(color, pen, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter->setBrush(Qt::NoBrush);
    const QRectF lid(at(rect, 0.18, 0.18), at(rect, 0.82, 0.64));
    painter->drawRoundedRect(lid, rect.width() * 0.05, rect.width() * 0.05);
    QPainterPath base;
    base.moveTo(at(rect, 0.18, 0.68));
    base.lineTo(at(rect, 0.04, 0.82));
    base.lineTo(at(rect, 0.96, 0.82));
    base.lineTo(at(rect, 0.82, 0.68));
    painter->drawPath(base);
    painter->restore();
}

void drawServer(QPainter *painter, const QRectF &rect, const QColor &color)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const qreal pen = qMax<qreal>(1.5, rect.width() / 14);
    painter->setPen(QPen(color, pen, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    for (const qreal top : {0.12, 0.52}) {
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(QRectF(at(rect, 0.12, top), at(rect, 0.88, top + 0.34)),
            rect.width() * 0.05, rect.width() * 0.05);
        painter->drawLine(at(rect, 0.50, top + 0.17), at(rect, 0.74, top + 0.17));
        painter->setBrush(color);
        painter->drawEllipse(at(rect, 0.28, top + 0.17), pen * 0.6, pen * 0.6);
    }
    painter->restore();
}

void drawShield(QPainter *painter, const QRectF &rect, const QColor &fill, const QColor &outline,
    const QColor &checkColor)
{
    QPainterPath shield;
    shield.moveTo(at(rect, 0.5, 0.02));
    shield.lineTo(at(rect, 0.94, 0.18));
    shield.lineTo(at(rect, 0.94, 0.48));
    shield.cubicTo(at(rect, 0.94, 0.76), at(rect, 0.72, 0.90), at(rect, 0.5, 0.98));
    shield.cubicTo(at(rect, 0.28, 0.90), at(rect, 0.06, 0.76), at(rect, 0.06, 0.48));
    shield.lineTo(at(rect, 0.06, 0.18));
    shield.closeSubpath();
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const qreal pen = qMax<qreal>(1.2, rect.width() / 10);
    if (fill.isValid()) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(fill);
    } else {
        painter->setPen(QPen(outline, pen));
        painter->setBrush(Qt::NoBrush);
    }
    painter->drawPath(shield);
    if (checkColor.isValid()) {
        painter->setPen(QPen(checkColor, pen * 1.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        painter->setBrush(Qt::NoBrush);
        strokeMark(painter, rect, Mark::Check);
    }
    painter->restore();
}

void drawBadge(
    QPainter *painter, const QRectF &rect, const QColor &fill, Mark mark, const QColor &markColor)
{
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(fill);
    painter->drawEllipse(rect);
    painter->setPen(QPen(
        markColor, qMax<qreal>(1.5, rect.width() / 9), Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    painter->setBrush(Qt::NoBrush);
    strokeMark(painter, rect, mark);
    painter->restore();
}

} // namespace PunchDrop::Gui::Glyphs
