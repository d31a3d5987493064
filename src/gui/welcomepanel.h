// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace PunchDrop::Gui {

/*!
 * The first start's explanation, above the window's lists until the person dismisses it: who
 * this device is to others, that devices on the same network find each other by themselves,
 * that reaching anyone else needs a PunchDrop server both sides use (there is no default one:
 * nothing goes through a machine the person did not choose) and how to get one, and that the
 * first transfer with someone shows a code to compare. Buttons open the settings for the name
 * and the server.
 */
class WelcomePanel : public QFrame
{
    Q_OBJECT
public:
    explicit WelcomePanel(QWidget *parent = nullptr);

    //! The device's name and the server set now (empty: none), for the texts.
    void setState(const QString &name, const QString &serverAddress);
    //! All visible text, for tests and screen readers.
    QString text() const;

Q_SIGNALS:
    void settingsRequested();
    void dismissed();

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();

    QString m_name;
    QString m_server;
    QLabel *m_title = nullptr;
    QLabel *m_lan = nullptr;
    QLabel *m_serverText = nullptr;
    QLabel *m_nameText = nullptr;
    QLabel *m_code = nullptr;
    QPushButton *m_settings = nullptr;
    QPushButton *m_dismiss = nullptr;
};

} // namespace PunchDrop::Gui
