// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/contactstore.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QSet>

namespace PunchDrop::Gui {

class Backend;

/*!
 * The pinned contacts as the Contacts page shows them: one row per contact, sorted by name,
 * with whether it is online now, when files last went either way, whether the user verified its
 * device ID and whether its offers are accepted without asking. The name is editable (renames
 * the contact), Verified and Always accept are check boxes; every change goes through the
 * Backend, which refuses what the contact store refuses (actionFailed() says why).
 */
class ContactTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StatusColumn,
        LastSeenColumn,
        VerifiedColumn,
        AutoAcceptColumn,
        DeviceIdColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    static constexpr int PeerRole = Qt::UserRole + 1; //!< QVariant::fromValue(DeviceId)

    explicit ContactTableModel(Backend *backend, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;

    Contact contactAt(int row) const;
    int rowOf(const DeviceId &id) const;
    //! Forgets the contact in \a row (after the page asked); false when refused.
    bool forget(int row);

public Q_SLOTS:
    void reload();
    void retranslate();

Q_SIGNALS:
    //! A change was refused: \a message says why, for people.
    void actionFailed(const QString &message);
    //! A change the user asked for went through (a shown refusal is out of date).
    void actionSucceeded();

private:
    QVariant checkState(const Contact &c, int column) const;
    QString statusText(const Contact &c) const;

    QPointer<Backend> m_backend;
    QList<Contact> m_contacts;
    QSet<DeviceId> m_online;
};

} // namespace PunchDrop::Gui
