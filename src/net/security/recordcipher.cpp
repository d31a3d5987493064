// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/recordcipher.h"

#include <QtEndian>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace PunchDrop {

namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

void makeNonce(quint64 counter, unsigned char *nonce)
{
    std::memset(nonce, 0, RecordCipher::kNonceSize);
    qToBigEndian(counter, nonce + 4);
}

const EVP_CIPHER *cipherOf(RecordCipher::Aead aead)
{
    switch (aead) {
    case RecordCipher::Aead::Aes128Gcm:
        return EVP_aes_128_gcm();
    case RecordCipher::Aead::ChaCha20Poly1305:
        return EVP_chacha20_poly1305();
    case RecordCipher::Aead::Aes256Gcm:
        break;
    }
    return EVP_aes_256_gcm();
}

const unsigned char *bytes(QByteArrayView view)
{
    return reinterpret_cast<const unsigned char *>(view.data());
}

/*!
 * Writes one record (length, ciphertext, tag) for the plaintext \a head ‖ \a body to \a record.
 * GCM and ChaCha20-Poly1305 are stream modes: the two pieces encrypt as one.
 */
bool sealOne(RecordCipher::Aead aead, const unsigned char *key, quint64 counter,
    std::span<const QByteArrayView> pieces, qsizetype n, unsigned char *record)
{
    qToBigEndian(quint32(n + RecordCipher::kTagSize), record);
    unsigned char *out = record + RecordCipher::kLengthSize;
    unsigned char nonce[RecordCipher::kNonceSize];
    makeNonce(counter, nonce);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int produced = 0;
    int finalBytes = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipherOf(aead), nullptr, key, nonce) != 1
        || EVP_EncryptUpdate(ctx.get(), nullptr, &produced, record, int(RecordCipher::kLengthSize))
            != 1)
        return false;
    for (const QByteArrayView piece : pieces) {
        if (piece.isEmpty())
            continue;
        if (EVP_EncryptUpdate(ctx.get(), out, &produced, bytes(piece), int(piece.size())) != 1)
            return false;
        out += produced;
    }
    return EVP_EncryptFinal_ex(ctx.get(), out, &finalBytes) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, int(RecordCipher::kTagSize),
               record + RecordCipher::kLengthSize + n)
        == 1;
}

/*!
 * Decrypts the record at \a record (length header included, \a length = ciphertext + tag): the
 * first \a split plaintext bytes into \a out (which may be the ciphertext itself: both modes
 * decrypt in place), the rest into \a rest (\a out + \a split when one buffer takes all).
 */
bool openOne(RecordCipher::Aead aead, const unsigned char *key, quint64 counter,
    const unsigned char *record, quint32 length, unsigned char *out, int split = -1,
    unsigned char *rest = nullptr)
{
    const int n = int(length - RecordCipher::kTagSize);
    if (split < 0 || split > n) {
        split = n;
        rest = out + n;
    }
    const unsigned char *body = record + RecordCipher::kLengthSize;
    unsigned char nonce[RecordCipher::kNonceSize];
    makeNonce(counter, nonce);
    unsigned char tag[RecordCipher::kTagSize];
    std::memcpy(tag, body + n, sizeof tag);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int produced = 0;
    int finalBytes = 0;
    return ctx && EVP_DecryptInit_ex(ctx.get(), cipherOf(aead), nullptr, key, nonce) == 1
        && EVP_DecryptUpdate(ctx.get(), nullptr, &produced, record, int(RecordCipher::kLengthSize))
        == 1
        && (split == 0 || EVP_DecryptUpdate(ctx.get(), out, &produced, body, split) == 1)
        && (split == n
            || EVP_DecryptUpdate(ctx.get(), rest, &produced, body + split, n - split) == 1)
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, int(sizeof tag), tag) == 1
        && EVP_DecryptFinal_ex(ctx.get(), rest + (n - split), &finalBytes) == 1;
}

RecordCipher::OpenResult malformed(RecordCipher::Error error, const QString &text)
{
    RecordCipher::OpenResult r;
    r.status = RecordCipher::Status::Malformed;
    r.error = error;
    r.errorString = text;
    return r;
}

} // namespace

RecordCipher::RecordCipher(const Key &key, quint64 counter)
    : m_key(key)
    , m_counter(counter)
{ }

RecordCipher::~RecordCipher()
{
    clear();
}

