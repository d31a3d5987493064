// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/sessioncode.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace PunchDrop {

QByteArray SessionCode::newNonce()
{
    QByteArray nonce(kNonceSize, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(nonce.data()),
        reinterpret_cast<quint32 *>(nonce.data() + nonce.size()));
    return nonce;
}

QByteArray SessionCode::commitment(const QByteArray &nonce)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayLiteral("punchdrop-code-commitment-v2"));
    hash.addData(nonce);
    return hash.result();
}

bool SessionCode::opens(const QByteArray &commitment, const QByteArray &nonce)
{
    return nonce.size() == kNonceSize && commitment.size() == kNonceSize
        && SessionCode::commitment(nonce) == commitment;
}

QString SessionCode::derive(const DeviceId &sender, const DeviceId &receiver,
    const QByteArray &senderNonce, const QByteArray &receiverNonce)
{
    if (sender.isNull() || receiver.isNull() || senderNonce.size() != kNonceSize
        || receiverNonce.size() != kNonceSize)
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayLiteral("punchdrop-session-code-v2"));
    hash.addData(sender.digest());
    hash.addData(receiver.digest());
    hash.addData(senderNonce);
    hash.addData(receiverNonce);
    const QByteArray d = hash.result();
    // 2^64 mod 10^6 is negligible bias next to the 10^-6 the code is about.
    quint64 n = 0;
    for (int i = 0; i < 8; ++i)
        n = (n << 8) | quint8(d[i]);
    const QString digits = QStringLiteral("%1").arg(n % 1000000u, 6, 10, QLatin1Char('0'));
    return digits.left(3) + QLatin1Char(' ') + digits.mid(3);
}

} // namespace PunchDrop
