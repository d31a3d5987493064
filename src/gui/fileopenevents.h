// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QStringList>
#include <QTimer>

namespace PunchDrop::Gui {

/*!
 * Files the operating system hands the running app as events rather than on its command line:
 * on macOS, Finder's "Open With → PunchDrop", files dropped on the Dock icon, and `open -a
 * PunchDrop FILE…` arrive as one QFileOpenEvent per file (installer/macos/Info.plist.in declares
 * PunchDrop an alternate viewer of every item, so Finder offers it). Filters them off the
 * application object, gathers the files that come in one burst, and hands them on together, like
 * a second launch's files (InstanceChannel): the send flow waits for a contact.
 *
 * Only local files count (a URL of another scheme is ignored); at most kMaxPaths per burst.
 */
class FileOpenEvents : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxPaths = 10000;
    static constexpr int kBurstMs = 150; //!< Finder sends one event per file, back to back

    //! Starts filtering \a application's events (QCoreApplication::instance() when null).
    explicit FileOpenEvents(QObject *application = nullptr, QObject *parent = nullptr);

Q_SIGNALS:
    //! Absolute paths of one burst, in the order they came, without repeats.
    void filesOpened(const QStringList &paths);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QStringList m_paths;
    QTimer m_burst;
};

} // namespace PunchDrop::Gui
