// SPDX-License-Identifier: GPL-3.0-or-later
#include "fileopenevents.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QFileOpenEvent>

#include <utility>

namespace PunchDrop::Gui {

FileOpenEvents::FileOpenEvents(QObject *application, QObject *parent)
    : QObject(parent)
{
    m_burst.setSingleShot(true);
    m_burst.setInterval(kBurstMs);
    connect(&m_burst, &QTimer::timeout, this, [this] {
        const QStringList paths = std::exchange(m_paths, {});
        if (!paths.isEmpty())
            Q_EMIT filesOpened(paths);
    });
    if (!application)
        application = QCoreApplication::instance();
    if (application)
        application->installEventFilter(this);
}

bool FileOpenEvents::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::FileOpen)
        return QObject::eventFilter(watched, event);
    const auto *open = static_cast<QFileOpenEvent *>(event);
    const QString file = open->url().isLocalFile() ? open->url().toLocalFile() : open->file();
    if (file.isEmpty())
        return false; // not a local file: somebody else's business
    const QString path = QFileInfo(file).absoluteFilePath();
    if (!m_paths.contains(path) && m_paths.size() < kMaxPaths)
        m_paths.append(path);
    m_burst.start();
    return true;
}

} // namespace PunchDrop::Gui
