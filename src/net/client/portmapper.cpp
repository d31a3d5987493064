// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/portmapper.h"

#include "core/logging.h"

#if PUNCHDROP_HAVE_PORT_MAPPING
#include "net/client/natpmpgateway.h"
#include "net/client/pcpgateway.h"
#include "net/client/upnpgateway.h"
#endif

#include <QDeadlineTimer>
#include <QMutex>
#include <QPointer>
#include <QSemaphore>

#include <algorithm>
#include <atomic>
#include <optional>
#include <system_error>
#include <thread>

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
 * Runs \a work on a thread of its own that nobody joins: not stop(), not the process exit (a
 * static pool's destructor used to wait there for a discovery in flight, seconds after a CLI
 * transfer was done). \a work must own everything it touches. False (and logged) when no thread
 * could be started.
 */
template<typename Work> bool startDetached(Work work)
{
    try {
        std::thread(std::move(work)).detach();
        return true;
    } catch (const std::system_error &e) {
        qCWarning(lcNet) << "port mapping: cannot start a worker thread:" << e.what();
        return false;
    }
}

//! One map() call, shared between the mapper's loop and the worker that makes it.
struct MapCall
{
    QMutex mutex;
    std::optional<GatewayAnswer> answer; //!< set by the worker when map() returned
    //! Woken when the answer is in; nulled (under mutex) by the loop when it stops waiting.
    Wakeup *notify = nullptr;
};

//! An unmap() call that stop() may wait for.
struct UnmapCall
{
    QSemaphore done;
    std::atomic<bool> ok {false};
};

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
{
    for (std::shared_ptr<PortMapGateway> &client : gateways) {
        Gateway gateway;
        gateway.client = std::move(client);
        m_gateways.push_back(std::move(gateway));
    }
}

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
    endGeneration(); // the previous port's loop, if any, ends now
    m_stop = std::stop_source();
    run(m_generation, internalPort);
}

void PortMapper::stop()
{
    endGeneration();
    release(true);
    m_port = 0;
    setState(State::Off, {}, PortMapProtocol::None, {});
}

void PortMapper::endGeneration()
{
    ++m_generation;
    // First tell the worker (its map() returns within kStopCheck, or its answer is dropped),
    // then end the loop's wait: it sees the new generation and returns at once.
    m_stop.request_stop();
    m_wakeup.wakeNow();
}

void PortMapper::release(bool wait)
{
    if (!m_holder.client || !m_external.isValid())
        return;
    qCInfo(lcNet).noquote() << "deleting the port mapping" << m_external.toString() << "→ port"
                            << m_port;
    auto call = std::make_shared<UnmapCall>();
    const bool started
        = startDetached([call, gateway = m_holder, port = m_port, external = m_external.port] {
              std::lock_guard busy(*gateway.busy);
              call->ok = gateway.client->unmap(port, external);
              call->done.release();
          });
    m_holder = {};
    if (!wait || !started)
        return;
    const int budgetMs = int(m_config.exitBudget.count());
    if (!call->done.tryAcquire(1, budgetMs))
        qCWarning(lcNet) << "the gateway did not confirm deleting the port mapping within"
                         << budgetMs << "ms";
    else if (!call->ok)
        qCWarning(lcNet) << "the gateway did not delete the port mapping";
}

