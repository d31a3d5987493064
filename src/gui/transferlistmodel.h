// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transferhistory.h"

#include "transfer/transfersnapshot.h"

#include <QAbstractListModel>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QSet>
#include <QTimer>

#include <limits>

namespace PunchDrop::Gui {

/*!
 * The transfers, newest first, one row per TransferSnapshot::id, fed by
 * Backend::transferUpdated. New transfers and state changes show at once; progress-only updates
 * are coalesced so a row repaints at most once per flush interval (100 ms by default), however
 * often the backend reports. Finished transfers stay until clearFinished().
 *
 * A transfer that ends Done gets its average speed (bytes moved in this attempt over the time
 * since it started moving) in its snapshot's bytesPerSecond. Rows from an earlier run
 * (restore()) sit below the live ones; they are final: no retry, no cancel.
 */
class TransferListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        SnapshotRole = Qt::UserRole + 1, //!< QVariant::fromValue(TransferSnapshot)
        IdRole, //!< quint64
        StateRole, //!< int(TransferSnapshot::State)
        FinishedRole, //!< bool
        ProgressRole, //!< 0…100, -1 unknown
        ProgressTextRole, //!< TransferFormat::progressLine
        PathBadgeRole,
        CanCancelRole,
        CanRetryRole,
        CanOpenFolderRole,
        StalledRole, //!< bool: transferring, but no byte moved for stallThreshold()
        FinishedAtRole, //!< QDateTime, for finished rows
        RestoredRole, //!< bool: a row from an earlier run (the history)
        DetailsRole, //!< plain text: every line the row has, untruncated (tooltip, Details…)
        CanOpenFileRole, //!< bool: received, done, exactly one file, and it is still there
    };
    Q_ENUM(Role)

    explicit TransferListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    TransferSnapshot snapshotAt(int row) const;
    int rowOf(quint64 id) const;

    //! How long progress-only changes are held back (tests shorten or lengthen it).
    void setFlushInterval(std::chrono::milliseconds interval);
    std::chrono::milliseconds flushInterval() const;
    //! How long a transferring row may see no byte move before it says "Stalled" (10 s).
    void setStallThreshold(std::chrono::milliseconds threshold);

    //! Whether a transfer not shown yet gets a row: outgoing ones at once, incoming ones once
    //! their offer arrived (rows for offers nobody saw would only confuse).
    static bool deservesARow(const TransferSnapshot &s);
    static bool canCancel(const TransferSnapshot &s);
    static bool canRetry(const TransferSnapshot &s);
    static bool canOpenFolder(const TransferSnapshot &s);
    static bool canOpenFile(const TransferSnapshot &s);
    //! When \a id finished (invalid while it runs).
    QDateTime finishedAt(quint64 id) const { return m_finishedAt.value(id); }
    /*!
     * Adds \a entries (newest first) from an earlier run below the current rows, with ids of
     * their own that no engine transfer uses. No transferAdded / transferFinished for them.
     */
    void restore(const QList<TransferHistory::Entry> &entries);

public Q_SLOTS:
    void update(const PunchDrop::TransferSnapshot &snapshot);
    //! Removes every finished transfer (done, failed, cancelled, declined).
    void clearFinished();
    //! Emits the pending coalesced dataChanged now.
    void flush();
    //! Texts are translated: asks the views to fetch them again.
    void retranslate();

Q_SIGNALS:
    //! A transfer reached a final state (for notifications). Emitted once per transition.
    void transferFinished(const PunchDrop::TransferSnapshot &snapshot);
    //! A transfer appeared for the first time.
    void transferAdded(const PunchDrop::TransferSnapshot &snapshot);
    //! clearFinished() removed the finished rows (the history goes with them).
    void finishedCleared();

private:
    void reindex();
    //! Notes whether \a now moved compared with \a before (or is new) for the stall check.
    void trackMovement(const TransferSnapshot *before, const TransferSnapshot &now);
    void checkStalls();
    //! \a s is finishing now: its time, and for Done its average speed.
    void noteFinished(TransferSnapshot &s);
    //! Drops what is tracked about row \a id.
    void forget(quint64 id);

    QList<TransferSnapshot> m_rows;
    QHash<quint64, int> m_rowById;
    QSet<quint64> m_dirty;
    QTimer m_flushTimer;
    //! Transferring rows: when their byte count last changed. A row in m_stalled says so.
    QHash<quint64, QElapsedTimer> m_lastMove;
    QSet<quint64> m_stalled;
    std::chrono::milliseconds m_stallThreshold {10000};
    QTimer m_stallTimer;
    //! Since when a transfer has been moving bytes (its first Transferring), for the average.
    QHash<quint64, QElapsedTimer> m_movingSince;
    QHash<quint64, QDateTime> m_finishedAt;
    QSet<quint64> m_restored;
    quint64 m_nextRestoredId = std::numeric_limits<quint64>::max();
};

} // namespace PunchDrop::Gui
