// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/offerdecider.h"

#include <QObject>
#include <QPointer>
#include <QWidget>

namespace PunchDrop::Gui {

/*!
 * Answers incoming offers with a non-modal IncomingOfferDialog. decide() returns at once with a
 * pending task; it completes when the person clicks a button, with Decline when the dialog is
 * closed or destroyed any other way. Several prompts can be open at the same time; none blocks
 * the window or other transfers. (QCoro 0.8 keeps a coroutine running when its Task is
 * dropped, so a prompt stays until answered even if the sender gave up meanwhile.)
 */
class GuiOfferDecider : public QObject, public OfferDecider
{
    Q_OBJECT
public:
    explicit GuiOfferDecider(QWidget *dialogParent, QObject *parent = nullptr);

    QCoro::Task<OfferDecision> decide(IncomingOffer offer) override;

Q_SIGNALS:
    //! A prompt was shown (for a tray notification).
    void offerPresented(const QString &senderName, int fileCount, qint64 totalBytes);

private:
    QPointer<QWidget> m_dialogParent;
};

} // namespace PunchDrop::Gui
