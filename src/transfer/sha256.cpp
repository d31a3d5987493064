// SPDX-License-Identifier: GPL-3.0-or-later
#include "sha256.h"

#include <openssl/evp.h>

namespace PunchDrop {

struct Sha256::Context
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256()
    : m_context(std::make_unique<Context>())
{
    reset();
}

Sha256::~Sha256() = default;

void Sha256::reset()
{
    EVP_DigestInit_ex(m_context->ctx, EVP_sha256(), nullptr);
}

void Sha256::addData(QByteArrayView data)
{
    EVP_DigestUpdate(m_context->ctx, data.data(), size_t(data.size()));
}

QByteArray Sha256::result() const
{
    // Finalise a copy, so the running state continues.
    Context copy;
    QByteArray out(EVP_MAX_MD_SIZE, Qt::Uninitialized);
    unsigned int length = 0;
    if (EVP_MD_CTX_copy_ex(copy.ctx, m_context->ctx) != 1
        || EVP_DigestFinal_ex(copy.ctx, reinterpret_cast<unsigned char *>(out.data()), &length)
            != 1)
        return {};
    out.truncate(int(length));
    return out;
}

} // namespace PunchDrop
