// SPDX-License-Identifier: GPL-3.0-or-later
#include "contactlistmodel.h"

#include "backend.h"
#include "connectionstatustext.h"
#include "net/wire/nattype.h"

#include <QApplication>
#include <QPalette>

#include <algorithm>

namespace PunchDrop::Gui {

ContactListModel::ContactListModel(Backend *backend, QObject *parent)
    : QAbstractListModel(parent)
    , m_backend(backend)
{
    if (m_backend) {
        connect(m_backend, &Backend::peersChanged, this, &ContactListModel::reload);
        // Verified / always accept changed on the Contacts page: the trust mark follows.
        connect(m_backend, &Backend::contactsChanged, this, &ContactListModel::reload);
    }
    reload();
}

int ContactListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_peers.size());
}

QString ContactListModel::presenceText(const PeerInfo &peer)
{
    if (!peer.online)
        return tr("Offline");
    switch (peer.source) {
    case PeerInfo::Source::Lan:
        return tr("On this network");
    case PeerInfo::Source::Server:
    case PeerInfo::Source::Saved:
        return tr("Online");
    }
    return {};
}

QString ContactListModel::deviceText(DeviceKind kind, DeviceOs os)
{
    // Product names, not translated; "other" says nothing a person can use.
    QString system;
    switch (os) {
    case DeviceOs::Linux:
        system = QStringLiteral("Linux");
        break;
    case DeviceOs::Windows:
        system = QStringLiteral("Windows");
        break;
    case DeviceOs::Macos:
        system = QStringLiteral("macOS");
        break;
    case DeviceOs::Other:
    case DeviceOs::Unknown:
        break;
    }
    // %1 is always a product name, so each text has a form without it.
    switch (kind) {
    case DeviceKind::Laptop:
        if (system.isEmpty())
            return tr("Laptop");
        //: %1 is an operating system: "Linux", "Windows" or "macOS"
        return tr("%1 laptop").arg(system);
    case DeviceKind::Desktop:
        if (system.isEmpty())
            return tr("Desktop computer");
        //: %1 is an operating system: "Linux", "Windows" or "macOS"
        return tr("%1 desktop computer").arg(system);
    case DeviceKind::Server:
        if (system.isEmpty())
            //: A device running PunchDrop without a window (its command line)
            return tr("Server");
        //: A device running PunchDrop without a window (its command line); %1 is an operating
        //: system: "Linux", "Windows" or "macOS"
        return tr("%1 server").arg(system);
    case DeviceKind::Unknown:
        break;
    }
    if (system.isEmpty())
        return {};
    //: A device that did not say what kind it is; %1 is an operating system: "Linux",
    //: "Windows" or "macOS"
    return tr("%1 device").arg(system);
}

QString ContactListModel::trustText(const PeerInfo &peer, const Contact *contact)
{
    if (!peer.pinned)
        return tr("Not a contact yet");
    const bool verified = contact && contact->verified;
    const bool autoAccept = contact && contact->autoAccept;
    if (verified && autoAccept)
        return tr("Verified contact · always accepted");
    if (verified)
        return tr("Verified contact");
    if (autoAccept)
        return tr("Contact · always accepted");
    return tr("Contact");
}

const Contact *ContactListModel::contactOf(const PeerInfo &peer) const
{
    if (!peer.pinned)
        return nullptr;
    const auto it = m_contacts.constFind(peer.id);
    return it == m_contacts.cend() ? nullptr : &it.value();
}

