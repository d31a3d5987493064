// SPDX-License-Identifier: GPL-3.0-or-later
#include "invocation.h"

#include "core/version.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QFileInfo>

namespace PunchDrop::Cli {

namespace {

using Option = QCommandLineOption;

QString s(const char *text)
{
    return QString::fromUtf8(text);
}

struct Options
{
    Option help {{s("h"), s("help")}, s("Show this help and exit.")};
    Option version {{s("v"), s("version")}, s("Print the version and exit.")};
    Option verbose {s("verbose"), s("Log debug messages.")};
    Option configDir {s("config-dir"),
        s("Keep identity, settings and contacts in DIR (default: the per-user "
          "config folder)."),
        s("DIR")};
    Option name {s("name"), s("Display name shown to other peers."), s("NAME")};

    // --server mode
    Option serverFlag {s("server"), s("Run headless as the rendezvous and relay server.")};
    Option listen {s("listen"),
        s("Address and port for TCP control/relay and UDP STUN (default: both IPv4 and IPv6, "
          "port 8877; [::]:PORT is both too)."),
        s("ADDR:PORT")};
    Option listenIpv6 {s("listen-ipv6"),
        s("With a specific IPv4 --listen address: also listen on this IPv6 address, same port. "
          "Clients registered over IPv4 claim their IPv6 address there (with a wildcard "
          "--listen: this host's first global IPv6 address)."),
        s("ADDR")};
    Option altPort {s("alt-port"),
        s("Second UDP port for NAT mapping tests (default: listen port + 1)."), s("PORT")};
    Option noRelayServer {s("no-relay"), s("Do not relay; punching only.")};
    Option relayRate {
        s("relay-rate"), s("Relay rate cap per session, bytes per second."), s("BYTES_PER_S")};
    Option relayRateTotal {s("relay-rate-total"),
        s("Relay rate cap for all sessions together, bytes per second, shared "
          "fairly between them."),
        s("BYTES_PER_S")};
    Option maxRelaySessions {
        s("max-relay-sessions"), s("Concurrent relay sessions (default 64)."), s("N")};
    Option maxClients {s("max-clients"), s("Registered clients at most (default 10000)."), s("N")};
    Option redis {s("redis"),
        s("Join a cluster of servers sharing this Redis: "
          "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], "
          "rediss:// for TLS (the password may come from REDISCLI_AUTH instead)."),
        s("URL")};
    Option redisTtl {s("redis-ttl"),
        s("With --redis: seconds a device stays listed after its server last refreshed it "
          "(default 30): a server that dies takes its devices with it within this time."),
        s("SECS")};
    Option redisCa {s("redis-ca"), s("CA certificates (PEM) for a rediss:// Redis."), s("FILE")};
    Option advertise {s("advertise"),
        s("With --redis: the address peers dial to reach this server (its relay), when "
          "--listen is a wildcard address."),
        s("HOST:PORT")};

    // client commands
    Option server {s("server"),
        s("Rendezvous server (default port 8877); several, comma-separated, are tried in turn."),
        s("HOST[:PORT][,...]")};
    Option lan {s("lan"), s("Use the local network only: no server.")};
    Option json {s("json"), s("Print one JSON object per line instead of human output.")};
    Option to {s("to"), s("Receiving peer: device ID, a unique prefix of it, or a unique name."),
        s("PEER")};
    Option relayOnly {s("relay-only"), s("Skip hole punching; send through the server's relay.")};
    Option noRelay {s("no-relay"), s("Direct connection only; fail instead of relaying.")};
    Option timeout {s("timeout"), s("Give up after SECS seconds."), s("SECS")};
    Option punchTimeout {s("punch-timeout"),
        s("Try the direct hole punch for SECS seconds (0.5-60, default 4) before "
          "falling back to the relay."),
        s("SECS")};
    Option noUpgrade {s("no-upgrade"),
        s("Keep a transfer on the path it started on: do not move a relayed one to a direct "
          "connection found while it runs, nor a direct one whose connection dies to the relay "
          "(it fails instead).")};
    Option noBirthday {s("no-birthday"),
        s("Do not guess ports when one side is behind a symmetric NAT and the other behind a "
          "port-restricted one (relay instead).")};
    Option punchBudget {s("punch-budget"),
        s("Sockets to open when guessing ports (16-2048, default 512; 512 each side hit a "
          "random-port NAT 98 times in 100)."),
        s("N")};
    Option noPortMap {
        s("no-port-map"), s("Do not ask the router to forward a port (UPnP-IGD / NAT-PMP / PCP).")};
    Option dir {
        s("dir"), s("Save received files in DIR (default: the Downloads folder)."), s("DIR")};
    Option yes {s("yes"), s("Accept incoming transfers without asking.")};
    Option once {s("once"), s("Exit after one transfer session.")};
    Option sha256 {s("sha256"),
        s("Verify every file with SHA-256 (slower) instead of XXH3-128, and report that "
          "SHA-256.")};

