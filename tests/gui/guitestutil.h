// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What several GUI tests do with the real widgets: drop files the way a file manager does (drag
// enter, move, drop with file URLs), and wait for a device to be listed online.

#include "gui/contactlistmodel.h"

#include <QApplication>
#include <QDropEvent>
#include <QMimeData>
#include <QTest>
#include <QUrl>

namespace PunchDrop::Test {

//! Drags \a paths onto \a target at \a pos and drops them; whether enter, move and drop were
//! all accepted.
inline bool dropFiles(QWidget *target, const QPoint &pos, const QStringList &paths)
{
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString &path : paths)
        urls << QUrl::fromLocalFile(path);
    mime.setUrls(urls);
    QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QDragMoveEvent move(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &move);
    if (!enter.isAccepted() || !move.isAccepted())
        return false;
    QDropEvent drop(QPointF(pos), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

//! The row of \a id in \a contacts once it is listed online (within \a timeoutMs), else invalid.
inline QModelIndex onlineContact(
    Gui::ContactListModel *contacts, const DeviceId &id, int timeoutMs = 15000)
{
    const auto online = [&] {
        const int row = contacts->rowOf(id);
        return row >= 0 && contacts->index(row).data(Gui::ContactListModel::OnlineRole).toBool();
    };
    if (!QTest::qWaitFor(online, timeoutMs))
        return {};
    return contacts->index(contacts->rowOf(id));
}

} // namespace PunchDrop::Test
