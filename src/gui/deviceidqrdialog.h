// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;

namespace PunchDrop::Gui {

class QrCodeWidget;

/*!
 * This device's ID as a large QR code, for another device's camera (the QR button in the "You
 * are …" header): the code holds the ID's text exactly as Copy gives it, which Find a device
 * accepts. Not modal: the window stays usable while someone scans.
 */
class DeviceIdQrDialog : public QDialog
{
    Q_OBJECT
public:
    DeviceIdQrDialog(const DeviceId &self, QWidget *parent = nullptr);

    void setName(const QString &name);
    QrCodeWidget *codeWidget() const { return m_code; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();

    DeviceId m_self;
    QString m_name;
    QLabel *m_heading = nullptr;
    QrCodeWidget *m_code = nullptr;
    QLabel *m_id = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace PunchDrop::Gui
