// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transfersnapshot.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace PunchDrop::Gui {

/*!
 * Finished transfers kept across restarts: `history.json` in the config directory, newest first,
 * at most kMaxEntries, written atomically (QSaveFile).
 *
 * An entry holds what the transfer list shows and nothing more: the peer's ID and name, the
 * top-level names (at most TransferSnapshot::kSummaryNames), counts, sizes, the average speed,
 * the outcome as codes (worded again in the current language when shown), the path and this
 * device's own folder. Never the engine's error text (it may quote the other side's paths), the
 * verification code or any file's full path from the other side.
 *
 * A file that cannot be read as history (not JSON, too large, another version) is set aside as
 * `history.json.corrupt` and the history starts empty: nothing crashes, nothing is overwritten
 * unseen. Single entries with a bad field are skipped.
 */
class TransferHistory
{
public:
    static constexpr int kMaxEntries = 200;
    //! Larger than any history this app writes (200 entries of bounded fields).
    static constexpr qint64 kMaxFileBytes = 4 * 1024 * 1024;
    static constexpr int kMaxTextLength = 1024;
    static QString defaultFileName() { return QStringLiteral("history.json"); }

    struct Entry
    {
        TransferSnapshot snapshot; //!< bytesPerSecond: the average, for a Done transfer
        QDateTime finishedAt;
    };

    explicit TransferHistory(QString filePath);

    /*!
     * Reads the file; a missing file is an empty history. False with \a error (words for people)
     * when it could not be read: it was moved aside (see the class) and the history is empty.
     */
    bool load(QString *error);
    QList<Entry> entries() const { return m_entries; }
    //! Adds a finished transfer as the newest entry (the oldest beyond kMaxEntries go), saves.
    bool record(const TransferSnapshot &snapshot, const QDateTime &finishedAt, QString *error);
    //! Forgets every entry (the list's "Clear finished"), saves.
    bool clear(QString *error);

    //! What is kept of \a snapshot (the class says what and why).
    static TransferSnapshot kept(const TransferSnapshot &snapshot);
    static QJsonObject toJson(const Entry &entry);
    //! Null when \a object is not a usable entry.
    static std::optional<Entry> fromJson(const QJsonObject &object);

private:
    bool save(QString *error);
    void setAside(const QString &why, QString *error);

    QString m_filePath;
    QList<Entry> m_entries;
};

} // namespace PunchDrop::Gui