QCoro::Task<PortMapper::Attempt> PortMapper::acquire(quint64 generation, quint16 port)
{
    std::vector<Gateway> order = m_gateways;
    if (m_holder.client) { // renewal: the gateway that holds it first
        std::erase_if(order, [&](const Gateway &g) { return g.client == m_holder.client; });
        order.insert(order.begin(), m_holder);
    }
    Attempt attempt;
    QStringList failures;
    for (const Gateway &gateway : order) {
        // The holder renews the external port it granted, which need not be P (an IGD v2 picks
        // another when P is taken; an IGD v1 gets a random one after a conflict); every other
        // gateway is asked for P itself.
        const quint16 external
            = gateway.client == m_holder.client && m_external.isValid() ? m_external.port : port;
        auto call = std::make_shared<MapCall>();
        call->notify = &m_wakeup;
        const bool started = startDetached(
            [call, gateway, port, external, lease = m_config.lease, stop = m_stop.get_token()] {
                GatewayAnswer answer;
                {
                    std::lock_guard busy(*gateway.busy); // a call abandoned earlier may still run
                    if (stop.stop_requested())
                        return; // abandoned while waiting for the lock
                    answer = gateway.client->map(port, external, lease, stop);
                    if (stop.stop_requested()) {
                        // Nobody takes this answer any more (the loop stopped waiting after it
                        // asked for the stop): a mapping made meanwhile must not stay behind.
                        if (answer.ok())
                            (void)gateway.client->unmap(port, answer.external.port);
                        return;
                    }
                }
                QMutexLocker lock(&call->mutex);
                call->answer = std::move(answer);
                if (call->notify)
                    QMetaObject::invokeMethod(call->notify, &Wakeup::wake, Qt::QueuedConnection);
            });
        if (!started) {
            failures << QStringLiteral("%1: no worker thread")
                            .arg(portMapProtocolName(gateway.client->protocol()));
            continue;
        }
        std::optional<GatewayAnswer> answer;
        for (;;) {
            {
                QMutexLocker lock(&call->mutex);
                if (call->answer || generation != m_generation) {
                    call->notify = nullptr; // the worker must not wake a later wait
                    answer = std::move(call->answer);
                    break;
                }
            }
            // Woken by the worker, or by start() / stop() / the destructor (the rest of *this
            // may be going away then, but m_generation and m_wakeup are still there).
            co_await m_wakeup.wait(std::chrono::hours(24));
        }
        if (answer && answer->ok()) {
            attempt.answer = *answer;
            attempt.gateway = gateway;
            co_return attempt;
        }
        if (generation != m_generation)
            co_return attempt; // stopped: ask no other gateway
        failures << answer->error;
    }
    attempt.answer.error = failures.join(QStringLiteral("; "));
    co_return attempt;
}

QCoro::Task<> PortMapper::run(quint64 generation, quint16 port)
{
    QPointer<PortMapper> self(this);
    for (;;) {
        auto asking = acquire(generation, port);
        const Attempt attempt = co_await asking;
        if (!self)
            co_return;
        if (generation != m_generation) {
            // Stopped or moved to another port meanwhile: do not leave this one behind.
            if (attempt.answer.ok())
                startDetached([gateway = attempt.gateway, port, out = attempt.answer.external] {
                    std::lock_guard busy(*gateway.busy);
                    (void)gateway.client->unmap(port, out.port);
                });
            co_return;
        }
        milliseconds next = m_config.retryInterval;
        if (attempt.answer.ok()) {
            if (attempt.answer.external != m_external || attempt.gateway.client != m_holder.client)
                qCInfo(lcNet).noquote()
                    << QStringLiteral("port %1 mapped at %2 via %3 for %4 s%5")
                           .arg(port)
                           .arg(attempt.answer.external.toString(),
                               portMapProtocolName(attempt.gateway.client->protocol()))
                           .arg(attempt.answer.lease.count())
                           .arg(attempt.answer.note.isEmpty()
                                   ? QString()
                                   : QStringLiteral(" (%1)").arg(attempt.answer.note));
            m_holder = attempt.gateway;
            setState(
                State::Mapped, attempt.answer.external, attempt.gateway.client->protocol(), {});
            next = renewalAfter(m_config, attempt.answer.lease);
        } else {
            if (m_state != State::Unavailable || m_reason != attempt.answer.error)
                qCInfo(lcNet).noquote()
                    << "no port mapping for port" << port << "-" << attempt.answer.error;
            m_holder = {};
            setState(State::Unavailable, {}, PortMapProtocol::None, attempt.answer.error);
        }
        // Until the next attempt; a late worker's wake-up is spurious, so keep the deadline.
        const QDeadlineTimer until(next);
        while (generation == m_generation && !until.hasExpired()) {
            co_await m_wakeup.wait(
                std::chrono::ceil<milliseconds>(until.remainingTimeAsDuration()));
            // Woken by start() / stop() / the destructor: the generation moved (the rest of
            // *this may be going away, but m_generation is still there in the destructor's body).
        }
        if (generation != m_generation)
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
