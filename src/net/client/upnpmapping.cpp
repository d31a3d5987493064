// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/client/upnpmapping.h"

#include <QByteArray>
#include <QList>
#include <QStringList>

namespace PunchDrop {

namespace {

QString failure(const UpnpActions &actions, const char *what, int code)
{
    return QStringLiteral("UPnP %1 failed: %2 (%3)")
        .arg(QLatin1String(what), actions.errorText(code))
        .arg(code);
}

QString portList(const QList<quint16> &ports)
{
    QStringList texts;
    for (quint16 port : ports)
        texts << QString::number(port);
    return texts.join(QStringLiteral(", "));
}

} // namespace

UpnpMapping upnpAddMapping(UpnpActions &actions, bool igd2, quint16 internal, quint16 external,
    std::chrono::seconds lease, const std::function<quint16()> &randomPort,
    const std::stop_token &stop)
{
    UpnpMapping result;
    quint16 ask = external ? external : internal;
    if (igd2) {
        // The gateway takes the port asked for when it is free (or already ours: a renewal),
        // else picks a free one itself: one round trip, whoever holds the port.
        quint16 granted = 0;
        const int r = actions.addAnyPortMapping(ask, internal, lease, &granted);
        if (r == 0) {
            if (granted == 0) {
                result.error = QStringLiteral("UPnP AddAnyPortMapping granted no port");
                return result;
            }
            result.external = granted;
            result.lease = lease;
            if (granted != ask)
                result.note = QStringLiteral(
                    "external port %1 is taken, the gateway (IGD v2 AddAnyPortMapping) chose %2")
                                  .arg(ask)
                                  .arg(granted);
            return result;
        }
        if (r != UpnpError::InvalidAction && r != UpnpError::NotImplemented) {
            result.error = failure(actions, "AddAnyPortMapping", r);
            result.noAnswer = r < 0;
            return result;
        }
        // A "v2" device without AddAnyPortMapping: ask it as a v1 one.
        if (stop.stop_requested()) {
            result.error = QStringLiteral("UPnP: stopped");
            return result;
        }
    }
    QList<quint16> taken; // external ports another host holds (718)
    for (;;) {
        int r = actions.addPortMapping(ask, internal, lease);
        if (r == UpnpError::OnlyPermanentLeasesSupported && lease.count() != 0
            && !stop.stop_requested()) {
            lease = std::chrono::seconds(0);
            r = actions.addPortMapping(ask, internal, lease);
        }
        if (r == 0) {
            result.external = ask;
            result.lease = lease;
            if (!taken.isEmpty())
                result.note = QStringLiteral("external port %1 taken by another host (UPnP 718 "
                                             "ConflictInMappingEntry), got %2")
                                  .arg(portList(taken))
                                  .arg(ask);
            return result;
        }
        if (r != UpnpError::ConflictInMappingEntry) {
            result.error = failure(actions, "AddPortMapping", r);
            if (!taken.isEmpty())
                result.error += QStringLiteral(" for external port %1, after %2 was taken (718)")
                                    .arg(ask)
                                    .arg(portList(taken));
            result.noAnswer = r < 0;
            return result;
        }
        taken.append(ask);
        if (taken.size() > kUpnpConflictRetries) {
            result.error = failure(actions, "AddPortMapping", r)
                + QStringLiteral(": external ports %1 are all mapped to other hosts")
                      .arg(portList(taken));
            return result;
        }
        if (stop.stop_requested()) {
            result.error = QStringLiteral("UPnP: stopped");
            return result;
        }
        // Another host behind this gateway holds the port (two hosts that picked the same P):
        // another one, at random, not one that was taken already.
        quint16 next = 0;
        for (int draw = 0; draw < 16 && (next < 1024 || taken.contains(next)); ++draw)
            next = randomPort();
        if (next < 1024 || taken.contains(next)) {
            result.error = failure(actions, "AddPortMapping", r);
            return result;
        }
        ask = next;
    }
}

bool upnpServiceIsIgd2(const char *serviceType)
{
    static constexpr char kPrefix[] = "urn:schemas-upnp-org:service:WANIPConnection:";
    const QByteArray type(serviceType ? serviceType : "");
    if (!type.startsWith(kPrefix))
        return false;
    bool ok = false;
    const int version = type.mid(int(sizeof kPrefix) - 1).toInt(&ok);
    return ok && version >= 2;
}

} // namespace PunchDrop
