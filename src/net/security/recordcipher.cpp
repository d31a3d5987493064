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

//! Writes one record (length, ciphertext, tag) for \a plaintext to \a record.
bool sealOne(
    const unsigned char *key, quint64 counter, QByteArrayView plaintext, unsigned char *record)
{
    const qsizetype n = plaintext.size();
    qToBigEndian(quint32(n + RecordCipher::kTagSize), record);
    unsigned char *body = record + RecordCipher::kLengthSize;
    unsigned char nonce[RecordCipher::kNonceSize];
    makeNonce(counter, nonce);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int produced = 0;
    int finalBytes = 0;
    return ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce) == 1
        && EVP_EncryptUpdate(ctx.get(), nullptr, &produced, record, int(RecordCipher::kLengthSize))
        == 1
        && EVP_EncryptUpdate(ctx.get(), body, &produced,
               reinterpret_cast<const unsigned char *>(plaintext.data()), int(n))
        == 1
        && EVP_EncryptFinal_ex(ctx.get(), body + produced, &finalBytes) == 1
        && EVP_CIPHER_CTX_ctrl(
               ctx.get(), EVP_CTRL_AEAD_GET_TAG, int(RecordCipher::kTagSize), body + n)
        == 1;
}

//! Decrypts the record at \a record (length header included, \a length = ciphertext + tag).
bool openOne(const unsigned char *key, quint64 counter, const unsigned char *record, quint32 length,
    QByteArray &plaintext)
{
    const int n = int(length - RecordCipher::kTagSize);
    const unsigned char *body = record + RecordCipher::kLengthSize;
    plaintext.resize(n);
    auto *out = reinterpret_cast<unsigned char *>(plaintext.data());
    unsigned char nonce[RecordCipher::kNonceSize];
    makeNonce(counter, nonce);
    unsigned char tag[RecordCipher::kTagSize];
    std::memcpy(tag, body + n, sizeof tag);
    CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    int produced = 0;
    int finalBytes = 0;
    return ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key, nonce) == 1
        && EVP_DecryptUpdate(ctx.get(), nullptr, &produced, record, int(RecordCipher::kLengthSize))
        == 1
        && EVP_DecryptUpdate(ctx.get(), out, &produced, body, n) == 1
        && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, int(sizeof tag), tag) == 1
        && EVP_DecryptFinal_ex(ctx.get(), out + produced, &finalBytes) == 1;
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

void RecordCipher::reset(const Key &key, quint64 counter)
{
    m_key = key;
    m_counter = counter;
}

void RecordCipher::clear()
{
    OPENSSL_cleanse(m_key.data(), m_key.size());
}

RecordCipher::SealResult RecordCipher::seal(QByteArrayView plaintext, QByteArray &out)
{
    const qsizetype records = (plaintext.size() + kMaxPlaintext - 1) / kMaxPlaintext;
    out.reserve(out.size() + plaintext.size() + records * (kLengthSize + kTagSize));
    for (qsizetype at = 0; at < plaintext.size(); at += kMaxPlaintext) {
        if (m_counter == kLastCounter)
            return {Error::CounterExhausted, QStringLiteral("send record counter exhausted")};
        const QByteArrayView chunk
            = plaintext.sliced(at, qMin(kMaxPlaintext, plaintext.size() - at));
        const qsizetype start = out.size();
        out.resize(start + kLengthSize + chunk.size() + kTagSize);
        if (!sealOne(m_key.data(), m_counter, chunk,
                reinterpret_cast<unsigned char *>(out.data()) + start)) {
            out.truncate(start);
            return {Error::Crypto, QStringLiteral("cannot encrypt a record")};
        }
        ++m_counter;
    }
    return {};
}

RecordCipher::OpenResult RecordCipher::open(QByteArrayView data)
{
    if (data.size() < kLengthSize)
        return {};
    const quint32 length = qFromBigEndian<quint32>(data.data());
    if (length <= quint32(kTagSize) || length > quint32(kMaxPlaintext + kTagSize))
        return malformed(Error::Oversize,
            QStringLiteral("record length %1 out of range (%2 … %3)")
                .arg(length)
                .arg(kTagSize + 1)
                .arg(kMaxPlaintext + kTagSize));
    if (data.size() < kLengthSize + qsizetype(length))
        return {};
    if (m_counter == kLastCounter)
        return malformed(
            Error::CounterExhausted, QStringLiteral("receive record counter exhausted"));
    OpenResult r;
    if (!openOne(m_key.data(), m_counter, reinterpret_cast<const unsigned char *>(data.data()),
            length, r.plaintext))
        return malformed(Error::Integrity,
            QStringLiteral("record %1 failed authentication (corrupted or tampered with)")
                .arg(m_counter));
    ++m_counter;
    r.status = Status::Ok;
    r.consumed = kLengthSize + qsizetype(length);
    return r;
}

} // namespace PunchDrop
