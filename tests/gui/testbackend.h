// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A test double for the GUI's Backend interface: records what the GUI asks for and lets the
// test push peers, status and transfer snapshots. For unit tests of the GUI logic only; the
// end-to-end tests use the real engine adapter.

#include "gui/backend.h"

#include <QCryptographicHash>
#include <QPair>

namespace PunchDrop::Test {

inline DeviceId deviceIdFor(const char *name)
{
    return DeviceId::fromDigest(
        QCryptographicHash::hash(QByteArray(name), QCryptographicHash::Sha256));
}

inline PeerInfo peer(
    const char *name, PeerInfo::Source source, bool online, const QString &natType = {})
{
    PeerInfo p;
    p.id = deviceIdFor(name);
    p.name = QString::fromUtf8(name);
    p.source = source;
    p.online = online;
    p.natType = natType;
    return p;
}

class TestBackend : public Gui::Backend
{
public:
    DeviceId self = deviceIdFor("self");
    QList<PeerInfo> peerList;
    Gui::ServerStatus status;
    bool active = false;
    quint64 nextId = 100;

    QList<QPair<DeviceId, QStringList>> sent;
    QList<quint64> cancelled;
    QList<quint64> retried;
    QList<Gui::AppSettings> applied;
    OfferDecider *decider = nullptr;

    DeviceId selfId() const override { return self; }
    QList<PeerInfo> peers() const override { return peerList; }
    Gui::ServerStatus serverStatus() const override { return status; }
    quint64 sendFiles(const DeviceId &to, const QStringList &paths) override
    {
        sent.append({to, paths});
        return nextId++;
    }
    void cancelTransfer(quint64 id) override { cancelled << id; }
    void retryTransfer(quint64 id) override { retried << id; }
    void setOfferDecider(OfferDecider *d) override { decider = d; }
    void applySettings(const Gui::AppSettings &settings) override { applied << settings; }
    bool hasActiveTransfers() const override { return active; }
    QStringList lookups;
    void findPeer(const QString &query) override { lookups << query; }
    void answerLookup(const QString &query, const DeviceId &found, const QString &error)
    {
        Q_EMIT peerLookupFinished(query, found, error);
    }

    // Contacts: kept in memory with the store's rules that matter to the GUI.
    QList<Contact> contactList;
    QList<Contact> contacts() const override { return contactList; }
    bool renameContact(const DeviceId &id, const QString &name, QString *error) override
    {
        return changeContact(id, error, [&](Contact &c) {
            c.name = name.trimmed();
            c.userNamed = true;
        });
    }
    bool setContactAutoAccept(const DeviceId &id, bool on, QString *error) override
    {
        return changeContact(id, error, [&](Contact &c) { c.autoAccept = on; });
    }
    bool setContactVerified(const DeviceId &id, bool on, QString *error) override
    {
        return changeContact(id, error, [&](Contact &c) { c.verified = on; });
    }
    bool forgetContact(const DeviceId &id, QString *error) override
    {
        if (contactList.removeIf([&](const Contact &c) { return c.id == id; }) == 0) {
            *error = QStringLiteral("not a contact");
            return false;
        }
        Q_EMIT contactsChanged();
        return true;
    }
    void setContacts(const QList<Contact> &list)
    {
        contactList = list;
        Q_EMIT contactsChanged();
    }

    void setPeers(const QList<PeerInfo> &list)
    {
        peerList = list;
        Q_EMIT peersChanged();
    }
    void setStatus(const Gui::ServerStatus &s)
    {
        status = s;
        Q_EMIT serverStatusChanged();
    }
    void report(const TransferSnapshot &snapshot) { Q_EMIT transferUpdated(snapshot); }

private:
    template<typename Change> bool changeContact(const DeviceId &id, QString *error, Change change)
    {
        for (Contact &c : contactList) {
            if (c.id == id) {
                change(c);
                Q_EMIT contactsChanged();
                return true;
            }
        }
        *error = QStringLiteral("not a contact");
        return false;
    }
};

inline TransferSnapshot snapshot(
    quint64 id, TransferSnapshot::State state, qint64 done, qint64 total)
{
    TransferSnapshot s;
    s.id = id;
    s.peer = deviceIdFor("alice");
    s.peerName = QStringLiteral("Alice");
    s.items = {QStringLiteral("holiday.mp4")};
    s.state = state;
    s.bytesDone = done;
    s.bytesTotal = total;
    return s;
}

} // namespace PunchDrop::Test
