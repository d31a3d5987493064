// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/client/controlclient.h"
#include "net/security/deviceidentity.h"
#include "net/server/rendezvousserver.h"
#include "support/testhelpers.h"

#include <QString>

#include <memory>

namespace PunchDrop::Test {

//! What every in-process server starts from: 127.0.0.1, a port the kernel picks, the defaults
//! otherwise. Tests change only what they test (timeouts, limits, the relay).
RendezvousServerConfig loopbackServerConfig();

/*!
 * The in-process rendezvous server of tests: a RendezvousServer on loopback with an ephemeral
 * identity (or the one given). start() listens; stop() (or the fixture going away) closes it, and
 * a later start() brings it back under the same identity, e.g. on the same port. The server is
 * reached with ->, like a pointer.
 */
class TestServer
{
public:
    explicit TestServer(DeviceIdentity identity = ephemeralIdentity());

    //! Listens with \a config; false with \a error set when it cannot.
    bool start(
        const RendezvousServerConfig &config = loopbackServerConfig(), QString *error = nullptr);
    void stop() { m_server.reset(); }

    RendezvousServer *operator->() const { return m_server.get(); }
    RendezvousServer &operator*() const { return *m_server; }
    RendezvousServer *get() const { return m_server.get(); }

    const DeviceIdentity &identity() const { return m_identity; }
    //! The identity of the next start() (a server whose key changed).
    void setIdentity(DeviceIdentity identity) { m_identity = std::move(identity); }
    quint16 port() const;
    //! "127.0.0.1:<port>", as the binary's --server takes it.
    QString address() const;
    //! A client configuration that reaches this server, announcing \a displayName.
    ControlClientConfig clientConfig(const QString &displayName) const;

private:
    DeviceIdentity m_identity;
    std::unique_ptr<RendezvousServer> m_server;
};

} // namespace PunchDrop::Test
