// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/portmapper.h"

#include "core/coro/offthread.h"
#include "core/logging.h"

#if PUNCHDROP_HAVE_PORT_MAPPING
#include "net/client/natpmpgateway.h"
#include "net/client/pcpgateway.h"
#include "net/client/upnpgateway.h"
#endif

#include <QPointer>

#include <algorithm>

namespace PunchDrop {

using std::chrono::milliseconds;

namespace {

std::vector<std::shared_ptr<PortMapGateway>> systemGateways(const PortMapperConfig &config)
{
    std::vector<std::shared_ptr<PortMapGateway>> gateways;
#if PUNCHDROP_HAVE_PORT_MAPPING
    // NAT-PMP first: one UDP round trip, or an ICMP error at once where the gateway has none.
    // PCP next, on the same port: a PCP server answers NAT-PMP's version 0 with UNSUPP_VERSION
    // at once (RFC 6887 §9), and most gateways that speak both map the same either way. UPnP's
    // discovery last: it waits for answers to a multicast.
    if (config.natPmp)
        gateways.push_back(std::make_shared<NatPmpGateway>(config.natPmpTimeout));
    if (config.pcp)
        gateways.push_back(std::make_shared<PcpGateway>(config.natPmpTimeout));
    if (config.upnp)
        gateways.push_back(std::make_shared<UpnpGateway>(config.upnpDiscovery));
#else
    Q_UNUSED(config)
#endif
    return gateways;
}

/*!
 * The one worker thread every gateway call runs on: calls are serialised (a gateway object is
 * never used by two at once), and it outlives the mappers, so deleting one (the engine on quit)
 * never waits for a discovery in flight; only the process exit does, bounded by the libraries'
 * timeouts.
 */
QThreadPool *gatewayPool()
{
    static QThreadPool pool;
    pool.setMaxThreadCount(1);
    return &pool;
}

//! When to ask for a held mapping again: the refresh interval, or half the lease if sooner.
milliseconds renewalAfter(const PortMapperConfig &config, std::chrono::seconds lease)
{
    if (lease.count() <= 0)
        return config.refreshInterval;
    return std::min<milliseconds>(config.refreshInterval, milliseconds(lease) / 2);
}

} // namespace

PortMapper::PortMapper(PortMapperConfig config, QObject *parent)
    : PortMapper(config, systemGateways(config), parent)
{ }

PortMapper::PortMapper(
    PortMapperConfig config, std::vector<std::shared_ptr<PortMapGateway>> gateways, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_gateways(std::move(gateways))
{ }

PortMapper::~PortMapper()
{
    stop();
}

bool PortMapper::isSupported()
{
#if PUNCHDROP_HAVE_PORT_MAPPING
    return true;
#else
    return false;
#endif
}

void PortMapper::start(quint16 internalPort)
{
    if (internalPort == 0 || (internalPort == m_port && m_state != State::Off))
        return;
    if (m_gateways.empty()) {
        setState(State::Unavailable, {}, PortMapProtocol::None,
            isSupported() ? QStringLiteral("every port-mapping protocol is turned off")
                          : QStringLiteral("this build has no port mapping"));
        return;
    }
    release(false); // a mapping of the previous port, if any
    m_port = internalPort;
    setState(State::Mapping, {}, PortMapProtocol::None, {});
    const quint64 generation = ++m_generation;
    m_pause.wakeNow(); // the previous port's loop, if it waits between attempts, ends now
    run(generation, internalPort);
}

void PortMapper::stop()
{
    ++m_generation; // the running loop ends after its current step
    m_pause.wakeNow(); // or at once, if it waits between attempts
    release(true);
    m_port = 0;
    setState(State::Off, {}, PortMapProtocol::None, {});
}

void PortMapper::release(bool wait)
{
    if (!m_holder || !m_external.isValid())
        return;
    qCInfo(lcNet).noquote() << "deleting the port mapping" << m_external.toString() << "→ port"
                            << m_port;
    gatewayPool()->start([gateway = m_holder, port = m_port, external = m_external.port] {
        gateway->unmap(port, external);
    });
    m_holder.reset();
    if (wait)
        gatewayPool()->waitForDone(int(m_config.exitBudget.count()));
}

QCoro::Task<PortMapper::Attempt> PortMapper::acquire(quint16 port)
{
    QPointer<PortMapper> self(this);
    std::vector<std::shared_ptr<PortMapGateway>> order = m_gateways;
    if (m_holder) { // renewal: the gateway that holds it first
        std::erase(order, m_holder);
        order.insert(order.begin(), m_holder);
    }
    Attempt attempt;
    QStringList failures;
    const std::chrono::seconds lease = m_config.lease;
    for (const std::shared_ptr<PortMapGateway> &gateway : order) {
        auto asking = runOffThread(
            gatewayPool(), [gateway, port, lease] { return gateway->map(port, port, lease); });
        GatewayAnswer answer = co_await asking;
        if (!self)
            co_return attempt;
        if (answer.ok()) {
            attempt.answer = answer;
            attempt.gateway = gateway;
            co_return attempt;
        }
        failures << answer.error;
    }
    attempt.answer.error = failures.join(QStringLiteral("; "));
    co_return attempt;
}

QCoro::Task<> PortMapper::run(quint64 generation, quint16 port)
{
    QPointer<PortMapper> self(this);
    for (;;) {
        auto asking = acquire(port);
        const Attempt attempt = co_await asking;
        if (!self)
            co_return;
        if (generation != m_generation) {
            // Stopped or moved to another port meanwhile: do not leave this one behind.
            if (attempt.answer.ok())
                gatewayPool()->start(
                    [gateway = attempt.gateway, port, out = attempt.answer.external] {
                        gateway->unmap(port, out.port);
                    });
            co_return;
        }
        milliseconds next = m_config.retryInterval;
        if (attempt.answer.ok()) {
            if (attempt.answer.external != m_external || attempt.gateway != m_holder)
                qCInfo(lcNet).noquote()
                    << "port" << port << "mapped at" << attempt.answer.external.toString() << "via"
                    << portMapProtocolName(attempt.gateway->protocol()) << "for"
                    << attempt.answer.lease.count() << "s";
            m_holder = attempt.gateway;
            setState(State::Mapped, attempt.answer.external, attempt.gateway->protocol(), {});
            next = renewalAfter(m_config, attempt.answer.lease);
        } else {
            if (m_state != State::Unavailable || m_reason != attempt.answer.error)
                qCInfo(lcNet).noquote()
                    << "no port mapping for port" << port << "-" << attempt.answer.error;
            m_holder.reset();
            setState(State::Unavailable, {}, PortMapProtocol::None, attempt.answer.error);
        }
        if (generation != m_generation) // stopped from a changed() handler
            co_return;
        co_await m_pause.wait(next);
        // Woken by start() / stop() / the destructor: the generation moved (the rest of *this
        // may be going away, but m_generation is still there in the destructor's body).
        if (!self || generation != m_generation)
            co_return;
    }
}

void PortMapper::setState(
    State state, const Endpoint &external, PortMapProtocol protocol, const QString &reason)
{
    if (state == m_state && external == m_external && protocol == m_protocol && reason == m_reason)
        return;
    m_state = state;
    m_external = external;
    m_protocol = protocol;
    m_reason = reason;
    Q_EMIT changed();
}

} // namespace PunchDrop
