// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/upnpgateway.h"

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include <QHostAddress>

namespace PunchDrop {

namespace {
constexpr char kDescription[] = "PunchDrop";
constexpr char kTcp[] = "TCP";
// UPnP error 725: the IGD (v1) only supports permanent leases.
constexpr int kOnlyPermanentLeases = 725;

QString upnpError(const char *what, int code)
{
    const char *text = strupnperror(code);
    return QStringLiteral("UPnP %1 failed: %2 (%3)")
        .arg(QLatin1String(what), text ? QString::fromUtf8(text) : QStringLiteral("error"))
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
    if (!m_device && !discover(&answer.error, stop))
        return answer;
    if (stop.stop_requested()) {
        answer.error = QStringLiteral("UPnP: stopped");
        return answer;
    }
    const QByteArray in = QByteArray::number(internalPort);
    const QByteArray out = QByteArray::number(externalPort ? externalPort : internalPort);
    QByteArray duration = QByteArray::number(qint64(lease.count()));
    const char *url = m_device->urls.controlURL;
    const char *service = m_device->data.first.servicetype;
    int r = UPNP_AddPortMapping(url, service, out.constData(), in.constData(), m_device->lanAddress,
        kDescription, kTcp, nullptr, duration.constData());
    if (r == kOnlyPermanentLeases) {
        duration = "0";
        lease = std::chrono::seconds(0);
        r = UPNP_AddPortMapping(url, service, out.constData(), in.constData(), m_device->lanAddress,
            kDescription, kTcp, nullptr, duration.constData());
    }
    if (r != UPNPCOMMAND_SUCCESS) {
        answer.error = upnpError("AddPortMapping", r);
        if (r < 0) // no answer at all: find the gateway again next time
            m_device.reset();
        return answer;
    }
    char external[40] = {};
    r = UPNP_GetExternalIPAddress(url, service, external);
    const QHostAddress address(QString::fromLatin1(external));
    if (r != UPNPCOMMAND_SUCCESS || address.isNull()) {
        answer.error = r != UPNPCOMMAND_SUCCESS
            ? upnpError("GetExternalIPAddress", r)
            : QStringLiteral("the UPnP gateway reports no external address");
        return answer;
    }
    answer.external = Endpoint {address, out.toUShort()};
    answer.lease = lease;
    return answer;
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
