// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>
#include <QUrl>

class QLabel;
class QPushButton;

namespace PunchDrop::Gui {

/*!
 * The first start's explanation, above the window's lists until the person dismisses it: who
 * this device is to others, that devices on the same network find each other by themselves,
 * that reaching anyone else needs a PunchDrop server both sides use (there is no default one:
 * nothing goes through a machine the person did not choose) and how to get one, and that the
 * first transfer with someone shows a code to compare. Buttons open the settings for the name
 * and the server. "Run a server" is a link to the installation guide when a copy of it is
 * installed (the Linux packages put docs/install.md in the package's doc folder); the project
 * has no public address for it yet, so without a local copy the words stay plain text.
 */
class WelcomePanel : public QFrame
{
    Q_OBJECT
public:
    explicit WelcomePanel(QWidget *parent = nullptr);

    //! The device's name and the server set now (empty: none), for the texts.
    //! \a lan: LAN discovery is on (the LAN line says what it does, or that it is off).
    void setState(const QString &name, const QString &serverAddress, bool lan = true);
    //! All visible text, for tests and screen readers.
    QString text() const;
    //! The installation guide "Run a server" links to; empty: plain text, no link.
    void setServerGuide(const QUrl &guide);
    QUrl serverGuide() const { return m_serverGuide; }
    //! The installed docs/install.md next to the program (…/bin/../share/doc/punchdrop), as a
    //! file URL; empty when there is none (a build tree, Windows, macOS).
    static QUrl installedServerGuide();

Q_SIGNALS:
    void settingsRequested();
    void dismissed();

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();

    QString m_name;
    bool m_lanOn = true;
    QString m_server;
    QUrl m_serverGuide;
    QLabel *m_title = nullptr;
    QLabel *m_lan = nullptr;
    QLabel *m_serverText = nullptr;
    QLabel *m_nameText = nullptr;
    QLabel *m_code = nullptr;
    QPushButton *m_settings = nullptr;
    QPushButton *m_dismiss = nullptr;
};

} // namespace PunchDrop::Gui
