// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <memory>

class QLockFile;

namespace PunchDrop {

class ConfigDir;

/*!
 * One running client per config directory. Two processes with the same identity would register
 * the same DeviceId with the server, each replacing the other's connection in turn, and would
 * both write the contacts and settings files. The desktop app and `send` / `receive` / `peers`
 * take this lock before they load the identity; a second one refuses with a clear message
 * instead (`--config-dir` gives a second identity). The server does not need it: it only reads
 * its identity.
 *
 * A QLockFile in the directory, never stale by age; a lock left by a process that died is
 * detected (its PID is gone) and taken over.
 */
class InstanceLock
{
public:
    ~InstanceLock();
    InstanceLock(const InstanceLock &) = delete;
    InstanceLock &operator=(const InstanceLock &) = delete;

    //! Creates the directory if needed and takes the lock. Null with \a error if another live
    //! process holds it (the message names the directory and that process) or on I/O errors.
    static std::unique_ptr<InstanceLock> acquire(const ConfigDir &dir, QString *error);

    static QString fileName() { return QStringLiteral("instance.lock"); }

private:
    explicit InstanceLock(std::unique_ptr<QLockFile> file);
    std::unique_ptr<QLockFile> m_file;
};

} // namespace PunchDrop
