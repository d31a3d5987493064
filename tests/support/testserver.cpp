// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/testserver.h"

namespace PunchDrop::Test {

RendezvousServerConfig loopbackServerConfig()
{
    RendezvousServerConfig config;
    config.address = QHostAddress::LocalHost;
    config.port = 0;
    return config;
}

TestServer::TestServer(DeviceIdentity identity)
    : m_identity(std::move(identity))
{ }

bool TestServer::start(const RendezvousServerConfig &config, QString *error)
{
    m_server = std::make_unique<RendezvousServer>(m_identity, config);
    QString why;
    if (m_server->listen(&why))
        return true;
    qWarning("TestServer: cannot listen: %s", qPrintable(why));
    if (error)
        *error = why;
    m_server.reset();
    return false;
}

quint16 TestServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

QString TestServer::address() const
{
    return QStringLiteral("127.0.0.1:%1").arg(port());
}

ControlClientConfig TestServer::clientConfig(const QString &displayName) const
{
    ControlClientConfig config;
    config.host = QStringLiteral("127.0.0.1");
    config.port = port();
    config.displayName = displayName;
    return config;
}

} // namespace PunchDrop::Test
