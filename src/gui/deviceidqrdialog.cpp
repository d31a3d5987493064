// SPDX-License-Identifier: GPL-3.0-or-later
#include "deviceidqrdialog.h"

#include "qrcodewidget.h"
#include "selfheader.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

DeviceIdQrDialog::DeviceIdQrDialog(const DeviceId &self, QWidget *parent)
    : QDialog(parent)
    , m_self(self)
{
    setObjectName(QStringLiteral("deviceIdQrDialog"));
    m_heading = new QLabel(this);
    m_heading->setObjectName(QStringLiteral("deviceIdQrHeading"));
    m_heading->setTextFormat(Qt::PlainText); // the name is the person's own text
    m_heading->setWordWrap(true);
    m_heading->setAlignment(Qt::AlignCenter);
    m_code = new QrCodeWidget(this);
    m_code->setObjectName(QStringLiteral("deviceIdQrCode"));
    m_code->setText(self.toString());
    m_id = new QLabel(this);
    m_id->setObjectName(QStringLiteral("deviceIdQrText"));
    m_id->setTextFormat(Qt::PlainText);
    m_id->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_id->setWordWrap(true);
    m_id->setAlignment(Qt::AlignCenter);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_heading);
    layout->addWidget(m_code, 1);
    layout->addWidget(m_id);
    layout->addWidget(m_buttons);
    retranslateUi();
}

void DeviceIdQrDialog::setName(const QString &name)
{
    m_name = name;
    retranslateUi();
}

void DeviceIdQrDialog::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

void DeviceIdQrDialog::retranslateUi()
{
    setWindowTitle(tr("Device ID of %1").arg(m_name));
    m_heading->setText(tr("Scan this code with another device's camera to read the device ID "
                          "of “%1”, then look it up there with Find a device.")
                           .arg(m_name));
    m_id->setText(SelfHeader::grouped(m_self));
}

} // namespace PunchDrop::Gui
