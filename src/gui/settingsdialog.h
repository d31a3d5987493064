// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "appsettings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;

namespace PunchDrop::Gui {

/*!
 * Edits AppSettings. It only edits: MainWindow saves and applies what it returns. OK stays
 * disabled-in-effect while the input is invalid (a message says why).
 */
class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(const AppSettings &settings, QWidget *parent = nullptr);

    AppSettings settings() const;

    //! Empty when the input is usable, else what is wrong, in words.
    QString validationError() const;

    //! "host:port" with a port in 1…65535, or empty (LAN only).
    static bool isValidServerAddress(const QString &address);

    void accept() override;

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();
    void browseDownloadDir();

    QFormLayout *m_form = nullptr;
    QLabel *m_nameLabel = nullptr;
    QLabel *m_serverLabel = nullptr;
    QLabel *m_downloadDirLabel = nullptr;
    QLabel *m_languageLabel = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_server = nullptr;
    QLineEdit *m_downloadDir = nullptr;
    QPushButton *m_browse = nullptr;
    QCheckBox *m_startMinimized = nullptr;
    QCheckBox *m_lanDiscovery = nullptr;
    QCheckBox *m_portMapping = nullptr;
    QComboBox *m_language = nullptr;
    QLabel *m_error = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    //! What the dialog was opened with: settings it does not edit are returned unchanged.
    AppSettings m_base;
};

} // namespace PunchDrop::Gui
