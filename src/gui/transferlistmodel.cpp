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
    m_stallTimer.setInterval(1s);
    connect(&m_stallTimer, &QTimer::timeout, this, &TransferListModel::checkStalls);
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

bool TransferListModel::deservesARow(const TransferSnapshot &s)
{
    // An incoming session is shown once its offer is known (Waiting: the prompt, or the
    // auto-accept). One that ended before that (a peer that gave up while connecting, an offer
    // refused as malformed or too large) is nothing the person saw or can act on.
    return s.direction == TransferSnapshot::Direction::Outgoing
        || (s.state != TransferSnapshot::State::Connecting && !s.isFinished());
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
        // The whole text of a row that elides it, and the engine's own words behind it.
        QStringList lines {TransferFormat::title(s), TransferFormat::state(s.state),
            data(index, ProgressTextRole).toString()};
        if (!s.error.isEmpty() && s.isFinished())
            lines << tr("Details: %1").arg(s.error);
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
        if (m_stalled.contains(s.id)) {
            const qint64 seconds = m_lastMove.value(s.id).elapsed() / 1000;
            return TransferFormat::stalledLine(s, seconds);
        }
        return TransferFormat::progressLine(s);
    case StalledRole:
        return m_stalled.contains(s.id);
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
    if (row < 0 && !deservesARow(snapshot))
        return;
    if (row < 0) {
        // Newest first.
        beginInsertRows({}, 0, 0);
        m_rows.prepend(snapshot);
        reindex();
        endInsertRows();
        trackMovement(nullptr, snapshot);
        Q_EMIT transferAdded(snapshot);
        if (snapshot.isFinished())
            Q_EMIT transferFinished(snapshot);
        return;
    }
    const TransferSnapshot previous = m_rows.at(row);
    m_rows[row] = snapshot;
    const bool wasStalled = m_stalled.contains(snapshot.id);
    trackMovement(&previous, snapshot);
    const bool moving = wasStalled && !m_stalled.contains(snapshot.id);
    if (moving || previous.state != snapshot.state || previous.path != snapshot.path) {
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

void TransferListModel::setStallThreshold(std::chrono::milliseconds threshold)
{
    m_stallThreshold = threshold;
    m_stallTimer.setInterval(
        qBound(std::chrono::milliseconds(50), threshold / 4, std::chrono::milliseconds(1000)));
}

void TransferListModel::trackMovement(const TransferSnapshot *before, const TransferSnapshot &now)
{
    if (now.state != TransferSnapshot::State::Transferring) {
        m_lastMove.remove(now.id);
        m_stalled.remove(now.id);
        if (m_lastMove.isEmpty())
            m_stallTimer.stop();
        return;
    }
    if (!before || before->state != now.state || before->bytesDone != now.bytesDone
        || !m_lastMove.contains(now.id)) {
        m_lastMove[now.id].start();
        m_stalled.remove(now.id);
    }
    if (!m_stallTimer.isActive())
        m_stallTimer.start();
}

void TransferListModel::checkStalls()
{
    for (auto it = m_lastMove.cbegin(); it != m_lastMove.cend(); ++it) {
        const int row = rowOf(it.key());
        if (row < 0)
            continue;
        // Stalled rows count the seconds: repainted on every tick, not only when they stall.
        if (m_stalled.contains(it.key())
            || std::chrono::milliseconds(it.value().elapsed()) >= m_stallThreshold) {
            m_stalled.insert(it.key());
            Q_EMIT dataChanged(index(row), index(row));
        }
    }
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
        m_lastMove.remove(m_rows.at(row).id);
        m_stalled.remove(m_rows.at(row).id);
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
