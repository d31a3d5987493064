// SPDX-License-Identifier: GPL-3.0-or-later
#include "pendingfilesbar.h"

#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace PunchDrop::Gui {

PendingFilesBar::PendingFilesBar(QWidget *parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("pendingFilesBar"));
    setFrameShape(QFrame::StyledPanel);
    m_text = new QLabel(this);
    m_text->setObjectName(QStringLiteral("pendingFilesText"));
    m_text->setTextFormat(Qt::PlainText); // file names
    m_text->setWordWrap(true);
    m_discard = new QPushButton(this);
    m_discard->setObjectName(QStringLiteral("discardPendingButton"));
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_discard);
    connect(m_discard, &QPushButton::clicked, this, [this] { setPaths({}); });
    retranslateUi();
}

void PendingFilesBar::setPaths(const QStringList &paths)
{
    m_paths = paths;
    retranslateUi();
    setVisible(!m_paths.isEmpty());
    Q_EMIT changed();
}

QStringList PendingFilesBar::takePaths()
{
    const QStringList paths = m_paths;
    setPaths({});
    return paths;
}

void PendingFilesBar::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QFrame::changeEvent(event);
}

void PendingFilesBar::retranslateUi()
{
    m_discard->setText(tr("Discard"));
    m_text->setText(m_paths.size() == 1
            ? tr("Ready to send “%1”: choose a contact, then Send.")
                  .arg(QFileInfo(m_paths.constFirst()).fileName())
            : tr("Ready to send %1 items: choose a contact, then Send.").arg(m_paths.size()));
}

} // namespace PunchDrop::Gui
