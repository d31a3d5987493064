// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

namespace PunchDrop {

/*!
 * A device's identity on the wire: SHA-256 of the DER SubjectPublicKeyInfo of its long-term key
 * (Syncthing's model). Written as 52 characters of RFC 4648 base32 without padding
 * ("MFRGG2DF…"). Whoever holds the private key can prove the ID; nobody else can.
 */
class DeviceId
{
public:
    static constexpr int kDigestSize = 32;
    static constexpr int kTextLength = 52;

    DeviceId() = default;
    static DeviceId fromDigest(const QByteArray &sha256);
    static DeviceId fromPublicKeyDer(const QByteArray &spkiDer);
    //! Parses the text form: case-insensitive, dashes and spaces ignored. Null when malformed.
    static DeviceId fromString(QStringView text);

    bool isNull() const { return m_digest.isEmpty(); }
    QByteArray digest() const { return m_digest; }
    QString toString() const;
    //! The first characters, for logs and compact UI ("MFRGG2DF").
    QString shortString(int length = 8) const { return toString().left(length); }

    //! Whether \a prefix (text form, normalised like fromString) starts this ID.
    bool matchesPrefix(QStringView prefix) const;

    friend bool operator==(const DeviceId &a, const DeviceId &b)
    {
        return a.m_digest == b.m_digest;
    }
    friend bool operator!=(const DeviceId &a, const DeviceId &b) { return !(a == b); }
    friend bool operator<(const DeviceId &a, const DeviceId &b) { return a.m_digest < b.m_digest; }

    //! Normalises user input: uppercase, without separators.
    static QString normalise(QStringView text);

private:
    QByteArray m_digest;
};

size_t qHash(const DeviceId &id, size_t seed = 0) noexcept;

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::DeviceId)
