// SPDX-License-Identifier: GPL-3.0-or-later
#include "instancelock.h"

#include "configdir.h"

#include <QLockFile>

namespace PunchDrop {

InstanceLock::InstanceLock(std::unique_ptr<QLockFile> file)
    : m_file(std::move(file))
{ }

InstanceLock::~InstanceLock() = default;

std::unique_ptr<InstanceLock> InstanceLock::acquire(const ConfigDir &dir, QString *error)
{
    if (!dir.ensureExists(error))
        return nullptr;
    auto file = std::make_unique<QLockFile>(dir.filePath(fileName()));
    file->setStaleLockTime(0); // a long-lived lock: only a dead owner makes it stale
    if (file->tryLock(0))
        return std::unique_ptr<InstanceLock>(new InstanceLock(std::move(file)));
    if (error) {
        qint64 pid = 0;
        QString host;
        QString app;
        switch (file->error()) {
        case QLockFile::LockFailedError:
            if (file->getLockInfo(&pid, &host, &app))
                *error = QStringLiteral("PunchDrop is already running with the configuration in "
                                        "%1 (process %2). Quit it first, or use --config-dir "
                                        "DIR to run a second device.")
                             .arg(dir.path())
                             .arg(pid);
            else
                *error = QStringLiteral("PunchDrop is already running with the configuration in "
                                        "%1. Quit it first, or use --config-dir DIR to run a "
                                        "second device.")
                             .arg(dir.path());
            break;
        case QLockFile::PermissionError:
            *error = QStringLiteral("cannot create the lock file in %1: permission denied")
                         .arg(dir.path());
            break;
        default:
            *error = QStringLiteral("cannot lock the configuration in %1").arg(dir.path());
            break;
        }
    }
    return nullptr;
}

} // namespace PunchDrop
