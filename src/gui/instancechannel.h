// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/configdir.h"

#include <QObject>
#include <QStringList>

class QLocalServer;
class QLocalSocket;

namespace PunchDrop::Gui {

/*!
 * How a second launch of the desktop app reaches the first one (InstanceLock lets only one run
 * per config directory): the running app listens on a local socket inside its config directory
 * (owner-only, like the directory); a later `punchdrop [FILE…]` finds the lock taken, sends its
 * files there and exits, and the running window comes to the front with them. Without this a
 * second launch could only say "already running" while the window stayed hidden in a tray.
 *
 * One message per connection: a JSON object {"activate": true, "paths": [...]} on one line, at
 * most kMaxMessageBytes; the answer is "ok\n". Anything else is dropped.
 */
class InstanceChannel : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kMaxMessageBytes = 1 << 20;
    static constexpr int kMaxPaths = 10000;

    explicit InstanceChannel(const ConfigDir &configDir, QObject *parent = nullptr);
    ~InstanceChannel() override;

    //! Starts listening (the caller holds the InstanceLock, so a socket left by a crashed run
    //! is removed first). False with \a error.
    bool listen(QString *error);

    /*!
     * The second launch's side: hands \a paths to the running app of \a configDir and waits
     * (at most \a timeoutMs; no window exists yet) for its answer. False with \a error when
     * nobody answers.
     */
    static bool activateRunning(
        const ConfigDir &configDir, const QStringList &paths, QString *error, int timeoutMs = 5000);

    //! The local socket's name for \a configDir (a path inside it where the platform allows).
    static QString serverName(const ConfigDir &configDir);

Q_SIGNALS:
    //! A later launch asked for the window, with the files it was given (absolute paths).
    void activationRequested(const QStringList &paths);

private:
    void onNewConnection();
    void onReadyRead(QLocalSocket *socket);

    ConfigDir m_configDir;
    QLocalServer *m_server = nullptr;
};

} // namespace PunchDrop::Gui
