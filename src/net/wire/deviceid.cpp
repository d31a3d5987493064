// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/deviceid.h"

#include <QCryptographicHash>
#include <QHashFunctions>

namespace PunchDrop {

namespace {
constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

QString base32(const QByteArray &data)
{
    QString out;
    out.reserve((data.size() * 8 + 4) / 5);
    quint32 buffer = 0;
    int bits = 0;
    for (const char c : data) {
        buffer = (buffer << 8) | quint8(c);
        bits += 8;
        while (bits >= 5) {
            out.append(QLatin1Char(kBase32Alphabet[(buffer >> (bits - 5)) & 31]));
            bits -= 5;
        }
    }
    if (bits > 0)
        out.append(QLatin1Char(kBase32Alphabet[(buffer << (5 - bits)) & 31]));
    return out;
}

int base32Value(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= u'A' && u <= u'Z')
        return u - u'A';
    if (u >= u'2' && u <= u'7')
        return 26 + (u - u'2');
    return -1;
}
} // namespace

DeviceId DeviceId::fromDigest(const QByteArray &sha256)
{
    DeviceId id;
    if (sha256.size() == kDigestSize)
        id.m_digest = sha256;
    return id;
}

DeviceId DeviceId::fromPublicKeyDer(const QByteArray &spkiDer)
{
    if (spkiDer.isEmpty())
        return {};
    return fromDigest(QCryptographicHash::hash(spkiDer, QCryptographicHash::Sha256));
}

QString DeviceId::normalise(QStringView text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        if (c == u'-' || c == u' ')
            continue;
        out.append(c.toUpper());
    }
    return out;
}

DeviceId DeviceId::fromString(QStringView text)
{
    const QString clean = normalise(text);
    if (clean.size() != kTextLength)
        return {};
    QByteArray digest;
    quint32 buffer = 0;
    int bits = 0;
    for (const QChar c : clean) {
        const int v = base32Value(c);
        if (v < 0)
            return {};
        buffer = (buffer << 5) | quint32(v);
        bits += 5;
        if (bits >= 8) {
            digest.append(char((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
        }
    }
    // 52 chars carry 260 bits: the 4 leftover bits must be zero for a canonical encoding.
    if ((buffer & ((1u << bits) - 1)) != 0)
        return {};
    return fromDigest(digest);
}

QString DeviceId::toString() const
{
    return isNull() ? QString() : base32(m_digest);
}

bool DeviceId::matchesPrefix(QStringView prefix) const
{
    const QString clean = normalise(prefix);
    return !clean.isEmpty() && !isNull() && toString().startsWith(clean);
}

size_t qHash(const DeviceId &id, size_t seed) noexcept
{
    return qHash(id.digest(), seed);
}

} // namespace PunchDrop