QVariant ContactListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const PeerInfo &peer = m_peers.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return peer.name.isEmpty() ? peer.id.shortString() : peer.name;
    case Qt::ToolTipRole: {
        QString tip = deviceText(peer.kind, peer.os);
        if (!tip.isEmpty())
            tip += u'\n';
        tip += tr("Device ID: %1").arg(peer.id.toString());
        tip += u'\n'
            + (peer.pinned ? tr("Pinned contact: its key is known from an earlier transfer")
                           : tr("Not a contact yet: compare the verification code with its owner "
                                "before the first transfer"));
        if (!peer.natType.isEmpty())
            tip += u'\n' + ConnectionStatusText::natWords(peer.natType) + u'\n'
                + tr("NAT type: %1").arg(NatType::displayName(peer.natType));
        return tip;
    }
    case Qt::ForegroundRole:
        if (!peer.online)
            return QApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        return {};
    case OnlineRole:
        return peer.online;
    case SourceRole:
        return int(peer.source);
    case PresenceTextRole:
        return presenceText(peer);
    case NatTypeRole:
        return peer.natType;
    case DeviceIdRole:
        return peer.id.toString();
    case PeerRole:
        return QVariant::fromValue(peer.id);
    case PinnedRole:
        return peer.pinned;
    case TrustTextRole:
        return trustText(peer, contactOf(peer));
    case VerifiedRole: {
        const Contact *contact = contactOf(peer);
        return contact && contact->verified;
    }
    case AutoAcceptRole: {
        const Contact *contact = contactOf(peer);
        return contact && contact->autoAccept;
    }
    case DeviceKindRole:
        return int(peer.kind);
    case DeviceTextRole:
        return deviceText(peer.kind, peer.os);
    default:
        return {};
    }
}

QHash<int, QByteArray> ContactListModel::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(NameRole, "name");
    names.insert(OnlineRole, "online");
    names.insert(SourceRole, "source");
    names.insert(PresenceTextRole, "presence");
    names.insert(NatTypeRole, "natType");
    names.insert(DeviceIdRole, "deviceId");
    names.insert(PinnedRole, "pinned");
    names.insert(TrustTextRole, "trust");
    names.insert(VerifiedRole, "verified");
    names.insert(AutoAcceptRole, "autoAccept");
    names.insert(DeviceKindRole, "deviceKind");
    names.insert(DeviceTextRole, "deviceText");
    return names;
}

PeerInfo ContactListModel::peerAt(int row) const
{
    return (row >= 0 && row < m_peers.size()) ? m_peers.at(row) : PeerInfo {};
}

int ContactListModel::rowOf(const DeviceId &id) const
{
    for (int i = 0; i < m_peers.size(); ++i) {
        if (m_peers.at(i).id == id)
            return i;
    }
    return -1;
}

int ContactListModel::rowMatchingName(const QString &query) const
{
    const QString wanted = query.trimmed();
    if (wanted.isEmpty())
        return -1;
    int exact = -1;
    int exactCount = 0;
    int prefix = -1;
    int prefixCount = 0;
    for (int i = 0; i < m_peers.size(); ++i) {
        const QString name = m_peers.at(i).name.trimmed();
        if (name.compare(wanted, Qt::CaseInsensitive) == 0) {
            exact = i;
            ++exactCount;
        }
        if (name.startsWith(wanted, Qt::CaseInsensitive)) {
            prefix = i;
            ++prefixCount;
        }
    }
    if (exactCount > 0)
        return exactCount == 1 ? exact : -1;
    return prefixCount == 1 ? prefix : -1;
}

void ContactListModel::reload()
{
    QList<PeerInfo> peers = m_backend ? m_backend->peers() : QList<PeerInfo> {};
    QHash<DeviceId, Contact> contacts;
    if (m_backend) {
        const QList<Contact> list = m_backend->contacts();
        for (const Contact &contact : list)
            contacts.insert(contact.id, contact);
    }
    std::stable_sort(peers.begin(), peers.end(), [](const PeerInfo &a, const PeerInfo &b) {
        if (a.online != b.online)
            return a.online;
        return QString::localeAwareCompare(a.name, b.name) < 0;
    });
    // Same set of devices in the same order (the common case: a presence or NAT type changed):
    // update in place so the view keeps its selection and hover state.
    const bool sameRows = peers.size() == m_peers.size()
        && std::equal(peers.cbegin(), peers.cend(), m_peers.cbegin(),
            [](const PeerInfo &a, const PeerInfo &b) { return a.id == b.id; });
    if (sameRows) {
        m_peers = peers;
        m_contacts = contacts;
        if (!m_peers.isEmpty())
            Q_EMIT dataChanged(index(0), index(int(m_peers.size()) - 1));
        return;
    }
    beginResetModel();
    m_peers = peers;
    m_contacts = contacts;
    endResetModel();
}

void ContactListModel::retranslate()
{
    if (!m_peers.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_peers.size()) - 1),
            {Qt::ToolTipRole, PresenceTextRole, TrustTextRole});
}

} // namespace PunchDrop::Gui
