// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/offerdecider.h"

#include <QDialog>

class QLabel;
class QListWidget;
class QPushButton;

namespace PunchDrop::Gui {

/*!
 * The prompt for an incoming transfer: who sends (with the verification code on a first
 * contact), the files, the total size; Accept / Decline / Always accept from this contact.
 * Non-modal and deletes itself on close; closing it any other way than a button declines.
 * Emits answered() exactly once.
 */
class IncomingOfferDialog : public QDialog
{
    Q_OBJECT
public:
    explicit IncomingOfferDialog(const IncomingOffer &offer, QWidget *parent = nullptr);

    const IncomingOffer &offer() const { return m_offer; }

Q_SIGNALS:
    void answered(PunchDrop::OfferDecision decision);

protected:
    void changeEvent(QEvent *event) override;

private:
    void answer(OfferDecision decision);
    void retranslateUi();

    IncomingOffer m_offer;
    bool m_answered = false;
    QLabel *m_headline = nullptr;
    QLabel *m_codeCaption = nullptr;
    QLabel *m_code = nullptr;
    QLabel *m_codeHint = nullptr;
    QLabel *m_nameWarning = nullptr; //!< a contact using another contact's name (both IDs)
    QListWidget *m_files = nullptr;
    QLabel *m_summary = nullptr;
    QPushButton *m_accept = nullptr;
    QPushButton *m_decline = nullptr;
    QPushButton *m_always = nullptr;
};

} // namespace PunchDrop::Gui
