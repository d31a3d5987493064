// SPDX-License-Identifier: GPL-3.0-or-later
#include "incomingofferdialog.h"

#include "transferformat.h"

#include "net/wire/displaytext.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

namespace {
constexpr int kMaxListedItems = 500; // a huge offer still opens instantly
}

IncomingOfferDialog::IncomingOfferDialog(const IncomingOffer &offer, QWidget *parent)
    : QDialog(parent)
    , m_offer(offer)
{
    setObjectName(QStringLiteral("incomingOfferDialog"));
    setAttribute(Qt::WA_DeleteOnClose);
    setModal(false);
    setWindowModality(Qt::NonModal);

    m_headline = new QLabel(this);
    m_headline->setObjectName(QStringLiteral("offerHeadline"));
    m_headline->setWordWrap(true);
    QFont big = m_headline->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    big.setBold(true);
    m_headline->setFont(big);

    m_codeCaption = new QLabel(this);
    m_code = new QLabel(offer.verificationCode, this);
    m_code->setObjectName(QStringLiteral("verificationCodeLabel"));
    QFont codeFont = m_code->font();
    codeFont.setPointSizeF(codeFont.pointSizeF() * 1.6);
    codeFont.setBold(true);
    codeFont.setLetterSpacing(QFont::AbsoluteSpacing, 2);
    m_code->setFont(codeFont);
    m_code->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_codeHint = new QLabel(this);
    m_codeHint->setWordWrap(true);
    for (QLabel *label : {m_codeCaption, m_code, m_codeHint})
        label->setVisible(offer.firstContact);

    // A contact that now claims another contact's name: the engine's text names both IDs.
    m_nameWarning = new QLabel(offer.nameWarning, this);
    m_nameWarning->setObjectName(QStringLiteral("offerNameWarning"));
    m_nameWarning->setTextFormat(Qt::PlainText);
    m_nameWarning->setWordWrap(true);
    m_nameWarning->setVisible(!offer.nameWarning.isEmpty());

    m_files = new QListWidget(this);
    m_files->setObjectName(QStringLiteral("offerFileList"));
    for (const OfferItem &item : offer.items) {
        if (m_files->count() >= kMaxListedItems)
            break;
        const QString path = DisplayText::clean(item.relativePath);
        const QString text = item.isDirectory
            ? path + u'/'
            : QStringLiteral("%1  (%2)").arg(path, TransferFormat::size(item.size));
        m_files->addItem(new QListWidgetItem(
            style()->standardIcon(item.isDirectory ? QStyle::SP_DirIcon : QStyle::SP_FileIcon),
            text));
    }
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("offerSummary"));
    // The sender chose the name and the file names: never let a label read them as rich text.
    for (QLabel *label : {m_headline, m_codeCaption, m_code, m_codeHint, m_summary})
        label->setTextFormat(Qt::PlainText);

    auto *buttons = new QDialogButtonBox(this);
    m_accept = buttons->addButton(QString(), QDialogButtonBox::AcceptRole);
    m_accept->setObjectName(QStringLiteral("acceptButton"));
    m_always = buttons->addButton(QString(), QDialogButtonBox::AcceptRole);
    m_always->setObjectName(QStringLiteral("alwaysAcceptButton"));
    m_decline = buttons->addButton(QString(), QDialogButtonBox::RejectRole);
    m_decline->setObjectName(QStringLiteral("declineButton"));
    m_accept->setDefault(true);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_headline);
    layout->addWidget(m_codeCaption);
    layout->addWidget(m_code);
    layout->addWidget(m_codeHint);
    layout->addWidget(m_nameWarning);
    layout->addWidget(m_files, 1);
    layout->addWidget(m_summary);
    layout->addWidget(buttons);

    connect(m_accept, &QPushButton::clicked, this, [this] { answer(OfferDecision::Accept); });
    connect(m_always, &QPushButton::clicked, this, [this] { answer(OfferDecision::AcceptAlways); });
    connect(m_decline, &QPushButton::clicked, this, [this] { answer(OfferDecision::Decline); });
    // Escape, the window's close button, or the dialog being closed by the app: decline.
    connect(this, &QDialog::finished, this, [this] { answer(OfferDecision::Decline); });

    retranslateUi();
    resize(460, 380);
}

void IncomingOfferDialog::answer(OfferDecision decision)
{
    if (m_answered)
        return;
    m_answered = true;
    Q_EMIT answered(decision);
    close();
}

void IncomingOfferDialog::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

void IncomingOfferDialog::retranslateUi()
{
    const QString sender
        = m_offer.senderName.isEmpty() ? m_offer.sender.shortString() : m_offer.senderName;
    setWindowTitle(tr("Incoming files from %1").arg(sender));
    m_headline->setText(tr("%1 wants to send you files").arg(sender));
    m_codeCaption->setText(tr("First contact with this device. Verification code:"));
    m_codeHint->setText(tr("Accept only if %1 sees the same code.").arg(sender));
    int folders = 0;
    for (const OfferItem &item : std::as_const(m_offer.items))
        folders += item.isDirectory ? 1 : 0;
    m_summary->setText(tr("Files: %1 · Folders: %2 · Total size: %3")
                           .arg(m_offer.fileCount)
                           .arg(folders)
                           .arg(TransferFormat::size(m_offer.totalBytes)));
    m_accept->setText(tr("Accept"));
    m_always->setText(tr("Always accept from this contact"));
    m_decline->setText(tr("Decline"));
}

} // namespace PunchDrop::Gui
