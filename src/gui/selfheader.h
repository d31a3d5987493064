// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/deviceid.h"

#include <QWidget>

class QAction;
class QLabel;
class QToolButton;

namespace PunchDrop::Gui {

class DeviceIdQrDialog;

/*!
 * Who this device is, at the top of the window: "You are <name>" (the name others see; it
 * defaults to the host name, so two machines may both be "vm" until one is renamed) and the
 * device ID, which is what others type to find this device, with a copy button and a button
 * that shows the ID as a QR code for another device's camera.
 */
class SelfHeader : public QWidget
{
    Q_OBJECT
public:
    //! \a copyAction copies the ID (the window's, also in menus); not owned.
    SelfHeader(const DeviceId &self, QAction *copyAction, QWidget *parent = nullptr);

    void setName(const QString &name);
    QString text() const;
    //! \a id as the header shows it: groups of four characters ("ABCD EFGH …").
    static QString grouped(const DeviceId &id);
    //! Opens (or raises) the QR code window.
    void showQrCode();

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();

    DeviceId m_self;
    QString m_name;
    QLabel *m_you = nullptr;
    QLabel *m_id = nullptr;
    QToolButton *m_copy = nullptr;
    QToolButton *m_qr = nullptr;
    DeviceIdQrDialog *m_qrDialog = nullptr; //!< made on first use
};

} // namespace PunchDrop::Gui
