// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/devicedescription.h"
#include "net/wire/deviceid.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <optional>

namespace PunchDrop {

//! A device we have exchanged files with, pinned by its DeviceId.
struct Contact
{
    DeviceId id;
    QString name;
    QDateTime firstSeen;
    QDateTime lastSeen; //!< the last transfer with it
    QDateTime lastOnline {}; //!< the last time the server or the LAN showed it online
    bool autoAccept = false; //!< accept offers from this device without asking
    //! The user compared this full DeviceId with the one the device itself shows.
    bool verified = false;
    //! The user named this contact: the name the device claims no longer replaces it.
    bool userNamed = false;
    //! What the device last said it is (through the server): its card's picture when offline.
    DeviceDescription device {};
};

/*!
 * Pinned contacts, trust on first use. Stored as JSON in the config directory
 * (`contacts.json`), written atomically (QSaveFile).
 *
 * A device is known by its key (DeviceId); its name is only a label, but people recognise
 * names. So a known NAME that now arrives with a different DeviceId (a reinstalled peer, or
 * someone impersonating it) is refused with a clear warning until the user re-verifies the
 * verification code and calls reverify().
 *
 * One name, one contact: the store never holds two contacts whose names are the same
 * (case-insensitive). A contact that renames itself to another contact's name keeps the name it
 * was pinned under (check() says so in TrustCheck::nameWarning, the offer shows it with its ID);
 * a file written by an older version with two contacts of one name is read with the later ones
 * marked "name (SHORTID)".
 */
class ContactStore : public QObject
{
    Q_OBJECT
public:
    static QString defaultFileName() { return QStringLiteral("contacts.json"); }
    //! Names are compared case-insensitively, surrounding spaces ignored.
    static bool sameName(const QString &a, const QString &b);

    //! \a filePath: the JSON file (e.g. ConfigDir::filePath(defaultFileName())).
    explicit ContactStore(QString filePath, QObject *parent = nullptr);

    //! Reads the file; a missing file is an empty store. False with \a error when unreadable.
    bool load(QString *error);

    QList<Contact> contacts() const { return m_contacts; }
    std::optional<Contact> find(const DeviceId &id) const;
    std::optional<Contact> findByName(const QString &name) const;
    bool isFirstContact(const DeviceId &id) const { return !find(id).has_value(); }

    enum class Trust {
        Known, //!< pinned already
        FirstContact, //!< never seen: show the verification code
        KeyChanged, //!< a contact with this name has a different key: refuse until reverified
    };
    struct TrustCheck
    {
        Trust trust = Trust::FirstContact;
        QString warning; //!< for KeyChanged: what to tell the user
        //! The name to show for the device: the claimed one, or for a known contact whose
        //! claimed name belongs to another contact, the name it was pinned under.
        QString shownName;
        //! Known: the claimed name is another contact's; what to tell the user (with both IDs).
        QString nameWarning;
    };
    TrustCheck check(const DeviceId &id, const QString &name) const;

    /*!
     * Pins \a id under \a name (first contact) or refreshes its name and last-seen time. Refused
     * (false + \a error) when check() says KeyChanged. A known contact is not renamed to
     * another contact's name (it keeps its own). Saves the file.
     */
    bool remember(const DeviceId &id, const QString &name, QString *error);
    //! The user compared the codes: \a name now belongs to \a newId (the old key is forgotten).
    bool reverify(const QString &name, const DeviceId &newId, QString *error);
    bool setAutoAccept(const DeviceId &id, bool autoAccept, QString *error);
    bool setVerified(const DeviceId &id, bool verified, QString *error);
    /*!
     * The user's own name for a contact: kept from now on whatever the device calls itself.
     * Refused (false + \a error) when empty or another contact's name (one name, one contact).
     */
    bool rename(const DeviceId &id, const QString &name, QString *error);
    /*!
     * \a id is online now (\a now): its "last seen" time. Kept in memory at once, written to the
     * file at most every kOnlineSaveInterval per contact (presence changes often; the disk need
     * not follow each one). False only when a write failed. No-op for a device that is not a
     * contact.
     */
    bool markOnline(const DeviceId &id, const QDateTime &now, QString *error);
    static constexpr qint64 kOnlineSaveIntervalSecs = 600;
    /*!
     * Contact \a id says it is \a device (server presence): kept when it is known and differs
     * from what is stored (a device that says nothing does not erase what it said before).
     * False only when a write failed. No-op for a device that is not a contact.
     */
    bool noteDevice(const DeviceId &id, const DeviceDescription &device, QString *error);
    //! Forgets \a id: its next offer is a first contact again (code shown, nothing automatic).
    bool remove(const DeviceId &id, QString *error);

Q_SIGNALS:
    void contactsChanged();

private:
    bool save(QString *error);
    //! The stored contact \a id, or nullptr with \a error.
    Contact *contactFor(const DeviceId &id, QString *error);
    //! The contact other than \a id that carries \a name.
    std::optional<Contact> namesakeOf(const DeviceId &id, const QString &name) const;

    QString m_filePath;
    QList<Contact> m_contacts;
};

} // namespace PunchDrop
