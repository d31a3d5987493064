// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/coro/wakeup.h"
#include "net/client/portmapgateway.h"

#include <QObject>

#include <qcorotask.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <stop_token>
#include <vector>

namespace PunchDrop {

//! Named, injectable timing of port mapping (tests shorten them instead of sleeping).
struct PortMapperConfig
{
    bool upnp = true; //!< ask UPnP-IGD gateways
    bool natPmp = true; //!< ask NAT-PMP gateways
    bool pcp = true; //!< ask PCP gateways
    //! The lease asked for; NAT-PMP gateways may grant less, UPnP-IGD v1 only "permanent" (0).
    std::chrono::seconds lease {3600};
    //! How long UPnP's SSDP discovery waits for a gateway to answer.
    std::chrono::milliseconds upnpDiscovery {2000};
    //! How long one NAT-PMP or PCP request waits for the gateway (retransmissions included).
    std::chrono::milliseconds natPmpTimeout {1500};
    /*!
     * A held mapping is asked for again this often (and at half its lease, if sooner): that
     * renews it, and re-creates it when the gateway restarted and forgot it.
     */
    std::chrono::milliseconds refreshInterval {120000};
    //! No gateway mapped the port: ask again after this long.
    std::chrono::milliseconds retryInterval {60000};
    //! How long stop() (and the destructor) wait for the gateway to confirm the deletion of a
    //! mapping it made. Nothing else is waited for: a request still in flight is abandoned.
    std::chrono::milliseconds exitBudget {1500};
};

/*!
 * Keeps a TCP port mapping of the punch port P on the local gateway, in the background: NAT-PMP
 * first (one UDP round trip, or an ICMP error at once when the gateway has none), then PCP (the
 * same port and cost), then UPnP-IGD (SSDP discovery, then SOAP). Every request runs on a worker
 * thread of its own, because the libraries block; each is bounded by the timeouts in
 * PortMapperConfig, and nothing here delays the registration with the server: the mapping is
 * reported (changed()) when it arrives, and the engine then tells the server
 * (ControlClient::setPortMapping).
 *
 * The mapping is renewed before its lease ends and re-created after the gateway restarted
 * (refreshInterval); when the gateway stops answering it is withdrawn and asked for again every
 * retryInterval. stop() and the destructor delete it on the gateway (bounded by exitBudget).
 *
 * Stopping never waits for a gateway that does not answer (most routers ignore all three
 * protocols): stop() abandons the request in flight, whose worker then ends within
 * PortMapGateway::kStopCheck (NAT-PMP, PCP) or after its library call (UPnP's discovery, up to a
 * few seconds). Nobody joins these workers, not even the process exit: each owns what it touches
 * (the gateway and the hand-over state, by shared_ptr) and never calls into the mapper. Calls to
 * one gateway object stay serialised (Gateway::busy).
 */
class PortMapper : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Off, //!< not started, stopped, or port mapping is not built in
        Mapping, //!< asking the gateway
        Mapped, //!< external() forwards to our port
        Unavailable, //!< no gateway mapped the port (reason() says why); asks again later
    };

    explicit PortMapper(PortMapperConfig config, QObject *parent = nullptr);
    //! Tests: these gateways, asked in this order, instead of the system's.
    PortMapper(PortMapperConfig config, std::vector<std::shared_ptr<PortMapGateway>> gateways,
        QObject *parent = nullptr);
    ~PortMapper() override;

    //! Whether this build can map ports at all (libminiupnpc and libnatpmp were found).
    static bool isSupported();

    //! Maps \a internalPort (again, when it changed); a no-op when it is already being mapped.
    void start(quint16 internalPort);
    //! Stops and deletes the mapping on the gateway (waits at most exitBudget for it).
    void stop();

    State state() const { return m_state; }
    Endpoint external() const { return m_external; }
    PortMapProtocol protocol() const { return m_protocol; }
    //! Why there is no mapping (Unavailable), in English for the log; empty otherwise.
    QString reason() const { return m_reason; }

Q_SIGNALS:
    //! state(), external(), protocol() or reason() changed.
    void changed();

private:
    //! A gateway client, and the lock its worker threads take: one call to it at a time.
    struct Gateway
    {
        std::shared_ptr<PortMapGateway> client; //!< null: none
        std::shared_ptr<std::mutex> busy = std::make_shared<std::mutex>();
    };
    struct Attempt
    {
        GatewayAnswer answer;
        Gateway gateway; //!< the one that answered (client null: none)
    };

    QCoro::Task<> run(quint64 generation, quint16 port);
    /*!
     * Asks the gateway that holds the mapping first, then every other, until one maps \a port.
     * Returns early when \a generation ends (with the answer, if one came in meanwhile).
     */
    QCoro::Task<Attempt> acquire(quint64 generation, quint16 port);
    //! Deletes the held mapping off-thread; \a wait: block up to exitBudget for the answer.
    void release(bool wait);
    //! Ends the current generation: its loop returns, its request in flight is abandoned.
    void endGeneration();
    void setState(
        State state, const Endpoint &external, PortMapProtocol protocol, const QString &reason);

    PortMapperConfig m_config;
    std::vector<Gateway> m_gateways;
    quint64 m_generation = 0; //!< bumped by start() with a new port and by stop()
    //! Requested when the generation ends: tells its worker that nobody waits for it any more.
    std::stop_source m_stop;
    /*!
     * run()'s waits: for a gateway's answer (the worker wakes it) and between two attempts.
     * start(), stop() and the destructor end either at once, so no loop outlives its generation
     * suspended (its frame would never be freed). Spurious wake-ups happen (a late worker);
     * every wait re-checks its condition.
     */
    Wakeup m_wakeup;
    quint16 m_port = 0;
    Gateway m_holder; //!< the gateway holding the mapping (client null: none)
    State m_state = State::Off;
    Endpoint m_external;
    PortMapProtocol m_protocol = PortMapProtocol::None;
    QString m_reason;
};

} // namespace PunchDrop
