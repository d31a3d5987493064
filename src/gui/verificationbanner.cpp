// SPDX-License-Identifier: GPL-3.0-or-later
#include "verificationbanner.h"

#include "transferlistmodel.h"

#include <QEvent>
#include <QLabel>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

VerificationBanner::VerificationBanner(TransferListModel *model, QWidget *parent)
    : QFrame(parent)
    , m_model(model)
{
    setObjectName(QStringLiteral("verificationBanner"));
    setFrameShape(QFrame::StyledPanel);
    m_caption = new QLabel(this);
    m_caption->setObjectName(QStringLiteral("senderCodeCaption"));
    m_code = new QLabel(this);
    m_code->setObjectName(QStringLiteral("senderVerificationCode"));
    QFont big = m_code->font();
    big.setPointSizeF(big.pointSizeF() * 2.0);
    big.setBold(true);
    big.setLetterSpacing(QFont::AbsoluteSpacing, 3);
    m_code->setFont(big);
    m_code->setAlignment(Qt::AlignCenter);
    m_code->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_hint = new QLabel(this);
    m_hint->setWordWrap(true);
    // The peer chose its name: never rendered as rich text.
    for (QLabel *label : {m_caption, m_code, m_hint})
        label->setTextFormat(Qt::PlainText);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_caption);
    layout->addWidget(m_code);
    layout->addWidget(m_hint);

    // A new code arrives as a change without a new state: dataChanged after the model's flush.
    connect(m_model, &QAbstractItemModel::dataChanged, this, &VerificationBanner::refresh);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &VerificationBanner::refresh);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &VerificationBanner::refresh);
    connect(m_model, &QAbstractItemModel::modelReset, this, &VerificationBanner::refresh);
    refresh();
}

QString VerificationBanner::code() const
{
    return isVisibleTo(parentWidget()) ? m_code->text() : QString();
}

void VerificationBanner::refresh()
{
    // The newest outgoing transfer that waits with a code (rows are newest first).
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const TransferSnapshot s = m_model->snapshotAt(row);
        if (s.direction != TransferSnapshot::Direction::Outgoing
            || s.state != TransferSnapshot::State::Waiting || s.verificationCode.isEmpty())
            continue;
        const QString peer = s.peerName.isEmpty() ? s.peer.shortString() : s.peerName;
        m_caption->setText(tr("Verification code for %1").arg(peer));
        m_code->setText(s.verificationCode);
        m_hint->setText(tr("%1 sees this code before accepting. If the codes differ, cancel: "
                           "someone may be in between.")
                            .arg(peer));
        show();
        return;
    }
    m_code->clear();
    hide();
}

void VerificationBanner::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        refresh();
    QFrame::changeEvent(event);
}

} // namespace PunchDrop::Gui
