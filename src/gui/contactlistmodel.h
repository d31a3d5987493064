// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/peerinfo.h"
#include "transfer/contactstore.h"

#include <QAbstractListModel>
#include <QHash>
#include <QList>
#include <QPointer>

namespace PunchDrop::Gui {

class Backend;

/*!
 * The contacts: online peers from the server, peers on the LAN and saved contacts, as the
 * backend merges them. Online ones first, then by name. Offline saved contacts are greyed
 * (ForegroundRole) but stay droppable-on only while online. Pinned contacts are marked
 * (PinnedRole, TrustTextRole): a namesake of a contact shows up as a second row with the same
 * name that says "Not a contact yet". What the person decided about a contact on the Contacts
 * page shows too (VerifiedRole, AutoAcceptRole: the delegate's trust mark).
 */
class ContactListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        OnlineRole, //!< bool
        SourceRole, //!< int(PeerInfo::Source)
        PresenceTextRole, //!< "Online · internet", "On this network", "Offline"
        NatTypeRole,
        DeviceIdRole, //!< full text form
        PeerRole, //!< QVariant::fromValue(DeviceId)
        PinnedRole, //!< bool: a pinned contact (its key is known from an earlier transfer)
        TrustTextRole, //!< "Verified contact · always accepted" … "Not a contact yet"
        VerifiedRole, //!< bool: a contact whose full device ID its owner confirmed
        AutoAcceptRole, //!< bool: a contact whose offers are accepted without asking
        DeviceKindRole, //!< int(DeviceKind): what the device says it is (the card's picture)
        DeviceTextRole, //!< "Linux laptop", "Server", …; empty when the device said nothing
    };
    Q_ENUM(Role)

    explicit ContactListModel(Backend *backend, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    PeerInfo peerAt(int row) const;
    int rowOf(const DeviceId &id) const;
    /*!
     * The listed device a typed name means: the one whose name is \a query (case-insensitive,
     * spaces around ignored), else the only one whose name starts with it. -1 when none or
     * several match (then the engine's lookup decides, with its rules for namesakes).
     */
    int rowMatchingName(const QString &query) const;

    static QString presenceText(const PeerInfo &peer);
    //! \a contact: the pinned contact's entry, null when there is none.
    static QString trustText(const PeerInfo &peer, const Contact *contact);
    //! "Linux laptop", "Windows desktop", "Server", "macOS device", …: what the device says it
    //! is, for people. Empty when it said nothing.
    static QString deviceText(DeviceKind kind, DeviceOs os);

public Q_SLOTS:
    //! Re-reads Backend::peers(): rows that stay keep their place in the view.
    void reload();
    //! The presence texts and tooltips are translated: tells the views to fetch them again.
    void retranslate();

private:
    QPointer<Backend> m_backend;
    const Contact *contactOf(const PeerInfo &peer) const;

    QList<PeerInfo> m_peers;
    QHash<DeviceId, Contact> m_contacts;
};

} // namespace PunchDrop::Gui
