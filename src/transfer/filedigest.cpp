// SPDX-License-Identifier: GPL-3.0-or-later
#include "transfer/filedigest.h"

// Header-only use of libxxhash: no library to link or ship (Windows, macOS), and the compiler
// inlines the hot loop.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace PunchDrop {

struct FileDigest::Xxh3
{
    XXH3_state_t state;
};

FileDigest::FileDigest(Algorithm algorithm)
    : m_algorithm(algorithm)
{
    if (m_algorithm == Algorithm::Xxh3_128) {
        m_xxh3 = std::make_unique<Xxh3>();
        XXH3_128bits_reset(&m_xxh3->state);
    } else {
        m_sha256 = std::make_unique<Sha256>(); // starts reset
    }
}

FileDigest::~FileDigest() = default;

void FileDigest::reset()
{
    if (m_xxh3)
        XXH3_128bits_reset(&m_xxh3->state);
    else
        m_sha256->reset();
}

void FileDigest::addData(QByteArrayView data)
{
    if (m_xxh3)
        XXH3_128bits_update(&m_xxh3->state, data.data(), size_t(data.size()));
    else
        m_sha256->addData(data);
}

QByteArray FileDigest::result() const
{
    if (!m_xxh3)
        return m_sha256->result();
    XXH128_canonical_t canonical;
    XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(&m_xxh3->state));
    return QByteArray(reinterpret_cast<const char *>(canonical.digest), sizeof canonical.digest);
}

QLatin1StringView FileDigest::name(Algorithm algorithm)
{
    return algorithm == Algorithm::Sha256 ? QLatin1StringView("sha256")
                                          : QLatin1StringView("xxh3-128");
}

QByteArray FileDigest::of(Algorithm algorithm, QByteArrayView data)
{
    FileDigest digest(algorithm);
    digest.addData(data);
    return digest.result();
}

} // namespace PunchDrop
