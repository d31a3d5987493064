// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "appsettings.h"
#include "net/client/portmapper.h"
#include "net/wire/deviceid.h"
#include "net/wire/peerinfo.h"
#include "transfer/contactstore.h"
#include "transfer/offerdecider.h"
#include "transfer/transfersnapshot.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

namespace PunchDrop::Gui {

//! The connection to the rendezvous server as the status bar shows it.
struct ServerStatus
{
    enum class State { LanOnly, Connecting, Online, Offline };
    State state = State::LanOnly;
    QString serverAddress;
    QString detail; //!< e.g. "reconnecting in 4 s: connection refused"
    QString natType; //!< this device's NAT type, e.g. "cone (port-restricted)"
    //! The port mapping on the router: Off (turned off, or no server), Mapping, Mapped (via
    //! portMapper), Unavailable (portMapReason says why, in English).
    PortMapper::State portMap = PortMapper::State::Off;
    PortMapProtocol portMapper = PortMapProtocol::None;
    QString portMapReason;
    //! This device's IPv6 endpoint as the server knows it (an address claim, or registered over
    //! IPv6), empty when none: then devices with IPv6 connect directly whatever the NATs.
    QString ipv6;
};

/*!
 * Everything the desktop app needs from the engine (server connection, punching, relay, LAN,
 * transfers). The GUI only talks to this interface; the real engine plugs in through an adapter,
 * tests through a small double. Calls never block: results arrive through the signals.
 */
class Backend : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual DeviceId selfId() const = 0;
    //! Merged: server presence + LAN + saved contacts (PeerInfo::source, online).
    virtual QList<PeerInfo> peers() const = 0;
    virtual ServerStatus serverStatus() const = 0;
    //! Starts sending \a paths (files or folders) to \a peer; returns the transfer id.
    virtual quint64 sendFiles(const DeviceId &peer, const QStringList &paths) = 0;
    virtual void cancelTransfer(quint64 id) = 0;
    //! Re-sends a failed or cancelled outgoing transfer (resuming where possible).
    virtual void retryTransfer(quint64 id) = 0;
    //! Who answers incoming offers; not owned, may be null (then offers are declined).
    virtual void setOfferDecider(OfferDecider *decider) = 0;
    //! Name, server, download folder, auto-accept …
    virtual void applySettings(const AppSettings &settings) = 0;
    virtual bool hasActiveTransfers() const = 0;
    /*!
     * Looks for a device that is not in the list yet (the server only shows contacts and devices
     * on the same network): by device ID, a unique ID prefix or a unique display name, asking the
     * server when it is not known locally. A found device joins peers(); the answer comes as
     * peerLookupFinished().
     */
    virtual void findPeer(const QString &query) = 0;

    //! The pinned contacts (trust on first use), for the Contacts page.
    virtual QList<Contact> contacts() const = 0;
    /*!
     * Managing a contact. Each returns false with \a error (words for people) when refused;
     * contactsChanged() follows a change.
     */
    virtual bool renameContact(const DeviceId &id, const QString &name, QString *error) = 0;
    virtual bool setContactAutoAccept(const DeviceId &id, bool autoAccept, QString *error) = 0;
    virtual bool setContactVerified(const DeviceId &id, bool verified, QString *error) = 0;
    //! Unpins \a id: its next offer asks again and shows the verification code.
    virtual bool forgetContact(const DeviceId &id, QString *error) = 0;

Q_SIGNALS:
    void peersChanged();
    void contactsChanged();
    void serverStatusChanged();
    //! A transfer is new or changed (progress throttled by the backend).
    void transferUpdated(const PunchDrop::TransferSnapshot &snapshot);
    //! The answer to findPeer(\a query): \a found is null and \a error says why on failure.
    void peerLookupFinished(
        const QString &query, const PunchDrop::DeviceId &found, const QString &error);
};

} // namespace PunchDrop::Gui
