// SPDX-License-Identifier: GPL-3.0-or-later
#include "selfheader.h"

#include "deviceidqrdialog.h"
#include "qrcodewidget.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QToolButton>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

SelfHeader::SelfHeader(const DeviceId &self, QAction *copyAction, QWidget *parent)
    : QWidget(parent)
    , m_self(self)
{
    setObjectName(QStringLiteral("selfHeader"));
    m_you = new QLabel(this);
    m_you->setObjectName(QStringLiteral("selfNameLabel"));
    m_you->setTextFormat(Qt::PlainText);
    QFont big = m_you->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    m_you->setFont(big);
    m_id = new QLabel(this);
    m_id->setObjectName(QStringLiteral("deviceIdLabel"));
    m_id->setTextFormat(Qt::PlainText);
    m_id->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Wraps between groups: 52 characters in one line made the window wider than a small screen.
    m_id->setWordWrap(true);
    m_id->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_id->addAction(copyAction);
    m_copy = new QToolButton(this);
    m_copy->setObjectName(QStringLiteral("copyDeviceIdButton"));
    m_copy->setDefaultAction(copyAction);
    m_copy->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_qr = new QToolButton(this);
    m_qr->setObjectName(QStringLiteral("showQrCodeButton"));
    // The icon is this device's own code at one pixel a module (unscaled, so it stays sharp):
    // it shows what the button opens.
    if (const std::optional<QrCode> code = QrCode::encode(self.toString().toUtf8())) {
        const QImage thumbnail = QrCodeWidget::image(*code, 1, 1);
        m_qr->setIcon(QPixmap::fromImage(thumbnail));
        m_qr->setIconSize(thumbnail.size());
    }
    m_qr->setToolButtonStyle(Qt::ToolButtonIconOnly);
    connect(m_qr, &QToolButton::clicked, this, &SelfHeader::showQrCode);

    auto *idRow = new QHBoxLayout;
    idRow->addWidget(m_id, 1);
    idRow->addWidget(m_copy);
    idRow->addWidget(m_qr);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 4);
    layout->addWidget(m_you);
    layout->addLayout(idRow);
    retranslateUi();
}

QString SelfHeader::grouped(const DeviceId &id)
{
    // Groups of four, easier to read out and compare; DeviceId::fromString and the Find dialog
    // skip the spaces, so a copied selection still works.
    const QString text = id.toString();
    QStringList groups;
    for (qsizetype i = 0; i < text.size(); i += 4)
        groups << text.mid(i, 4);
    return groups.join(u' ');
}

void SelfHeader::setName(const QString &name)
{
    m_name = name;
    if (m_qrDialog)
        m_qrDialog->setName(name);
    retranslateUi();
}

void SelfHeader::showQrCode()
{
    if (!m_qrDialog) {
        m_qrDialog = new DeviceIdQrDialog(m_self, this);
        m_qrDialog->setName(m_name);
    }
    m_qrDialog->show();
    m_qrDialog->raise();
    m_qrDialog->activateWindow();
}

QString SelfHeader::text() const
{
    return m_you->text() + u'\n' + m_id->text();
}

void SelfHeader::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

void SelfHeader::retranslateUi()
{
    m_you->setText(tr("You are %1").arg(m_name));
    m_id->setText(tr("Device ID: %1").arg(grouped(m_self)));
    m_id->setToolTip(tr("Others find this device by this ID (or its first characters)."));
    m_qr->setText(tr("QR code"));
    m_qr->setToolTip(tr("Show the device ID as a QR code, for another device's camera"));
}

} // namespace PunchDrop::Gui
