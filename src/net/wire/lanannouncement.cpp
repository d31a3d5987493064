// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/lanannouncement.h"

#include "net/wire/displaytext.h"

// The pure codec: Qt Core only, no cryptography (lanannouncementcrypto.cpp has encode() and
// verify()), so the fuzzer links this file alone.

#include <QList>
#include <QStringDecoder>
#include <QtEndian>

#include <memory>
#include <optional>

namespace PunchDrop {

namespace {

//! Strict UTF-8 decoding; nullopt on invalid sequences.
std::optional<QString> decodeUtf8(QByteArrayView bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

void appendU16(QByteArray &out, quint16 v)
{
    char buf[2];
    qToBigEndian(v, buf);
    out.append(buf, 2);
}

void appendU64(QByteArray &out, quint64 v)
{
    char buf[8];
    qToBigEndian(v, buf);
    out.append(buf, 8);
}

//! Appends one extension entry; nothing for an empty value.
void appendExtension(QByteArray &out, LanAnnouncement::Extension tag, const QString &token)
{
    const QByteArray value = token.toLatin1();
    if (value.isEmpty())
        return;
    out.append(char(tag));
    out.append(char(quint8(value.size())));
    out.append(value);
}

QByteArray encodeExtensions(const DeviceDescription &device)
{
    QByteArray out;
    appendExtension(out, LanAnnouncement::Extension::DeviceKind, deviceKindName(device.kind));
    appendExtension(out, LanAnnouncement::Extension::DeviceOs, deviceOsName(device.os));
    return out;
}

//! The extensions block (without its length byte) into \a fields; an error text when it is
//! malformed, empty when it is fine.
QString decodeExtensions(QByteArrayView block, LanAnnouncement::Fields &fields)
{
    bool kindSeen = false;
    bool osSeen = false;
    qsizetype pos = 0;
    while (pos < block.size()) {
        if (block.size() - pos < 2)
            return QStringLiteral("truncated extension at %1").arg(pos);
        const quint8 tag = quint8(block[pos]);
        const qsizetype length = quint8(block[pos + 1]);
        pos += 2;
        if (block.size() - pos < length)
            return QStringLiteral("extension %1 of %2 bytes overruns the block")
                .arg(tag)
                .arg(length);
        const QByteArrayView value = block.sliced(pos, length);
        pos += length;
        bool *seen = nullptr;
        if (tag == quint8(LanAnnouncement::Extension::DeviceKind))
            seen = &kindSeen;
        else if (tag == quint8(LanAnnouncement::Extension::DeviceOs))
            seen = &osSeen;
        else
            continue; // a newer sender's field: skipped
        if (*seen)
            return QStringLiteral("extension %1 repeated").arg(tag);
        *seen = true;
        // Any bytes: what is not a known token reads as unknown.
        const QString token = QString::fromLatin1(value);
        if (tag == quint8(LanAnnouncement::Extension::DeviceKind))
            fields.device.kind = deviceKindFromName(token);
        else
            fields.device.os = deviceOsFromName(token);
    }
    return {};
}

LanAnnouncement::ParseResult malformed(QString error)
{
    LanAnnouncement::ParseResult r;
    r.status = LanAnnouncement::Status::Malformed;
    r.error = std::move(error);
    return r;
}

} // namespace

QByteArray LanAnnouncement::encodeUnsigned(const Fields &fields)
{
    if (fields.certificateDer.isEmpty() || fields.certificateDer.size() > kMaxCertificateSize)
        return {};
    const QByteArray name = DisplayText::cleanName(fields.displayName, kMaxNameBytes).toUtf8();
    const QByteArray extensions = encodeExtensions(fields.device);
    if (extensions.size() > kMaxExtensionBytes)
        return {};
    QByteArray out;
    out.reserve(
        kHeaderSize + fields.certificateDer.size() + 1 + name.size() + 1 + extensions.size());
    out.append(kMagic, sizeof kMagic);
    out.append(char(kVersion));
    out.append(char(fields.type));
    appendU16(out, fields.transferPort);
    appendU64(out, fields.sequence);
    appendU16(out, quint16(fields.certificateDer.size()));
    out.append(fields.certificateDer);
    out.append(char(quint8(name.size())));
    out.append(name);
    out.append(char(quint8(extensions.size())));
    out.append(extensions);
    return out;
}

QByteArray LanAnnouncement::assemble(const QByteArray &signedBytes, const QByteArray &signature)
{
    if (signedBytes.isEmpty() || signature.isEmpty() || signature.size() > kMaxSignatureSize
        || signedBytes.size() + 1 + signature.size() > kMaxDatagramSize)
        return {};
    QByteArray out = signedBytes;
    out.append(char(quint8(signature.size())));
    out.append(signature);
    return out;
}

LanAnnouncement::ParseResult LanAnnouncement::parse(QByteArrayView data)
{
    if (data.size() > kMaxDatagramSize)
        return malformed(QStringLiteral("datagram of %1 bytes exceeds %2")
                             .arg(data.size())
                             .arg(kMaxDatagramSize));
    if (data.size() < kHeaderSize)
        return malformed(QStringLiteral("truncated header (%1 bytes)").arg(data.size()));
    if (data.first(4) != QByteArrayView(kMagic, sizeof kMagic))
        return malformed(QStringLiteral("bad magic"));
    const auto *p = reinterpret_cast<const uchar *>(data.data());
    const quint8 version = p[4];
    if (version != kVersion && version != kOldestReadVersion)
        return malformed(QStringLiteral("unsupported version %1").arg(p[4]));
    if (p[5] != quint8(Type::Announce) && p[5] != quint8(Type::Goodbye))
        return malformed(QStringLiteral("unknown type %1").arg(p[5]));

    ParseResult r;
    r.fields.type = Type(p[5]);
    r.fields.transferPort = qFromBigEndian<quint16>(p + 6);
    r.fields.sequence = qFromBigEndian<quint64>(p + 8);
    const qsizetype certLen = qFromBigEndian<quint16>(p + 16);
    if (certLen == 0 || certLen > kMaxCertificateSize)
        return malformed(QStringLiteral("certificate length %1 out of range").arg(certLen));
    qsizetype pos = kHeaderSize;
    if (data.size() < pos + certLen + 1)
        return malformed(QStringLiteral("truncated certificate"));
    r.fields.certificateDer = data.sliced(pos, certLen).toByteArray();
    pos += certLen;

    const qsizetype nameLen = p[pos++];
    if (nameLen > kMaxNameBytes)
        return malformed(
            QStringLiteral("name length %1 exceeds %2").arg(nameLen).arg(kMaxNameBytes));
    if (data.size() < pos + nameLen + 1)
        return malformed(QStringLiteral("truncated name"));
    const std::optional<QString> name = decodeUtf8(data.sliced(pos, nameLen));
    if (!name)
        return malformed(QStringLiteral("name is not valid UTF-8"));
    // Only what the encoder produces: no control or bidi characters, whitespace folded.
    if (DisplayText::cleanName(*name, kMaxNameBytes) != *name)
        return malformed(QStringLiteral("name contains a control character or U+FFFD, or is not "
                                        "a clean display name"));
    r.fields.displayName = *name;
    pos += nameLen;

    if (version >= 3) {
        const qsizetype extensionsLen = p[pos++];
        if (extensionsLen > kMaxExtensionBytes)
            return malformed(QStringLiteral("extensions length %1 exceeds %2")
                                 .arg(extensionsLen)
                                 .arg(kMaxExtensionBytes));
        if (data.size() < pos + extensionsLen + 1)
            return malformed(QStringLiteral("truncated extensions"));
        const QString error = decodeExtensions(data.sliced(pos, extensionsLen), r.fields);
        if (!error.isEmpty())
            return malformed(error);
        pos += extensionsLen;
    }

    r.signedBytes = data.first(pos).toByteArray();
    const qsizetype sigLen = p[pos++];
    if (sigLen == 0 || sigLen > kMaxSignatureSize)
        return malformed(QStringLiteral("signature length %1 out of range").arg(sigLen));
    if (data.size() < pos + sigLen)
        return malformed(QStringLiteral("truncated signature"));
    if (data.size() > pos + sigLen)
        return malformed(QStringLiteral("%1 trailing bytes").arg(data.size() - pos - sigLen));
    r.signature = data.sliced(pos, sigLen).toByteArray();
    r.status = Status::Ok;
    return r;
}

} // namespace PunchDrop
