// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferlistmodel.h"

#include "transferformat.h"

#include <QFileInfo>

namespace PunchDrop::Gui {

using namespace std::chrono_literals;

TransferListModel::TransferListModel(QObject *parent)
    : QAbstractListModel(parent)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(100ms);
    connect(&m_flushTimer, &QTimer::timeout, this, &TransferListModel::flush);
}

int TransferListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

bool TransferListModel::canCancel(const TransferSnapshot &s)
{
    return !s.isFinished();
}

bool TransferListModel::canRetry(const TransferSnapshot &s)
{
    return s.direction == TransferSnapshot::Direction::Outgoing
        && (s.state == TransferSnapshot::State::Failed
            || s.state == TransferSnapshot::State::Cancelled);
}

bool TransferListModel::canOpenFolder(const TransferSnapshot &s)
{
    return !s.localFolder.isEmpty() && QFileInfo(s.localFolder).isDir();
}

QVariant TransferListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const TransferSnapshot &s = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return TransferFormat::title(s);
    case Qt::ToolTipRole: {
        QStringList lines {TransferFormat::title(s), TransferFormat::state(s.state)};
        if (!s.verificationCode.isEmpty())
            lines << tr("Verification code: %1").arg(s.verificationCode);
        lines << s.items;
        if (!s.localFolder.isEmpty())
            lines << tr("Folder: %1").arg(s.localFolder);
        // Names come from the peer: escaped, so a tooltip never renders them as rich text.
        return QStringLiteral("<p style=\"white-space:pre\">%1</p>")
            .arg(lines.join(u'\n').toHtmlEscaped());
    }
    case SnapshotRole:
        return QVariant::fromValue(s);
    case IdRole:
        return s.id;
    case StateRole:
        return int(s.state);
    case FinishedRole:
        return s.isFinished();
    case ProgressRole:
        return TransferFormat::percent(s);
    case ProgressTextRole:
        return TransferFormat::progressLine(s);
    case PathBadgeRole:
        return TransferFormat::pathBadge(s.path, s.pathReason);
    case CanCancelRole:
        return canCancel(s);
    case CanRetryRole:
        return canRetry(s);
    case CanOpenFolderRole:
        return canOpenFolder(s);
    default:
        return {};
    }
}

TransferSnapshot TransferListModel::snapshotAt(int row) const
{
    return (row >= 0 && row < m_rows.size()) ? m_rows.at(row) : TransferSnapshot {};
}

int TransferListModel::rowOf(quint64 id) const
{
    return m_rowById.value(id, -1);
}

void TransferListModel::setFlushInterval(std::chrono::milliseconds interval)
{
    m_flushTimer.setInterval(interval);
}

std::chrono::milliseconds TransferListModel::flushInterval() const
{
    return m_flushTimer.intervalAsDuration();
}

void TransferListModel::update(const TransferSnapshot &snapshot)
{
    const int row = rowOf(snapshot.id);
    if (row < 0) {
        // Newest first.
        beginInsertRows({}, 0, 0);
        m_rows.prepend(snapshot);
        reindex();
        endInsertRows();
        Q_EMIT transferAdded(snapshot);
        if (snapshot.isFinished())
            Q_EMIT transferFinished(snapshot);
        return;
    }
    const TransferSnapshot previous = m_rows.at(row);
    m_rows[row] = snapshot;
    if (previous.state != snapshot.state || previous.path != snapshot.path) {
        // Something a person waits for: show it now, together with any pending progress.
        m_dirty.remove(snapshot.id);
        Q_EMIT dataChanged(index(row), index(row));
        if (snapshot.isFinished() && !previous.isFinished())
            Q_EMIT transferFinished(snapshot);
        return;
    }
    m_dirty.insert(snapshot.id);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void TransferListModel::flush()
{
    m_flushTimer.stop();
    const QSet<quint64> dirty = std::exchange(m_dirty, {});
    for (const quint64 id : dirty) {
        const int row = rowOf(id);
        if (row >= 0)
            Q_EMIT dataChanged(index(row), index(row));
    }
}

void TransferListModel::clearFinished()
{
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        if (!m_rows.at(row).isFinished())
            continue;
        beginRemoveRows({}, row, row);
        m_dirty.remove(m_rows.at(row).id);
        m_rows.removeAt(row);
        reindex();
        endRemoveRows();
    }
}

void TransferListModel::retranslate()
{
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_rows.size()) - 1));
}

void TransferListModel::reindex()
{
    m_rowById.clear();
    for (int i = 0; i < m_rows.size(); ++i)
        m_rowById.insert(m_rows.at(i).id, i);
}

} // namespace PunchDrop::Gui