    // GUI
    Option minimized {s("minimized"), s("Start minimized to the system tray.")};
};

QString formatHelp(
    const QString &usage, const QString &description, const QList<QCommandLineOption> &options)
{
    QString out = s("Usage: ") + usage + s("\n\n") + description + s("\n\nOptions:\n");
    for (const QCommandLineOption &o : options) {
        QStringList names;
        for (const QString &n : o.names())
            names << (n.size() == 1 ? s("-") : s("--")) + n;
        QString left = s("  ") + names.join(s(", "));
        if (!o.valueName().isEmpty())
            left += s(" ") + o.valueName();
        out += left.leftJustified(34) + s(" ") + o.description() + s("\n");
    }
    return out;
}

QString commandsText()
{
    return s("Commands:\n"
             "  (none)                           Open the desktop app.\n"
             "  --server                         Run the rendezvous and relay server.\n"
             "  send --to PEER PATH...           Send files and folders.\n"
             "  receive                          Wait for and receive transfers.\n"
             "  peers [QUERY]                    List the peers you see, or look one up.\n"
             "\nRun 'punchdrop COMMAND --help' for the options of a command.\n");
}

ParseResult error(const QString &message)
{
    ParseResult r;
    r.kind = ParseResult::Kind::Error;
    r.text = message;
    return r;
}

std::optional<qint64> positiveNumber(const QString &text, qint64 max)
{
    bool ok = false;
    const qint64 v = text.toLongLong(&ok);
    if (!ok || v < 0 || v > max)
        return std::nullopt;
    return v;
}

} // namespace

ParseResult parseCommandLine(const QStringList &arguments)
{
    const Options o;
    ParseResult result;
    Invocation &inv = result.invocation;

    const QStringList args = arguments.isEmpty() ? QStringList {s("punchdrop")} : arguments;
    QString command
        = args.size() > 1 && !args.at(1).startsWith(QLatin1Char('-')) ? args.at(1) : QString();
    // `punchdrop FILE…` (a file manager's "Open with", a shell): the desktop app with files to
    // send. Only a path that exists is taken for one; anything else is still an unknown command.
    if (!command.isEmpty() && command != s("send") && command != s("receive")
        && command != s("peers") && QFileInfo::exists(command))
        command.clear();
    const bool serverMode = command.isEmpty() && args.contains(s("--server"));

    QList<QCommandLineOption> options {o.help, o.version, o.verbose, o.configDir};
    QString usage;
    QString description;
    QStringList parseArgs = args;

    if (!command.isEmpty()) {
        parseArgs.removeAt(1);
        if (command == s("send")) {
            inv.mode = Mode::Send;
            options << o.server << o.lan << o.to << o.name << o.json << o.relayOnly << o.noRelay
                    << o.timeout << o.punchTimeout << o.noUpgrade << o.noBirthday << o.punchBudget
                    << o.noPortMap << o.sha256;
            usage = s("punchdrop send (--server HOST[:PORT] | --lan) --to PEER PATH...");
            description = s("Send files and folders to a peer.");
        } else if (command == s("receive")) {
            inv.mode = Mode::Receive;
            options << o.server << o.lan << o.dir << o.yes << o.once << o.name << o.json
                    << o.timeout << o.punchTimeout << o.noUpgrade << o.noBirthday << o.punchBudget
                    << o.noPortMap << o.sha256;
            usage = s(
                "punchdrop receive (--server HOST[:PORT] | --lan) [--dir DIR] [--yes] [--once]");
            description = s("Stay online and receive transfers from peers.");
        } else if (command == s("peers")) {
            inv.mode = Mode::Peers;
            options << o.server << o.lan << o.name << o.json << o.timeout;
            usage = s("punchdrop peers (--server HOST[:PORT] | --lan) [--json] [QUERY]");
            description = s("List the peers you see (contacts online, your network, the LAN), or "
                            "look up QUERY (device ID, ID prefix or name) among everyone on the "
                            "server.");
        } else {
            return error(s("unknown command '%1' (commands: send, receive, peers)").arg(command));
        }
    } else if (serverMode) {
        inv.mode = Mode::Server;
        options << o.serverFlag << o.listen << o.listenIpv6 << o.altPort << o.noRelayServer
                << o.relayRate << o.relayRateTotal << o.maxRelaySessions << o.maxClients << o.redis
                << o.redisTtl << o.redisCa << o.advertise;
        usage = s("punchdrop --server [--listen ADDR:PORT] [options]");
        description = s("Run headless as the rendezvous, STUN and relay server.");
    } else {
        inv.mode = Mode::Gui;
        options << o.minimized << o.serverFlag << o.noPortMap;
        usage = s("punchdrop [COMMAND] [options] [FILE...]");
        description = s("PunchDrop sends files straight from one computer to another, through "
                        "home-router NATs.\nWithout a command it opens the desktop app.\n\n")
            + commandsText();
    }

    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions(options);
    if (inv.mode == Mode::Send || inv.mode == Mode::Gui)
        parser.addPositionalArgument(s("PATH"), s("Files or folders to send."), s("PATH..."));
    if (!parser.parse(parseArgs))
        return error(parser.errorText());

    if (parser.isSet(o.help)) {
        result.kind = ParseResult::Kind::Help;
        result.text = formatHelp(usage, description, options);
        if (inv.mode == Mode::Send)
            result.text += s("\nArguments:\n  PATH...                            Files or "
                             "folders to send.\n");
        if (inv.mode == Mode::Peers)
            result.text += s("\nArguments:\n  QUERY                              Device ID, "
                             "unique ID prefix or unique name to look up.\n");
        return result;
    }
    if (parser.isSet(o.version)) {
        result.kind = ParseResult::Kind::Version;
        result.text = s("punchdrop ") + PunchDrop::version();
        return result;
    }

    inv.verbose = parser.isSet(o.verbose);
    inv.configDir = parser.value(o.configDir);
    if (parser.isSet(o.configDir) && inv.configDir.isEmpty())
        return error(s("--config-dir needs a directory"));

    const QStringList positional = parser.positionalArguments();
    if (inv.mode == Mode::Peers && positional.size() == 1)
        inv.query = positional.first();
    else if (inv.mode != Mode::Send && inv.mode != Mode::Gui && !positional.isEmpty())
        return error(s("unexpected argument '%1'").arg(positional.last()));

    if (inv.mode == Mode::Server) {
        if (parser.isSet(o.listen)) {
            const auto hp = parseHostPort(parser.value(o.listen));
            const QHostAddress addr(hp ? hp->host : QString());
            if (!hp || addr.isNull())
                return error(s("--listen wants ADDR:PORT with a numeric address, e.g. "
                               "0.0.0.0:8877"));
            // "::" is both families, as Linux binds it by default (IPV6_V6ONLY off).
            inv.listenAddress
                = addr == QHostAddress::AnyIPv6 ? QHostAddress(QHostAddress::Any) : addr;
            inv.listenPort = hp->port;
        }
        if (parser.isSet(o.listenIpv6)) {
            const QHostAddress addr(parser.value(o.listenIpv6));
            if (addr.protocol() != QAbstractSocket::IPv6Protocol || addr == QHostAddress::AnyIPv6)
                return error(s("--listen-ipv6 wants a specific IPv6 address, e.g. 2001:db8::1"));
            inv.listenIpv6 = addr;
        }
        if (parser.isSet(o.altPort)) {
            const auto v = positiveNumber(parser.value(o.altPort), 65535);
            if (!v || *v == 0)
                return error(s("--alt-port wants a port number"));
            inv.altPort = quint16(*v);
        }
        inv.serverNoRelay = parser.isSet(o.noRelayServer);
        if (parser.isSet(o.relayRate)) {
            const auto v = positiveNumber(parser.value(o.relayRate), qint64(1) << 40);
            if (!v)
                return error(s("--relay-rate wants a number of bytes per second"));
            inv.relayRate = *v;
        }
        if (parser.isSet(o.relayRateTotal)) {
            const auto v = positiveNumber(parser.value(o.relayRateTotal), qint64(1) << 40);
            if (!v)
                return error(s("--relay-rate-total wants a number of bytes per second"));
            inv.relayRateTotal = *v;
        }
        if (parser.isSet(o.maxRelaySessions)) {
            const auto v = positiveNumber(parser.value(o.maxRelaySessions), 1000000);
            if (!v)
                return error(s("--max-relay-sessions wants a number"));
            inv.maxRelaySessions = int(*v);
        }
        if (parser.isSet(o.maxClients)) {
            const auto v = positiveNumber(parser.value(o.maxClients), 10000000);
            if (!v || *v == 0)
                return error(s("--max-clients wants a positive number"));
            inv.maxClients = int(*v);
        }
        if (parser.isSet(o.redis)) {
            QString why;
            inv.redis = parseRedisUrl(parser.value(o.redis), &why);
            if (!inv.redis)
                return error(s("--redis: %1").arg(why));
            if (inv.redis->password.isEmpty())
                inv.redis->password = qEnvironmentVariable("REDISCLI_AUTH");
        }
        if (parser.isSet(o.redisTtl)) {
            const auto v = positiveNumber(parser.value(o.redisTtl), 3600);
            if (!v || *v == 0 || !inv.redis)
                return error(s("--redis-ttl wants 1-3600 seconds, and goes with --redis"));
            inv.redisTtlSeconds = int(*v);
        }
        inv.redisCa = parser.value(o.redisCa);
        if (parser.isSet(o.redisCa) && (!inv.redis || !inv.redis->tls))
            return error(s("--redis-ca goes with a rediss:// URL in --redis"));
        if (parser.isSet(o.advertise)) {
            // Without a port: the one this server listens on.
            const auto hp = parseHostPort(parser.value(o.advertise), inv.listenPort);
            if (!hp || !inv.redis)
                return error(s("--advertise wants HOST:PORT, and goes with --redis"));
            inv.advertise = hp->toString();
        }
        return result;
    }

    if (inv.mode == Mode::Send || inv.mode == Mode::Receive || inv.mode == Mode::Gui)
        inv.noPortMap = parser.isSet(o.noPortMap);
    if (inv.mode == Mode::Gui) {
        inv.minimized = parser.isSet(o.minimized);
        for (const QString &path : positional) {
            if (!QFileInfo::exists(path))
                return error(s("%1: no such file or folder").arg(path));
            inv.paths << QFileInfo(path).absoluteFilePath();
        }
        return result;
    }

    // send / receive / peers
    inv.name = parser.value(o.name);
    inv.json = parser.isSet(o.json);
    inv.lan = parser.isSet(o.lan);
    if (parser.isSet(o.server)) {
        const auto servers = parseHostPortList(parser.value(o.server));
        if (!servers)
            return error(s("--server wants HOST[:PORT] (at most %1, comma-separated), got '%2'")
                             .arg(kMaxServers)
                             .arg(parser.value(o.server)));
        inv.server = servers->constFirst();
        inv.moreServers = servers->mid(1);
    }
    if (inv.lan && inv.server)
        return error(s("choose either --server or --lan"));
    if (!inv.lan && !inv.server)
        return error(s("say where to find peers: --server HOST[:PORT] or --lan"));
    if (parser.isSet(o.timeout)) {
        const auto v = positiveNumber(parser.value(o.timeout), 7 * 24 * 3600);
        if (!v || *v == 0)
            return error(s("--timeout wants a positive number of seconds"));
        inv.timeoutSecs = int(*v);
    }
    if (inv.mode == Mode::Send || inv.mode == Mode::Receive)
        inv.sha256 = parser.isSet(o.sha256);
    if ((inv.mode == Mode::Send || inv.mode == Mode::Receive) && parser.isSet(o.punchTimeout)) {
        bool ok = false;
        const double secs = parser.value(o.punchTimeout).toDouble(&ok);
        if (!ok || !(secs >= 0.5 && secs <= 60))
            return error(s("--punch-timeout wants seconds between 0.5 and 60, got '%1'")
                             .arg(parser.value(o.punchTimeout)));
        inv.punchTimeoutMs = int(secs * 1000 + 0.5);
    }
    if (inv.mode == Mode::Send || inv.mode == Mode::Receive) {
        inv.noBirthday = parser.isSet(o.noBirthday);
        inv.noUpgrade = parser.isSet(o.noUpgrade);
        if (parser.isSet(o.punchBudget)) {
            const auto v = positiveNumber(parser.value(o.punchBudget), 2048);
            if (!v || *v < 16 || inv.noBirthday)
                return error(s("--punch-budget wants 16-2048 sockets, and not with --no-birthday"));
            inv.punchBudget = int(*v);
        }
    }
    if (inv.mode == Mode::Send) {
        inv.to = parser.value(o.to);
        if (inv.to.isEmpty())
            return error(s("send needs --to PEER"));
        inv.paths = positional;
        if (inv.paths.isEmpty())
            return error(s("send needs at least one PATH"));
        inv.relayOnly = parser.isSet(o.relayOnly);
        inv.noRelay = parser.isSet(o.noRelay);
        if (inv.relayOnly && inv.noRelay)
            return error(s("--relay-only and --no-relay exclude each other"));
        if (inv.lan && inv.relayOnly)
            return error(s("--relay-only needs a server"));
    }
    if (inv.mode == Mode::Receive) {
        inv.dir = parser.value(o.dir);
        inv.yes = parser.isSet(o.yes);
        inv.once = parser.isSet(o.once);
    }
    return result;
}

} // namespace PunchDrop::Cli
