// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferlistmodel.h"

#include "transferformat.h"

#include <QFileInfo>
#include <QLocale>

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

bool TransferListModel::canOpenFile(const TransferSnapshot &s)
{
    return s.direction == TransferSnapshot::Direction::Incoming
        && s.state == TransferSnapshot::State::Done && !s.localFile.isEmpty()
        && QFileInfo(s.localFile).isFile();
}

QVariant TransferListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const TransferSnapshot &s = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return TransferFormat::title(s);
    case Qt::ToolTipRole:
        // Names come from the peer: escaped, so a tooltip never renders them as rich text.
        return QStringLiteral("<p style=\"white-space:pre\">%1</p>")
            .arg(data(index, DetailsRole).toString().toHtmlEscaped());
    case DetailsRole: {
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
        if (const QDateTime at = m_finishedAt.value(s.id); at.isValid())
            lines << tr("Finished: %1")
                         .arg(QLocale().toString(at.toLocalTime(), QLocale::ShortFormat));
        return lines.join(u'\n');
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
        return TransferFormat::pathBadge(s.path, s.pathReason, s.pathBefore);
    case CanCancelRole:
        return canCancel(s) && !m_restored.contains(s.id);
    case CanRetryRole:
        // The engine that ran a restored transfer is gone: it cannot be retried from here.
        return canRetry(s) && !m_restored.contains(s.id);
    case CanOpenFolderRole:
        return canOpenFolder(s);
    case CanOpenFileRole:
        return canOpenFile(s);
    case FinishedAtRole:
        return m_finishedAt.value(s.id);
    case RestoredRole:
        return m_restored.contains(s.id);
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
        TransferSnapshot added = snapshot;
        if (added.state == TransferSnapshot::State::Transferring)
            m_movingSince[added.id].start();
        if (added.isFinished())
            noteFinished(added);
        // Newest first.
        beginInsertRows({}, 0, 0);
        m_rows.prepend(added);
        reindex();
        endInsertRows();
        trackMovement(nullptr, added);
        Q_EMIT transferAdded(added);
        if (added.isFinished())
            Q_EMIT transferFinished(added);
        return;
    }
    const TransferSnapshot previous = m_rows.at(row);
    m_rows[row] = snapshot;
    if (snapshot.state == TransferSnapshot::State::Transferring
        && !m_movingSince.contains(snapshot.id))
        m_movingSince[snapshot.id].start();
    if (snapshot.isFinished() && !previous.isFinished())
        noteFinished(m_rows[row]);
    else if (!snapshot.isFinished() && previous.isFinished())
        forget(snapshot.id); // a retry: a new attempt with its own times
    const bool wasStalled = m_stalled.contains(snapshot.id);
    trackMovement(&previous, snapshot);
    const bool moving = wasStalled && !m_stalled.contains(snapshot.id);
    if (moving || previous.state != snapshot.state || previous.path != snapshot.path) {
        // Something a person waits for: show it now, together with any pending progress.
        m_dirty.remove(snapshot.id);
        Q_EMIT dataChanged(index(row), index(row));
        if (snapshot.isFinished() && !previous.isFinished())
            Q_EMIT transferFinished(m_rows.at(row));
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
        forget(m_rows.at(row).id);
        m_rows.removeAt(row);
        reindex();
        endRemoveRows();
    }
    Q_EMIT finishedCleared();
}

void TransferListModel::forget(quint64 id)
{
    m_dirty.remove(id);
    m_lastMove.remove(id);
    m_stalled.remove(id);
    m_movingSince.remove(id);
    m_finishedAt.remove(id);
    m_restored.remove(id);
}

void TransferListModel::noteFinished(TransferSnapshot &s)
{
    m_finishedAt.insert(s.id, QDateTime::currentDateTimeUtc());
    const auto since = m_movingSince.constFind(s.id);
    const qint64 ms = since == m_movingSince.cend() ? 0 : since->elapsed();
    const qint64 moved = s.bytesTotal - qMax<qint64>(0, s.resumedBytes);
    s.bytesPerSecond = s.state == TransferSnapshot::State::Done && ms > 0 && moved > 0
        ? double(moved) * 1000.0 / double(ms)
        : 0;
    m_movingSince.remove(s.id);
}

void TransferListModel::restore(const QList<TransferHistory::Entry> &entries)
{
    if (entries.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(entries.size()) - 1);
    for (const TransferHistory::Entry &e : entries) {
        TransferSnapshot s = e.snapshot;
        s.id = m_nextRestoredId--;
        m_restored.insert(s.id);
        m_finishedAt.insert(s.id, e.finishedAt);
        m_rows.append(s);
    }
    reindex();
    endInsertRows();
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
