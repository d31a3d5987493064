// SPDX-License-Identifier: GPL-3.0-or-later
#include "settingsdialog.h"

#include "net/wire/hostport.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace PunchDrop::Gui {

SettingsDialog::SettingsDialog(const AppSettings &settings, QWidget *parent)
    : QDialog(parent)
    , m_base(settings)
{
    setObjectName(QStringLiteral("settingsDialog"));

    m_name = new QLineEdit(settings.displayName, this);
    m_name->setObjectName(QStringLiteral("displayNameEdit"));
    m_server = new QLineEdit(settings.serverAddress, this);
    m_server->setObjectName(QStringLiteral("serverAddressEdit"));
    m_server->setPlaceholderText(QStringLiteral("punchdrop.example.org:8877"));
    m_downloadDir = new QLineEdit(settings.downloadDir, this);
    m_downloadDir->setObjectName(QStringLiteral("downloadDirEdit"));
    m_browse = new QPushButton(this);
    m_browse->setObjectName(QStringLiteral("browseDownloadDirButton"));
    m_startMinimized = new QCheckBox(this);
    m_startMinimized->setObjectName(QStringLiteral("startMinimizedCheck"));
    m_startMinimized->setChecked(settings.startMinimized);
    m_lanDiscovery = new QCheckBox(this);
    m_lanDiscovery->setObjectName(QStringLiteral("lanDiscoveryCheck"));
    m_lanDiscovery->setChecked(settings.lanDiscovery);
    m_portMapping = new QCheckBox(this);
    m_portMapping->setObjectName(QStringLiteral("portMappingCheck"));
    m_portMapping->setChecked(settings.portMapping);
    m_language = new QComboBox(this);
    m_language->setObjectName(QStringLiteral("languageCombo"));
    const QStringList languages = AppSettings::availableLanguages();
    for (const QString &code : languages)
        m_language->addItem(QString(), code);
    m_language->setCurrentIndex(qMax(0, int(languages.indexOf(settings.language))));

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("settingsErrorLabel"));
    m_error->setStyleSheet(QStringLiteral("color: #c62828"));
    m_error->setWordWrap(true);
    m_error->hide();

    auto *dirRow = new QHBoxLayout;
    dirRow->addWidget(m_downloadDir, 1);
    dirRow->addWidget(m_browse);

    auto makeLabel = [this](const char *name, QWidget *buddy) {
        auto *label = new QLabel(this);
        label->setObjectName(QLatin1String(name));
        label->setBuddy(buddy);
        return label;
    };
    m_nameLabel = makeLabel("displayNameLabel", m_name);
    m_serverLabel = makeLabel("serverAddressLabel", m_server);
    m_downloadDirLabel = makeLabel("downloadDirLabel", m_downloadDir);
    m_languageLabel = makeLabel("languageLabel", m_language);

    m_form = new QFormLayout;
    m_form->addRow(m_nameLabel, m_name);
    m_form->addRow(m_serverLabel, m_server);
    m_form->addRow(m_downloadDirLabel, dirRow);
    m_form->addRow(m_languageLabel, m_language);
    m_form->addRow(m_startMinimized);
    m_form->addRow(m_lanDiscovery);
    m_form->addRow(m_portMapping);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("settingsOkButton"));
    m_buttons->button(QDialogButtonBox::Cancel)
        ->setObjectName(QStringLiteral("settingsCancelButton"));

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_error);
    layout->addStretch();
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_browse, &QPushButton::clicked, this, &SettingsDialog::browseDownloadDir);

    retranslateUi();
    setMinimumWidth(520);
}

AppSettings SettingsDialog::settings() const
{
    AppSettings s = m_base;
    s.displayName = m_name->text().trimmed();
    s.serverAddress = m_server->text().trimmed();
    s.downloadDir = m_downloadDir->text().trimmed();
    s.startMinimized = m_startMinimized->isChecked();
    s.lanDiscovery = m_lanDiscovery->isChecked();
    s.portMapping = m_portMapping->isChecked();
    s.language = m_language->currentData().toString();
    return s;
}

bool SettingsDialog::isValidServerAddress(const QString &address)
{
    const QString a = address.trimmed();
    return a.isEmpty() || parseHostPortList(a).has_value(); // the same parser as --server
}

QString SettingsDialog::validationError() const
{
    if (m_name->text().trimmed().isEmpty())
        return tr("Please enter a name other devices will see.");
    if (!isValidServerAddress(m_server->text()))
        return tr("The server address must look like host or host:port (for example "
                  "punchdrop.example.org or 203.0.113.5:8877), or stay empty for LAN only.");
    if (m_downloadDir->text().trimmed().isEmpty())
        return tr("Please choose a folder for received files.");
    return {};
}

void SettingsDialog::accept()
{
    const QString error = validationError();
    m_error->setText(error);
    m_error->setVisible(!error.isEmpty());
    if (!error.isEmpty())
        return;
    QDialog::accept();
}

void SettingsDialog::browseDownloadDir()
{
    auto *dialog = new QFileDialog(this, tr("Folder for received files"), m_downloadDir->text());
    dialog->setObjectName(QStringLiteral("downloadDirFileDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    connect(dialog, &QFileDialog::fileSelected, this,
        [this](const QString &dir) { m_downloadDir->setText(dir); });
    dialog->open();
}

void SettingsDialog::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

void SettingsDialog::retranslateUi()
{
    setWindowTitle(tr("Settings"));
    m_nameLabel->setText(tr("Your name:"));
    m_serverLabel->setText(tr("Server:"));
    m_downloadDirLabel->setText(tr("Save received files in:"));
    m_languageLabel->setText(tr("Language:"));
    m_name->setToolTip(tr("The name other devices see"));
    m_server->setToolTip(tr("The rendezvous server as host or host:port (port 8877 if none is "
                            "given). Leave empty to find devices on this network only."));
    m_browse->setText(tr("Browse…"));
    m_startMinimized->setText(tr("Start minimized to the tray"));
    m_lanDiscovery->setText(tr("Find devices on this network (LAN discovery)"));
    m_lanDiscovery->setToolTip(tr("Announces this device on the local network and lists the "
                                  "others running PunchDrop there, without a server."));
    m_portMapping->setText(tr("Ask the router to forward a port (UPnP / NAT-PMP / PCP)"));
    m_portMapping->setToolTip(tr("More devices can then connect directly instead of through "
                                 "the server's relay."));
    m_language->setItemText(0, tr("System default"));
    // OK / Cancel are Qt's own texts: LanguageManager loads Qt's translations with the app's.
    // Language names in their own language, as every language menu shows them.
    m_language->setItemText(1, QStringLiteral("English"));
    m_language->setItemText(2, QStringLiteral("简体中文"));
    m_language->setItemText(3, QStringLiteral("繁體中文"));
    if (m_error->isVisible())
        m_error->setText(validationError());
}

} // namespace PunchDrop::Gui
