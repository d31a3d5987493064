// SPDX-License-Identifier: GPL-3.0-or-later
#include "qrcodewidget.h"

#include <QPainter>

namespace PunchDrop::Gui {

namespace {
// A phone camera reads a module of 4 screen pixels comfortably at arm's length.
constexpr int kMinModulePixels = 4;
constexpr int kPreferredModulePixels = 6;
} // namespace

QrCodeWidget::QrCodeWidget(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void QrCodeWidget::setText(const QString &text)
{
    m_text = text;
    m_code = QrCode::encode(text.toUtf8());
    updateGeometry();
    update();
}

int QrCodeWidget::modulesWithQuietZone() const
{
    return m_code ? m_code->size() + 2 * kQuietZone : 0;
}

QImage QrCodeWidget::image(const QrCode &code, int moduleSize, int quietZone)
{
    moduleSize = qMax(moduleSize, 1);
    quietZone = qMax(quietZone, 0);
    const int side = (code.size() + 2 * quietZone) * moduleSize;
    QImage result(side, side, QImage::Format_Grayscale8);
    result.fill(Qt::white);
    QPainter painter(&result);
    for (int y = 0; y < code.size(); ++y) {
        for (int x = 0; x < code.size(); ++x) {
            if (code.isDark(x, y)) {
                painter.fillRect((x + quietZone) * moduleSize, (y + quietZone) * moduleSize,
                    moduleSize, moduleSize, Qt::black);
            }
        }
    }
    return result;
}

QImage QrCodeWidget::image(int moduleSize) const
{
    return m_code ? image(*m_code, moduleSize) : QImage();
}

QSize QrCodeWidget::sizeHint() const
{
    const int side = modulesWithQuietZone() * kPreferredModulePixels;
    return {side, side};
}

QSize QrCodeWidget::minimumSizeHint() const
{
    const int side = modulesWithQuietZone() * kMinModulePixels;
    return {side, side};
}

void QrCodeWidget::paintEvent(QPaintEvent *)
{
    const int modules = modulesWithQuietZone();
    if (modules == 0)
        return;
    // Whole pixels per module: a scaled, smoothed code has blurred module edges that readers
    // misjudge.
    const int moduleSize = qMax(1, qMin(width(), height()) / modules);
    const QImage code = image(*m_code, moduleSize);
    QPainter painter(this);
    painter.drawImage(QPoint((width() - code.width()) / 2, (height() - code.height()) / 2), code);
}

} // namespace PunchDrop::Gui
