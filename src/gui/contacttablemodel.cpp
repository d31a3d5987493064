// SPDX-License-Identifier: GPL-3.0-or-later
#include "contacttablemodel.h"

#include "backend.h"

#include <QFontDatabase>
#include <QLocale>

#include <algorithm>

namespace PunchDrop::Gui {

ContactTableModel::ContactTableModel(Backend *backend, QObject *parent)
    : QAbstractTableModel(parent)
    , m_backend(backend)
{
    if (m_backend) {
        connect(m_backend, &Backend::contactsChanged, this, &ContactTableModel::reload);
        connect(m_backend, &Backend::peersChanged, this, &ContactTableModel::reload);
    }
    reload();
}

int ContactTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_contacts.size());
}

int ContactTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ContactTableModel::statusText(const Contact &c) const
{
    if (m_online.contains(c.id))
        return tr("Online");
    return c.lastOnline.isValid()
        ? tr("Last seen %1")
              .arg(QLocale().toString(c.lastOnline.toLocalTime(), QLocale::ShortFormat))
        : tr("Offline");
}

QVariant ContactTableModel::checkState(const Contact &c, int column) const
{
    const bool on = column == VerifiedColumn ? c.verified : c.autoAccept;
    return int(on ? Qt::Checked : Qt::Unchecked);
}

QVariant ContactTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Contact &c = m_contacts.at(index.row());
    if (role == PeerRole)
        return QVariant::fromValue(c.id);
    const int column = index.column();
    if (role == Qt::CheckStateRole && (column == VerifiedColumn || column == AutoAcceptColumn))
        return checkState(c, column);
    if (role == Qt::FontRole && column == DeviceIdColumn)
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    if (role == Qt::ToolTipRole && column == VerifiedColumn)
        return tr("Tick once you have compared this device ID with the one shown at the top of "
                  "PunchDrop's window on that device (in person or by phone).");
    if (role == Qt::ToolTipRole && column == AutoAcceptColumn)
        return tr("Accept files from this contact without asking.");
    if (role != Qt::DisplayRole && role != Qt::EditRole && role != Qt::ToolTipRole)
        return {};
    switch (column) {
    case NameColumn:
        return c.name.isEmpty() && role != Qt::EditRole ? c.id.shortString() : c.name;
    case StatusColumn:
        return statusText(c);
    case LastSeenColumn:
        return c.lastSeen.isValid()
            ? QLocale().toString(c.lastSeen.toLocalTime(), QLocale::ShortFormat)
            : tr("Never");
    case VerifiedColumn:
        return c.verified ? tr("Verified") : tr("Not verified");
    case AutoAcceptColumn:
        return c.autoAccept ? tr("Without asking") : tr("Ask");
    case DeviceIdColumn:
        return c.id.toString();
    default:
        return {};
    }
}

QVariant ContactTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case StatusColumn:
        return tr("Status");
    case LastSeenColumn:
        return tr("Last transfer");
    case VerifiedColumn:
        return tr("ID verified");
    case AutoAcceptColumn:
        return tr("Always accept");
    case DeviceIdColumn:
        return tr("Device ID");
    default:
        return {};
    }
}

Qt::ItemFlags ContactTableModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (!index.isValid())
        return f;
    if (index.column() == NameColumn)
        f |= Qt::ItemIsEditable;
    if (index.column() == VerifiedColumn || index.column() == AutoAcceptColumn)
        f |= Qt::ItemIsUserCheckable;
    return f;
}

bool ContactTableModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid) || !m_backend)
        return false;
    const DeviceId id = m_contacts.at(index.row()).id;
    QString error;
    bool ok = false;
    if (index.column() == NameColumn && role == Qt::EditRole) {
        if (value.toString().trimmed() == m_contacts.at(index.row()).name)
            return true; // nothing changed: no write, no "renamed" mark
        ok = m_backend->renameContact(id, value.toString(), &error);
    } else if (role == Qt::CheckStateRole && index.column() == VerifiedColumn) {
        ok = m_backend->setContactVerified(id, value.toInt() == Qt::Checked, &error);
    } else if (role == Qt::CheckStateRole && index.column() == AutoAcceptColumn) {
        ok = m_backend->setContactAutoAccept(id, value.toInt() == Qt::Checked, &error);
    } else {
        return false;
    }
    if (ok)
        Q_EMIT actionSucceeded();
    else
        Q_EMIT actionFailed(error);
    return ok; // the backend's contactsChanged() reloads the rows
}

Contact ContactTableModel::contactAt(int row) const
{
    return (row >= 0 && row < m_contacts.size()) ? m_contacts.at(row) : Contact {};
}

int ContactTableModel::rowOf(const DeviceId &id) const
{
    for (int i = 0; i < m_contacts.size(); ++i) {
        if (m_contacts.at(i).id == id)
            return i;
    }
    return -1;
}

bool ContactTableModel::forget(int row)
{
    if (row < 0 || row >= m_contacts.size() || !m_backend)
        return false;
    QString error;
    if (!m_backend->forgetContact(m_contacts.at(row).id, &error)) {
        Q_EMIT actionFailed(error);
        return false;
    }
    Q_EMIT actionSucceeded();
    return true;
}

void ContactTableModel::reload()
{
    QList<Contact> contacts = m_backend ? m_backend->contacts() : QList<Contact> {};
    std::stable_sort(contacts.begin(), contacts.end(), [](const Contact &a, const Contact &b) {
        return QString::localeAwareCompare(a.name, b.name) < 0;
    });
    m_online.clear();
    if (m_backend) {
        for (const PeerInfo &p : m_backend->peers()) {
            if (p.online)
                m_online.insert(p.id);
        }
    }
    // The same contacts in the same order (a presence, a last-seen time, a flag changed):
    // updated in place, so an open name editor and the selection stay.
    const bool sameRows = contacts.size() == m_contacts.size()
        && std::equal(contacts.cbegin(), contacts.cend(), m_contacts.cbegin(),
            [](const Contact &a, const Contact &b) { return a.id == b.id; });
    if (sameRows) {
        m_contacts = contacts;
        if (!m_contacts.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(int(m_contacts.size()) - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_contacts = contacts;
    endResetModel();
}

void ContactTableModel::retranslate()
{
    if (!m_contacts.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_contacts.size()) - 1, ColumnCount - 1));
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
}

} // namespace PunchDrop::Gui
