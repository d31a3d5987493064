// SPDX-License-Identifier: GPL-3.0-or-later
#include "contactview.h"

#include "contactlistmodel.h"
#include "core/logging.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QMimeData>
#include <QPainter>
#include <QUrl>

namespace PunchDrop::Gui {

ContactView::ContactView(QWidget *parent)
    : QListView(parent)
{
    setObjectName(QStringLiteral("contactView"));
    setAcceptDrops(true);
    viewport()->setAcceptDrops(true);
    setDragDropMode(QAbstractItemView::DropOnly);
    setDropIndicatorShown(false);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setUniformItemSizes(true);
    setMouseTracking(true);
}

QStringList ContactView::localPaths(const QMimeData *mime)
{
    QStringList paths;
    if (!mime || !mime->hasUrls())
        return paths;
    const QList<QUrl> urls = mime->urls();
    for (const QUrl &url : urls) {
        if (!url.isLocalFile())
            continue;
        const QString path = url.toLocalFile();
        if (!path.isEmpty() && QFileInfo::exists(path))
            paths << path;
    }
    return paths;
}

void ContactView::setPlaceholderText(const QString &text)
{
    m_placeholder = text;
    viewport()->update();
}

int ContactView::droppableRowAt(const QPoint &pos) const
{
    const QModelIndex index = indexAt(pos);
    if (!index.isValid() || !index.data(ContactListModel::OnlineRole).toBool())
        return -1;
    return index.row();
}

void ContactView::setDropRow(int row)
{
    if (row == m_dropRow)
        return;
    m_dropRow = row;
    viewport()->update();
}

void ContactView::dragEnterEvent(QDragEnterEvent *event)
{
    if (localPaths(event->mimeData()).isEmpty()) {
        event->ignore();
        return;
    }
    // Accept the enter even away from a contact, so move events keep coming.
    event->acceptProposedAction();
    setDropRow(droppableRowAt(event->position().toPoint()));
}

void ContactView::dragMoveEvent(QDragMoveEvent *event)
{
    const int row = droppableRowAt(event->position().toPoint());
    setDropRow(row);
    if (row < 0) {
        event->ignore();
        return;
    }
    event->setDropAction(Qt::CopyAction);
    event->accept(visualRect(model()->index(row, 0)));
}

void ContactView::dragLeaveEvent(QDragLeaveEvent *event)
{
    setDropRow(-1);
    event->accept();
}

void ContactView::dropEvent(QDropEvent *event)
{
    const int row = droppableRowAt(event->position().toPoint());
    setDropRow(-1);
    const QStringList paths = localPaths(event->mimeData());
    if (row < 0 || paths.isEmpty()) {
        event->ignore();
        return;
    }
    event->setDropAction(Qt::CopyAction);
    event->accept();
    const auto peer = model()->index(row, 0).data(ContactListModel::PeerRole).value<DeviceId>();
    qCDebug(lcGui) << "dropped" << paths.size() << "paths on" << peer.shortString();
    Q_EMIT filesDropped(peer, paths);
}

void ContactView::paintEvent(QPaintEvent *event)
{
    QListView::paintEvent(event);
    if (!model() || model()->rowCount() > 0 || m_placeholder.isEmpty())
        return;
    QPainter painter(viewport());
    painter.setPen(palette().color(QPalette::Disabled, QPalette::Text));
    painter.drawText(viewport()->rect().adjusted(12, 12, -12, -12),
        Qt::AlignCenter | Qt::TextWordWrap, m_placeholder);
}

} // namespace PunchDrop::Gui
