// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>

class QLabel;

namespace PunchDrop::Gui {

class TransferListModel;

/*!
 * The sender's half of the verification check: while an outgoing transfer waits for the
 * receiver's answer, its session code is shown here in large type, with the name of the device
 * whose prompt shows the same code. The receiver is told to accept only if both match, so the
 * code must not hide in a tooltip or a grey progress line. Hidden when no transfer waits.
 */
class VerificationBanner : public QFrame
{
    Q_OBJECT
public:
    explicit VerificationBanner(TransferListModel *model, QWidget *parent = nullptr);

    //! The code shown now, empty when hidden.
    QString code() const;

protected:
    void changeEvent(QEvent *event) override;

private:
    void refresh();

    TransferListModel *m_model;
    QLabel *m_caption = nullptr;
    QLabel *m_code = nullptr;
    QLabel *m_hint = nullptr;
};

} // namespace PunchDrop::Gui