void RecordCipher::reset(const Key &key, quint64 counter, Aead aead)
{
    m_key = key;
    m_counter = counter;
    m_aead = aead;
}

void RecordCipher::clear()
{
    OPENSSL_cleanse(m_key.data(), m_key.size());
}

RecordCipher::SealResult RecordCipher::seal(QByteArrayView plaintext, QByteArray &out)
{
    const qsizetype max = m_maxPlaintext;
    const qsizetype records = (plaintext.size() + max - 1) / max;
    out.reserve(out.size() + plaintext.size() + records * (kLengthSize + kTagSize));
    for (qsizetype at = 0; at < plaintext.size(); at += max) {
        const SealResult sealed
            = sealRecord(plaintext.sliced(at, qMin(max, plaintext.size() - at)), {}, out);
        if (!sealed.ok())
            return sealed;
    }
    return {};
}

RecordCipher::SealResult RecordCipher::sealRecord(
    QByteArrayView head, QByteArrayView body, QByteArray &out)
{
    const QByteArrayView pieces[] {head, body};
    return sealRecord(pieces, out);
}

RecordCipher::SealResult RecordCipher::sealRecord(
    std::span<const QByteArrayView> pieces, QByteArray &out)
{
    qsizetype n = 0;
    for (const QByteArrayView piece : pieces)
        n += piece.size();
    if (n < 1 || n > m_maxPlaintext)
        return {Error::Oversize,
            QStringLiteral("a record of %1 bytes (1 … %2)").arg(n).arg(m_maxPlaintext)};
    if (m_counter == kLastCounter)
        return {Error::CounterExhausted, QStringLiteral("send record counter exhausted")};
    const qsizetype start = out.size();
    out.resize(start + kLengthSize + n + kTagSize);
    if (!sealOne(m_aead, m_key.data(), m_counter, pieces, n,
            reinterpret_cast<unsigned char *>(out.data()) + start)) {
        out.truncate(start);
        return {Error::Crypto, QStringLiteral("cannot encrypt a record")};
    }
    ++m_counter;
    return {};
}

RecordCipher::SealResult RecordCipher::checkLength(quint32 length) const
{
    if (length <= quint32(kTagSize) || length > quint32(m_maxPlaintext + kTagSize))
        return {Error::Oversize,
            QStringLiteral("record length %1 out of range (%2 … %3)")
                .arg(length)
                .arg(kTagSize + 1)
                .arg(m_maxPlaintext + kTagSize)};
    return {};
}

RecordCipher::SealResult RecordCipher::openInPlace(char *record)
{
    return openSplit(record, -1, nullptr);
}

RecordCipher::SealResult RecordCipher::openSplit(char *record, qsizetype headBytes, char *rest)
{
    if (m_counter == kLastCounter)
        return {Error::CounterExhausted, QStringLiteral("receive record counter exhausted")};
    auto *bytes = reinterpret_cast<unsigned char *>(record);
    const quint32 length = qFromBigEndian<quint32>(bytes);
    if (!openOne(m_aead, m_key.data(), m_counter, bytes, length, bytes + kLengthSize,
            int(headBytes), reinterpret_cast<unsigned char *>(rest)))
        return {Error::Integrity,
            QStringLiteral("record %1 failed authentication (corrupted or tampered with)")
                .arg(m_counter)};
    ++m_counter;
    return {};
}

RecordCipher::OpenResult RecordCipher::open(QByteArrayView data)
{
    if (data.size() < kLengthSize)
        return {};
    const quint32 length = qFromBigEndian<quint32>(data.data());
    if (const SealResult checked = checkLength(length); !checked.ok())
        return malformed(checked.error, checked.errorString);
    if (data.size() < kLengthSize + qsizetype(length))
        return {};
    if (m_counter == kLastCounter)
        return malformed(
            Error::CounterExhausted, QStringLiteral("receive record counter exhausted"));
    OpenResult r;
    r.plaintext.resize(qsizetype(length) - kTagSize);
    if (!openOne(m_aead, m_key.data(), m_counter,
            reinterpret_cast<const unsigned char *>(data.data()), length,
            reinterpret_cast<unsigned char *>(r.plaintext.data())))
        return malformed(Error::Integrity,
            QStringLiteral("record %1 failed authentication (corrupted or tampered with)")
                .arg(m_counter));
    ++m_counter;
    r.status = Status::Ok;
    r.consumed = kLengthSize + qsizetype(length);
    return r;
}

} // namespace PunchDrop
