// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/server/redisurl.h"
#include "net/wire/hostport.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <optional>

namespace PunchDrop::Cli {

//! Process exit codes, the same in every mode.
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,
    ExitUsage = 2,
};

enum class Mode { Gui, Server, Send, Receive, Peers };

using PunchDrop::HostPort;
using PunchDrop::kDefaultServerPort;
using PunchDrop::parseHostPort;

//! Everything the command line decided, as plain data.
struct Invocation
{
    Mode mode = Mode::Gui;
    bool verbose = false;
    QString configDir; //!< empty: the platform default
    QString name; //!< display name override

    // --server mode
    QHostAddress listenAddress = QHostAddress::Any;
    quint16 listenPort = kDefaultServerPort;
    QHostAddress
        listenIpv6; //!< --listen-ipv6; null: automatic (RendezvousServerConfig::claimAddress)
    std::optional<quint16> altPort; //!< second UDP port for mapping tests (default listenPort+1)
    bool serverNoRelay = false;
    qint64 relayRate = 0; //!< bytes/s per session, 0 = unlimited
    qint64 relayRateTotal = 0; //!< bytes/s through all relay sessions together, 0 = unlimited
    int maxRelaySessions = 64;
    int maxClients = 10000;
    std::optional<RedisUrl> redis; //!< --redis: join a server cluster
    int redisTtlSeconds = 30; //!< --redis-ttl
    QString redisCa; //!< --redis-ca
    QString advertise; //!< --advertise "host:port"; empty: the listen address

    // send / receive / peers
    std::optional<HostPort> server; //!< unset with --lan
    QList<HostPort> moreServers; //!< --server A,B,...: B and the others, in order
    bool lan = false;
    bool json = false;
    QString to;
    QString query; //!< peers QUERY: look one device up on the server instead of listing
    QStringList paths;
    bool relayOnly = false;
    bool noRelay = false;
    int timeoutSecs = 0; //!< 0: the command's default
    int punchTimeoutMs = 0; //!< send/receive --punch-timeout; 0: PunchTimings' default deadline
    bool noBirthday = false; //!< send/receive --no-birthday: no port guessing
    bool noUpgrade = false; //!< send/receive --no-upgrade: a relayed session stays relayed
    int punchBudget = 0; //!< send/receive --punch-budget; 0: kDefaultGuessBudget
    bool noPortMap = false; //!< send/receive/app --no-port-map: no UPnP-IGD / NAT-PMP mapping
    QString dir;
    bool yes = false;
    bool once = false;
    bool sha256 = false; //!< send/receive --sha256: SHA-256 file digests instead of XXH3-128

    // GUI
    bool minimized = false;
};

struct ParseResult
{
    enum class Kind { Run, Help, Version, Error } kind = Kind::Run;
    Invocation invocation;
    QString text; //!< help text, or the one-line error
};

/*!
 * Parses the arguments (argv[0] included) without creating an application object, so main() can
 * choose QCoreApplication or QApplication afterwards. Pure: no I/O.
 */
ParseResult parseCommandLine(const QStringList &arguments);

} // namespace PunchDrop::Cli
