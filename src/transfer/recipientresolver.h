// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/contactstore.h"

#include "net/wire/peerinfo.h"
#include "net/wire/peerresolver.h"

#include <QList>
#include <QString>

namespace PunchDrop {

/*!
 * The sender's half of "identity is the address" (docs/security.md, name resolution): what
 * `send --to QUERY` and the app's Find a device mean, with the contact store first. On top of
 * PeerResolver's rules (exact ID, `id:` prefix, name before an unmarked prefix):
 *  - a name that a pinned contact carries means that contact's pinned ID, online or not, never
 *    another device of that name; two contacts of one name are ambiguous;
 *  - a device that is not a contact but carries a pinned contact's name is refused
 *    (Code::Refused, the error names both IDs) unless the query is its exact full ID: then it is
 *    a first contact like any other, and the contact store still will not let it take the name.
 * Pure, no I/O: TransferEngine::findPeer() asks the server when nothing matches here and passes
 * the answer through vet().
 */
class RecipientResolver
{
public:
    //! \a visible: online peers and offline contacts, as TransferEngine::peers() lists them.
    RecipientResolver(QList<Contact> contacts, QList<PeerInfo> visible);

    PeerResolver::Result resolve(const QString &query) const;
    /*!
     * \a found is what the server's lookup answered for \a query: Found only if it really
     * matches the query (PeerResolver's rules) and is not a namesake of a contact; NotFound or
     * Refused otherwise.
     */
    PeerResolver::Result vet(const QString &query, const PeerInfo &found) const;
    bool isContact(const DeviceId &id) const;

private:
    PeerResolver::Result accept(const PeerResolver &query, const PeerInfo &found) const;
    PeerInfo asPeer(const Contact &contact) const;

    QList<Contact> m_contacts;
    QList<PeerInfo> m_visible;
};

} // namespace PunchDrop
