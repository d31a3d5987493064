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
    QByteArray out;
    out.reserve(kHeaderSize + fields.certificateDer.size() + 1 + name.size());
    out.append(kMagic, sizeof kMagic);
    out.append(char(kVersion));
    out.append(char(fields.type));
    appendU16(out, fields.transferPort);
    appendU64(out, fields.sequence);
    appendU16(out, quint16(fields.certificateDer.size()));
    out.append(fields.certificateDer);
    out.append(char(quint8(name.size())));
    out.append(name);
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
    if (p[4] != kVersion)
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
