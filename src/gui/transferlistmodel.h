// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transfersnapshot.h"

#include <QAbstractListModel>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QSet>
#include <QTimer>

namespace PunchDrop::Gui {

/*!
 * The transfers, newest first, one row per TransferSnapshot::id, fed by
 * Backend::transferUpdated. New transfers and state changes show at once; progress-only updates
 * are coalesced so a row repaints at most once per flush interval (100 ms by default), however
 * often the backend reports. Finished transfers stay until clearFinished().
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

private:
    void reindex();
    //! Notes whether \a now moved compared with \a before (or is new) for the stall check.
    void trackMovement(const TransferSnapshot *before, const TransferSnapshot &now);
    void checkStalls();

    QList<TransferSnapshot> m_rows;
    QHash<quint64, int> m_rowById;
    QSet<quint64> m_dirty;
    QTimer m_flushTimer;
    //! Transferring rows: when their byte count last changed. A row in m_stalled says so.
    QHash<quint64, QElapsedTimer> m_lastMove;
    QSet<quint64> m_stalled;
    std::chrono::milliseconds m_stallThreshold {10000};
    QTimer m_stallTimer;
};

} // namespace PunchDrop::Gui
