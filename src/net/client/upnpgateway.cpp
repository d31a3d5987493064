// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/upnpgateway.h"

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include <QHostAddress>
#include <QRandomGenerator>

namespace PunchDrop {

namespace {
constexpr char kDescription[] = "PunchDrop";
constexpr char kTcp[] = "TCP";

QString upnpErrorText(int code)
{
    const char *text = strupnperror(code);
    return text ? QString::fromUtf8(text) : QStringLiteral("error");
}

QString upnpError(const char *what, int code)
{
    return QStringLiteral("UPnP %1 failed: %2 (%3)")
        .arg(QLatin1String(what), upnpErrorText(code))
        .arg(code);
}
} // namespace

struct UpnpGateway::Device
{
    UPNPUrls urls {};
    IGDdatas data {};
    char lanAddress[64] = {};

    ~Device() { FreeUPNPUrls(&urls); }
};

namespace {
//! The device's SOAP actions through libminiupnpc (blocking round trips).
class MiniupnpcActions final : public UpnpActions
{
public:
    MiniupnpcActions(const char *controlUrl, const char *serviceType, const char *lanAddress)
        : m_url(controlUrl)
        , m_service(serviceType)
        , m_lanAddress(lanAddress)
    { }

    int addPortMapping(quint16 external, quint16 internal, std::chrono::seconds lease) override
    {
        const QByteArray out = QByteArray::number(external);
        const QByteArray in = QByteArray::number(internal);
        const QByteArray duration = QByteArray::number(qint64(lease.count()));
        return UPNP_AddPortMapping(m_url, m_service, out.constData(), in.constData(), m_lanAddress,
            kDescription, kTcp, nullptr, duration.constData());
    }
    int addAnyPortMapping(
        quint16 external, quint16 internal, std::chrono::seconds lease, quint16 *granted) override
    {
        const QByteArray out = QByteArray::number(external);
        const QByteArray in = QByteArray::number(internal);
        const QByteArray duration = QByteArray::number(qint64(lease.count()));
        char reserved[8] = {};
        const int r = UPNP_AddAnyPortMapping(m_url, m_service, out.constData(), in.constData(),
            m_lanAddress, kDescription, kTcp, nullptr, duration.constData(), reserved);
        bool ok = false;
        const uint port = QByteArray(reserved).trimmed().toUInt(&ok);
        *granted = ok && port <= 65535 ? quint16(port) : 0;
        return r;
    }
    QString errorText(int code) const override { return upnpErrorText(code); }

private:
    const char *m_url;
    const char *m_service;
    const char *m_lanAddress;
};
} // namespace

UpnpGateway::UpnpGateway(std::chrono::milliseconds discoveryTimeout)
    : m_discoveryTimeout(discoveryTimeout)
{ }

UpnpGateway::~UpnpGateway() = default;

bool UpnpGateway::discover(QString *error, const std::stop_token &stop)
{
    m_device.reset();
    int status = 0;
    UPNPDev *devices = upnpDiscover(
        int(m_discoveryTimeout.count()), nullptr, nullptr, UPNP_LOCAL_PORT_ANY, 0, 2, &status);
    if (stop.stop_requested()) {
        freeUPNPDevlist(devices);
        *error = QStringLiteral("UPnP: stopped");
        return false;
    }
    if (!devices) {
        *error = QStringLiteral("no UPnP gateway answered within %1 ms")
                     .arg(m_discoveryTimeout.count());
        return false;
    }
    auto device = std::make_unique<Device>();
    const int found = UPNP_GetValidIGD(
        devices, &device->urls, &device->data, device->lanAddress, sizeof device->lanAddress);
    freeUPNPDevlist(devices);
    // 1: connected IGD; 2: IGD whose external address is reserved/private (lab, CGN): still
    // worth a mapping (the server vouches for the address); 3: a UPnP device but no IGD.
    if (found != 1 && found != 2) {
        *error = QStringLiteral("no UPnP Internet Gateway Device on this network");
        return false; // ~Device frees what GetValidIGD left (FreeUPNPUrls nulls what it frees)
    }
    m_device = std::move(device);
    return true;
}

GatewayAnswer UpnpGateway::map(
    quint16 internalPort, quint16 externalPort, std::chrono::seconds lease, std::stop_token stop)
{
    GatewayAnswer answer;
    // libminiupnpc's calls cannot be interrupted: look before each, and after the discovery
    // (which waits for SSDP answers for the whole discovery timeout when no gateway answers)
    // return at once, touching nothing else: the process may be exiting.
    if (stop.stop_requested()) {
        answer.error = QStringLiteral("UPnP: stopped");
        return answer;
    }
    const bool known = m_device != nullptr;
    if (!m_device && !discover(&answer.error, stop))
        return answer;
    if (stop.stop_requested()) {
        answer.error = QStringLiteral("UPnP: stopped");
        return answer;
    }
    UpnpMapping mapping = addMapping(internalPort, externalPort, lease, stop);
    if (mapping.noAnswer && known && !stop.stop_requested()) {
        // The IGD found earlier does not answer at its URLs any more: a gateway that restarted
        // usually serves them on another port (miniupnpd picks one at random). Find it again
        // now rather than after a failed round (a retry interval without a mapping).
        if (!discover(&answer.error, stop))
            return answer;
        if (stop.stop_requested()) {
            answer.error = QStringLiteral("UPnP: stopped");
            return answer;
        }
        mapping = addMapping(internalPort, externalPort, lease, stop);
    }
    if (mapping.external == 0) {
        answer.error = mapping.error;
        if (mapping.noAnswer) // no answer at all: find the gateway again next time
            m_device.reset();
        return answer;
    }
    char external[40] = {};
    const int r = UPNP_GetExternalIPAddress(
        m_device->urls.controlURL, m_device->data.first.servicetype, external);
    const QHostAddress address(QString::fromLatin1(external));
    if (r != UPNPCOMMAND_SUCCESS || address.isNull()) {
        answer.error = r != UPNPCOMMAND_SUCCESS
            ? upnpError("GetExternalIPAddress", r)
            : QStringLiteral("the UPnP gateway reports no external address");
        return answer;
    }
    answer.external = Endpoint {address, mapping.external};
    answer.lease = mapping.lease;
    answer.note = mapping.note;
    return answer;
}

UpnpMapping UpnpGateway::addMapping(quint16 internalPort, quint16 externalPort,
    std::chrono::seconds lease, const std::stop_token &stop)
{
    MiniupnpcActions actions(
        m_device->urls.controlURL, m_device->data.first.servicetype, m_device->lanAddress);
    return upnpAddMapping(
        actions, upnpServiceIsIgd2(m_device->data.first.servicetype), internalPort, externalPort,
        lease, [] { return quint16(QRandomGenerator::global()->bounded(1024, 65536)); }, stop);
}

bool UpnpGateway::unmap(quint16 internalPort, quint16 externalPort)
{
    Q_UNUSED(internalPort)
    if (!m_device)
        return false;
    const QByteArray out = QByteArray::number(externalPort);
    return UPNP_DeletePortMapping(m_device->urls.controlURL, m_device->data.first.servicetype,
               out.constData(), kTcp, nullptr)
        == UPNPCOMMAND_SUCCESS;
}

} // namespace PunchDrop
