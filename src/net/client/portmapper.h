// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/coro/wakeup.h"
#include "net/client/portmapgateway.h"

#include <QObject>
#include <QThreadPool>

#include <qcorotask.h>

#include <chrono>
#include <memory>
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
    //! How long stop() (and the destructor) wait for the gateway to confirm the deletion.
    std::chrono::milliseconds exitBudget {1500};
};

/*!
 * Keeps a TCP port mapping of the punch port P on the local gateway, in the background: NAT-PMP
 * first (one UDP round trip, or an ICMP error at once when the gateway has none), then PCP (the
 * same port and cost), then UPnP-IGD (SSDP discovery, then SOAP). Every request runs on a worker
 * thread, because the libraries block; each is bounded by the timeouts in PortMapperConfig, and
 * nothing here delays the registration with the server: the mapping is reported (changed()) when it
 * arrives, and the engine then tells the server (ControlClient::setPortMapping).
 *
 * The mapping is renewed before its lease ends and re-created after the gateway restarted
 * (refreshInterval); when the gateway stops answering it is withdrawn and asked for again every
 * retryInterval. stop() and the destructor delete it on the gateway (bounded by exitBudget).
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
    struct Attempt
    {
        GatewayAnswer answer;
        std::shared_ptr<PortMapGateway> gateway; //!< the one that answered (null: none)
    };

    QCoro::Task<> run(quint64 generation, quint16 port);
    //! Asks the gateway that holds the mapping first, then every other, until one maps \a port.
    QCoro::Task<Attempt> acquire(quint16 port);
    //! Deletes the held mapping off-thread; \a wait: block up to exitBudget for the answer.
    void release(bool wait);
    void setState(
        State state, const Endpoint &external, PortMapProtocol protocol, const QString &reason);

    PortMapperConfig m_config;
    std::vector<std::shared_ptr<PortMapGateway>> m_gateways;
    quint64 m_generation = 0; //!< bumped by start() with a new port and by stop()
    //! run()'s wait between two attempts. start(), stop() and the destructor end it at once, so
    //! no loop outlives its generation suspended (its frame would never be freed).
    Wakeup m_pause;
    quint16 m_port = 0;
    std::shared_ptr<PortMapGateway> m_holder; //!< the gateway holding the mapping
    State m_state = State::Off;
    Endpoint m_external;
    PortMapProtocol m_protocol = PortMapProtocol::None;
    QString m_reason;
};

} // namespace PunchDrop
