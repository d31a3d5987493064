// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/controllink.h"
#include "net/security/deviceidentity.h"
#include "net/wire/controlprotocol.h"

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>
#include <QTest>

#include <algorithm>
#include <memory>
#include <optional>

namespace PunchDrop::Test {

/*!
 * A hand-driven control connection to a rendezvous server, for tests that must say what a real
 * ControlClient never would: a ControlLink (with a client certificate when \a identity is given,
 * without one otherwise; from any loopback source address, so that clients on different
 * 127.x.y.z addresses stand for different homes), then messages, hand-made plaintext frames or
 * raw bytes on the socket. Every message the server sends is parsed into `received`; next()
 * hands them out in order, the queries below look at all of them. Every wait is bounded.
 */
class RawControlClient
{
public:
    explicit RawControlClient(quint16 port,
        const std::optional<DeviceIdentity> &identity = std::nullopt,
        const QString &sourceAddress = {}, const QString &name = QStringLiteral("raw"));

    DeviceId id() const { return identity.id(); }
    bool waitEncrypted(int timeoutMs = 5000);
    //! Hello with the name given at construction (and \a watch, \a lan, \a nat); true once the
    //! welcome and the last `peers` frame after it arrived.
    bool registerWith(const QList<DeviceId> &watch = {}, const QList<Endpoint> &lan = {},
        const QString &nat = {});

    void send(const ControlMessage &message);
    //! What registerWith() says this device is (hello.kind / os); unknown unless set before.
    DeviceDescription device;
    //! Plaintext bytes in the link's records: hand-made (broken) frames.
    void sendPlain(const QByteArray &bytes) { link->write(bytes); }
    //! Bytes on the TCP socket itself, outside the record layer.
    void sendRaw(const QByteArray &bytes) { link->writeRaw(bytes); }
    quint16 localPort() const { return link->localPort(); }

    //! The next message not yet handed out, or nullopt when none arrives within \a timeoutMs.
    std::optional<ControlMessage> next(int timeoutMs = 5000);
    //! Reads until an error message arrives; nullopt if the connection ends without one.
    std::optional<Control::Error> nextError(int timeoutMs = 5000);
    //! Round trip through the server: everything it sent before is in `received` (the server
    //! handles one connection's frames in order, so "nothing arrived" needs no sleep).
    bool sync();
    //! A lookup and its result (nullopt without an answer in 5 s).
    std::optional<Control::LookupResult> lookup(const QString &query);
    //! Forgets everything received so far (next() starts after it).
    void clearReceived();

    //! The IDs in the `peers` frames after welcome.
    QSet<DeviceId> initialPeers() const;
    //! The peer-joined entries received about \a id.
    QList<Control::PeerEntry> joined(const DeviceId &id) const;
    //! The peer-left messages received about \a id.
    int leftCount(const DeviceId &id) const;
    //! Presence messages (peer-joined / peer-left) about anybody.
    int presenceCount() const;

    //! How many messages of type T arrived so far.
    template<typename T> int count() const
    {
        return int(std::count_if(received.cbegin(), received.cend(),
            [](const ControlMessage &m) { return std::holds_alternative<T>(m); }));
    }

    //! The first message of type T received, waiting up to \a timeoutMs for it.
    template<typename T> std::optional<T> first(int timeoutMs = 5000)
    {
        std::optional<T> found;
        static_cast<void>(QTest::qWaitFor(
            [&] {
                for (const ControlMessage &m : std::as_const(received))
                    if (const auto *t = std::get_if<T>(&m)) {
                        found = *t;
                        return true;
                    }
                return false;
            },
            timeoutMs));
        return found;
    }

    bool waitClosed(int timeoutMs = 5000);
    void disconnect() { link->abort(); }

    DeviceIdentity identity; //!< presented only when one was given
    std::unique_ptr<ControlLink> link;
    QList<ControlMessage> received; //!< everything the server sent, in order

private:
    QString m_name;
    QByteArray m_buffer;
    qsizetype m_read = 0; //!< messages of `received` next() handed out
    quint64 m_nonce = 0;
    quint32 m_request = 0;
};

} // namespace PunchDrop::Test
