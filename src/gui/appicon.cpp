// SPDX-License-Identifier: GPL-3.0-or-later
#include "appicon.h"

#include <QFile>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace PunchDrop::Gui {

QIcon AppIcon::icon()
{
    QIcon icon;
    for (const int size : {16, 22, 24, 32, 48, 64, 128, 256, 512}) {
        const QString png = QStringLiteral(":/icons/punchdrop-%1.png").arg(size);
        if (QFile::exists(png))
            icon.addFile(png, QSize(size, size));
    }
    if (!icon.availableSizes().isEmpty())
        return icon;
    const QIcon svg(QStringLiteral(":/icons/punchdrop.svg"));
    if (!svg.availableSizes().isEmpty() || !svg.pixmap(32).isNull())
        return svg;

    // Neither PNGs nor the SVG plugin: a blue disc with a white arrow.
    QPixmap pixmap(64, 64);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0x1e, 0x88, 0xe5));
    painter.drawEllipse(2, 2, 60, 60);
    QPainterPath arrow;
    arrow.moveTo(32, 12);
    arrow.lineTo(50, 32);
    arrow.lineTo(38, 32);
    arrow.lineTo(38, 52);
    arrow.lineTo(26, 52);
    arrow.lineTo(26, 32);
    arrow.lineTo(14, 32);
    arrow.closeSubpath();
    painter.setBrush(Qt::white);
    painter.drawPath(arrow);
    painter.end();
    return QIcon(pixmap);
}

} // namespace PunchDrop::Gui
