// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/sha256.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1StringView>

#include <memory>

namespace PunchDrop {

/*!
 * The streaming digest that verifies a file on disk against what the sender read (END) and a
 * resume prefix against the sender's (RESUME), in the algorithm the session negotiated
 * (transferprotocol.h, capability "xxh3"):
 *
 *  - Xxh3_128: XXH3's 128-bit variant (libxxhash, inlined). About 20 times faster than SHA-256
 *    here. Not a cryptographic hash, and it need not be one: the bytes are authenticated end to
 *    end by the TLS stream, so the digest only has to catch what TLS cannot see — a disk, a
 *    buffer or a resume prefix that differs by accident (security.md, "What the file digest is
 *    for").
 *  - Sha256: OpenSSL's SHA-256 (the CPU's SHA extensions), for a peer without "xxh3" and for a
 *    user who wants a SHA-256 of what arrived (`--sha256`).
 *
 * result() does not end the stream: it returns the digest of everything so far (a resume
 * prefix) and more data may follow.
 */
class FileDigest
{
public:
    enum class Algorithm : quint8 { Sha256, Xxh3_128 };

    explicit FileDigest(Algorithm algorithm);
    ~FileDigest();
    FileDigest(const FileDigest &) = delete;
    FileDigest &operator=(const FileDigest &) = delete;

    Algorithm algorithm() const { return m_algorithm; }
    void addData(QByteArrayView data);
    void reset();
    //! The digest of everything added so far (size(algorithm()) bytes; XXH3: canonical, big
    //! endian, as `xxh128sum` prints it).
    QByteArray result() const;

    //! Digest bytes of \a algorithm (32 or 16).
    static constexpr qsizetype size(Algorithm algorithm)
    {
        return algorithm == Algorithm::Sha256 ? 32 : 16;
    }
    //! The name in JSON output and logs: "sha256", "xxh3-128".
    static QLatin1StringView name(Algorithm algorithm);
    //! The digest of \a data in one call.
    static QByteArray of(Algorithm algorithm, QByteArrayView data);

private:
    struct Xxh3;
    Algorithm m_algorithm;
    std::unique_ptr<Sha256> m_sha256; //!< when m_algorithm is Sha256
    std::unique_ptr<Xxh3> m_xxh3; //!< when m_algorithm is Xxh3_128
};

} // namespace PunchDrop
