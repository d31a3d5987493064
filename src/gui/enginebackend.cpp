// SPDX-License-Identifier: GPL-3.0-or-later
#include "enginebackend.h"

#include "core/logging.h"
#include "net/client/controlclient.h"
#include "net/client/thisdevice.h"
#include "net/wire/hostport.h"
#include "transfer/transferengine.h"

#include <QPointer>

namespace PunchDrop::Gui {

namespace {
//! ServerStatus::ipv6 of \a control.
QString ipv6Text(const ControlClient &control)
{
    const Endpoint ipv6 = control.ipv6Endpoint();
    return ipv6.isValid() ? ipv6.toString() : QString();
}

//! The settings' server addresses (the command line's parser, comma-separated); empty when
//! the text is empty (LAN only) or invalid.
QList<HostPort> serverAddresses(const QString &text)
{
    return parseHostPortList(text.trimmed()).value_or(QList<HostPort>());
}
} // namespace

EngineBackend::EngineBackend(const DeviceIdentity &identity, const ConfigDir &configDir,
    AppSettings settings, QObject *parent)
    : Backend(parent)
    , m_identity(identity)
    , m_configDir(configDir)
    , m_settings(std::move(settings))
{ }

EngineBackend::~EngineBackend()
{
    // The engine's last signals (a port mapping withdrawn, transfers cancelled) must not reach
    // this object's members while they are being destroyed: cut them off, then stop the engine
    // while everything it refers to still exists.
    if (m_engine) {
        m_engine->disconnect(this);
        m_engine->contacts().disconnect(this);
        m_engine->stop();
        m_engine.reset();
    }
}

bool EngineBackend::start(QString *error)
{
    if (m_engine) {
        m_engine->stop();
        m_engine.reset();
    }
    EngineConfig config;
    const QList<HostPort> servers = serverAddresses(m_settings.serverAddress);
    if (!servers.isEmpty()) {
        config.serverHost = servers.constFirst().host;
        config.serverPort = servers.constFirst().port;
        config.moreServers = servers.mid(1);
    }
    config.lan = m_settings.lanDiscovery;
    config.displayName = m_settings.displayName;
    config.device = ThisDevice::describe(false);
    config.downloadDir = m_settings.downloadDir;
    // A contact answered with "Always accept" is accepted without asking: that is what the
    // button says (the per-contact switch lives on the Contacts page).
    config.autoAcceptTrusted = true;
    config.portMapping = m_settings.portMapping;
    if (m_tune)
        m_tune(config);
    m_engine = std::make_unique<TransferEngine>(m_identity, m_configDir, config);
    m_engine->setOfferDecider(m_decider);
    TransferEngine *engine = m_engine.get();
    connect(engine, &TransferEngine::peersChanged, this, &Backend::peersChanged);
    connect(engine, &TransferEngine::transferUpdated, this, &Backend::transferUpdated);
    connect(&engine->contacts(), &ContactStore::contactsChanged, this, &Backend::contactsChanged);
    connect(engine, &TransferEngine::registered, this, [this, engine] {
        // the server in use: after a failover, another one of the list
        if (const ControlClient *control = engine->controlClient()) {
            m_status.serverAddress = control->currentServer().toString();
            m_status.ipv6 = ipv6Text(*control);
            // the address claim settles a round trip after the registration
            connect(control, &ControlClient::claimSettled, this, &EngineBackend::onClaimSettled,
                Qt::UniqueConnection);
        }
        setStatus(ServerStatus::State::Online, {});
    });
    connect(engine, &TransferEngine::connectionLost, this, [this](const QString &reason) {
        m_status.ipv6.clear();
        setStatus(ServerStatus::State::Offline, tr("reconnecting: %1").arg(reason));
    });
    connect(engine, &TransferEngine::portMappingChanged, this, [this, engine] {
        const PortMapper *mapper = engine->portMapper();
        m_status.portMap = mapper->state();
        m_status.portMapper = mapper->protocol();
        m_status.portMapReason = mapper->reason();
        Q_EMIT serverStatusChanged();
    });
    connect(engine, &TransferEngine::natTypeChanged, this, [this](const NatType &nat) {
        m_status.natType = nat.toString(); // the stable text; MainWindow shows displayName()
        Q_EMIT serverStatusChanged();
    });
    m_status = ServerStatus();
    m_status.serverAddress = config.serverHost.isEmpty()
        ? QString()
        : QStringLiteral("%1:%2").arg(config.serverHost).arg(config.serverPort);
    m_status.state = config.serverHost.isEmpty() ? ServerStatus::State::LanOnly
                                                 : ServerStatus::State::Connecting;
    const bool ok = engine->start(error);
    if (!ok) {
        qCWarning(lcGui) << "engine start failed:" << *error;
        // Say so in the status bar instead of "Connecting…" forever.
        m_status.state = ServerStatus::State::Offline;
        m_status.detail = *error;
    }
    Q_EMIT serverStatusChanged();
    Q_EMIT peersChanged();
    Q_EMIT contactsChanged();
    return ok;
}

void EngineBackend::onClaimSettled()
{
    if (const ControlClient *control = m_engine ? m_engine->controlClient() : nullptr) {
        m_status.ipv6 = ipv6Text(*control);
        Q_EMIT serverStatusChanged();
    }
}

void EngineBackend::setStatus(ServerStatus::State state, const QString &detail)
{
    m_status.state = state;
    m_status.detail = detail;
    Q_EMIT serverStatusChanged();
}

QList<PeerInfo> EngineBackend::peers() const
{
    return m_engine ? m_engine->peers() : QList<PeerInfo>();
}

quint64 EngineBackend::sendFiles(const DeviceId &peer, const QStringList &paths)
{
    return m_engine ? m_engine->send(peer, paths) : 0;
}

void EngineBackend::cancelTransfer(quint64 id)
{
    if (m_engine)
        m_engine->cancel(id);
}

void EngineBackend::retryTransfer(quint64 id)
{
    if (m_engine)
        m_engine->retry(id);
}

void EngineBackend::setOfferDecider(OfferDecider *decider)
{
    m_decider = decider;
    if (m_engine)
        m_engine->setOfferDecider(decider);
}

bool EngineBackend::hasActiveTransfers() const
{
    return m_engine && m_engine->hasActiveTransfers();
}

void EngineBackend::findPeer(const QString &query)
{
    if (!m_engine) {
        Q_EMIT peerLookupFinished(query, {}, tr("PunchDrop is not connected"));
        return;
    }
    lookUp(query); // runs on by itself; answers through peerLookupFinished
}

QCoro::Task<> EngineBackend::lookUp(QString query)
{
    QPointer<EngineBackend> self(this);
    // The engine may be replaced (server changed in Settings) while the server answers; it then
    // answers with its local result and the window still gets a reply.
    auto finding = m_engine->findPeer(query);
    const PeerResolver::Result r = co_await finding;
    if (!self)
        co_return;
    Q_EMIT peerLookupFinished(query, r.id, r.error);
}

QList<Contact> EngineBackend::contacts() const
{
    return m_engine ? m_engine->contacts().contacts() : QList<Contact>();
}

ContactStore *EngineBackend::contactStore(QString *error)
{
    if (!m_engine) {
        *error = tr("PunchDrop is not running");
        return nullptr;
    }
    return &m_engine->contacts();
}

bool EngineBackend::renameContact(const DeviceId &id, const QString &name, QString *error)
{
    ContactStore *store = contactStore(error);
    return store && store->rename(id, name, error);
}

bool EngineBackend::setContactAutoAccept(const DeviceId &id, bool autoAccept, QString *error)
{
    ContactStore *store = contactStore(error);
    return store && store->setAutoAccept(id, autoAccept, error);
}

bool EngineBackend::setContactVerified(const DeviceId &id, bool verified, QString *error)
{
    ContactStore *store = contactStore(error);
    return store && store->setVerified(id, verified, error);
}

bool EngineBackend::forgetContact(const DeviceId &id, QString *error)
{
    ContactStore *store = contactStore(error);
    return store && store->remove(id, error);
}

void EngineBackend::applySettings(const AppSettings &settings)
{
    // Both decide which parts the engine is built with: a change rebuilds it.
    const bool rebuild = settings.serverAddress != m_settings.serverAddress
        || settings.lanDiscovery != m_settings.lanDiscovery
        || settings.portMapping != m_settings.portMapping;
    m_settings = settings;
    if (!m_engine)
        return;
    m_engine->setDisplayName(settings.displayName);
    m_engine->setDownloadDir(settings.downloadDir);
    if (rebuild && !m_engine->hasActiveTransfers()) {
        QString error;
        if (!start(&error))
            setStatus(ServerStatus::State::Offline, error);
    }
}

} // namespace PunchDrop::Gui
