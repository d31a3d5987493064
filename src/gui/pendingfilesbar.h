// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>
#include <QStringList>

class QLabel;
class QPushButton;

namespace PunchDrop::Gui {

/*!
 * Files waiting for a recipient: what `punchdrop FILE…` (or a second launch with files) hands
 * the window. Says how many and what to do (choose a contact, then Send); the window sends them
 * instead of opening a file dialog while they wait. Hidden when there are none.
 */
class PendingFilesBar : public QFrame
{
    Q_OBJECT
public:
    explicit PendingFilesBar(QWidget *parent = nullptr);

    QStringList paths() const { return m_paths; }
    void setPaths(const QStringList &paths);
    //! The paths, which no longer wait.
    QStringList takePaths();

Q_SIGNALS:
    void changed();

protected:
    void changeEvent(QEvent *event) override;

private:
    void retranslateUi();

    QStringList m_paths;
    QLabel *m_text = nullptr;
    QPushButton *m_discard = nullptr;
};

} // namespace PunchDrop::Gui
