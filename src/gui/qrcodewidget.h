// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/qrcode.h"

#include <QImage>
#include <QWidget>

#include <optional>

namespace PunchDrop::Gui {

/*!
 * Shows a text as a QR code, as large as the widget allows in whole pixels per module, dark on
 * white with the 4-module quiet zone whatever the palette: many camera readers do not read a
 * light-on-dark code, so a dark theme does not invert it.
 */
class QrCodeWidget : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kQuietZone = 4; //!< modules of white around the symbol

    explicit QrCodeWidget(QWidget *parent = nullptr);

    //! Encodes \a text as UTF-8; a text too long for a QR code shows nothing.
    void setText(const QString &text);
    QString text() const { return m_text; }
    bool hasCode() const { return m_code.has_value(); }

    //! \a code with \a quietZone modules of white around it, \a moduleSize pixels a module
    //! (at least 1).
    static QImage image(const QrCode &code, int moduleSize, int quietZone = kQuietZone);
    //! The current code as an image, or a null image when there is none.
    QImage image(int moduleSize) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override { return width; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    int modulesWithQuietZone() const;

    QString m_text;
    std::optional<QrCode> m_code;
};

} // namespace PunchDrop::Gui
