// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace PunchDrop {

/*!
 * Streaming SHA-256 through OpenSSL (which uses the CPU's SHA extensions: several times faster
 * than Qt 6.4's portable QCryptographicHash, and hashing runs on both peers for every byte).
 * result() does not end the stream: it returns the hash of everything so far (a resume prefix)
 * and more data may follow.
 */
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(QByteArrayView data);
    void reset();
    //! The 32-byte digest of everything added so far.
    QByteArray result() const;

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

} // namespace PunchDrop
