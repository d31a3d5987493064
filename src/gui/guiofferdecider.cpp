// SPDX-License-Identifier: GPL-3.0-or-later
#include "guiofferdecider.h"

#include "core/logging.h"
#include "incomingofferdialog.h"

#include <qcorosignal.h>

#include <memory>

namespace PunchDrop::Gui {

namespace {

/*!
 * What the coroutine waits on: owned by the coroutine frame (so it outlives the wait), fed by
 * the dialog. Reports exactly one decision.
 */
class OfferAnswer : public QObject
{
    Q_OBJECT
public:
    void set(OfferDecision decision)
    {
        if (m_done)
            return;
        m_done = true;
        Q_EMIT decided(decision);
    }

Q_SIGNALS:
    void decided(PunchDrop::OfferDecision decision);

private:
    bool m_done = false;
};

struct DeleteLater
{
    void operator()(QObject *object) const { object->deleteLater(); }
};

} // namespace

GuiOfferDecider::GuiOfferDecider(QWidget *dialogParent, QObject *parent)
    : QObject(parent)
    , m_dialogParent(dialogParent)
{ }

QCoro::Task<OfferDecision> GuiOfferDecider::decide(IncomingOffer offer)
{
    // deleteLater: the answer emits the signal that resumes us, and the frame (with this
    // pointer) may be destroyed before that emission has returned.
    std::unique_ptr<OfferAnswer, DeleteLater> answer(new OfferAnswer);
    QPointer<IncomingOfferDialog> dialog = new IncomingOfferDialog(offer, m_dialogParent);
    connect(dialog, &IncomingOfferDialog::answered, answer.get(), &OfferAnswer::set);
    connect(dialog, &QObject::destroyed, answer.get(),
        [a = answer.get()] { a->set(OfferDecision::Decline); });
    qCDebug(lcGui) << "asking about an offer from" << offer.sender.shortString();
    Q_EMIT offerPresented(offer.senderName, offer.fileCount, offer.totalBytes);
    dialog->show();
    dialog->raise();
    dialog->activateWindow();

    const OfferDecision decision = co_await qCoro(answer.get(), &OfferAnswer::decided);
    co_return decision;
}

} // namespace PunchDrop::Gui

#include "guiofferdecider.moc"
