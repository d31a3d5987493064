// SPDX-License-Identifier: GPL-3.0-or-later
#include "welcomepanel.h"

#include <QCoreApplication>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

WelcomePanel::WelcomePanel(QWidget *parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("welcomePanel"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::AlternateBase);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("welcomeTitle"));
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    m_title->setFont(big);
    const auto line = [this](const char *name) {
        auto *label = new QLabel(this);
        label->setObjectName(QLatin1String(name));
        label->setTextFormat(Qt::PlainText); // names and addresses are the person's own text
        label->setWordWrap(true);
        return label;
    };
    m_nameText = line("welcomeName");
    m_lan = line("welcomeLan");
    m_serverText = line("welcomeServer");
    m_serverText->setOpenExternalLinks(true); // the guide's link, when there is one
    m_code = line("welcomeCode");
    m_settings = new QPushButton(this);
    m_settings->setObjectName(QStringLiteral("welcomeSettingsButton"));
    m_dismiss = new QPushButton(this);
    m_dismiss->setObjectName(QStringLiteral("welcomeDismissButton"));
    connect(m_settings, &QPushButton::clicked, this, &WelcomePanel::settingsRequested);
    connect(m_dismiss, &QPushButton::clicked, this, &WelcomePanel::dismissed);

    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_settings);
    buttons->addWidget(m_dismiss);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_nameText);
    layout->addWidget(m_lan);
    layout->addWidget(m_serverText);
    layout->addWidget(m_code);
    layout->addLayout(buttons);
    retranslateUi();
}

QUrl WelcomePanel::installedServerGuide()
{
    // Where installer/CMakeLists.txt installs it: ${CMAKE_INSTALL_DATADIR}/doc/punchdrop.
    const QFileInfo guide(QDir(QCoreApplication::applicationDirPath())
                              .filePath(QStringLiteral("../share/doc/punchdrop/install.md")));
    return guide.isFile() ? QUrl::fromLocalFile(guide.canonicalFilePath()) : QUrl();
}

void WelcomePanel::setServerGuide(const QUrl &guide)
{
    m_serverGuide = guide;
    retranslateUi();
}

void WelcomePanel::setState(const QString &name, const QString &serverAddress, bool lan)
{
    m_name = name;
    m_server = serverAddress;
    m_lanOn = lan;
    retranslateUi();
}

QString WelcomePanel::text() const
{
    return QStringList {
        m_title->text(), m_nameText->text(), m_lan->text(), m_serverText->text(), m_code->text()}
        .join(u'\n');
}

void WelcomePanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QFrame::changeEvent(event);
}

void WelcomePanel::retranslateUi()
{
    m_title->setText(tr("Welcome to PunchDrop"));
    m_nameText->setText(tr("Others see this device as “%1”. Choose a name they will "
                           "recognise in Settings.")
                            .arg(m_name));
    m_lan->setText(m_lanOn
            ? tr("Devices running PunchDrop on this network appear on the left by "
                 "themselves: drop files on one to send them. Nothing else is needed.")
            : tr("Finding devices on this network is off (Settings): devices appear only "
                 "through a server."));
    if (m_server.isEmpty()) {
        // The guide's heading, in English like the guide; a link when the guide is installed.
        const QString heading = QStringLiteral("Run a server");
        const QString guideLink = m_serverGuide.isEmpty()
            ? heading
            : QStringLiteral("<a href=\"%1\">%2</a>")
                  .arg(QString::fromUtf8(m_serverGuide.toEncoded()).toHtmlEscaped(), heading);
        // Only the app's own words and the link here, no text from elsewhere: rich text is safe.
        m_serverText->setTextFormat(m_serverGuide.isEmpty() ? Qt::PlainText : Qt::RichText);
        m_serverText->setText(
            tr("To reach devices elsewhere on the internet, both sides need the same PunchDrop "
               "server. There is no default server, so nothing passes through a machine you "
               "did not choose. Anyone can run one on a computer with a public address "
               "(\"punchdrop --server\"; see \"%1\" in the installation guide), then enter its "
               "address in Settings.")
                .arg(guideLink));
    } else {
        m_serverText->setTextFormat(Qt::PlainText); // the address is the person's own text
        m_serverText->setText(
            tr("Server: %1. Devices that use the same server can reach you from anywhere; it "
               "only introduces you, and relays the encrypted data when no direct path works.")
                .arg(m_server));
    }
    m_code->setText(tr("The first transfer with a device shows the same verification code on "
                       "both screens: compare it with the other person before accepting."));
    m_settings->setText(tr("Open Settings…"));
    m_dismiss->setText(tr("Got it"));
}

} // namespace PunchDrop::Gui
