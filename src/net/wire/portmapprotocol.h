// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

namespace PunchDrop {

//! How a gateway was asked to forward a port to us (a mapped candidate's origin).
enum class PortMapProtocol {
    None, //!< no mapping
    Upnp, //!< UPnP-IGD (v1 or v2): "upnp"
    NatPmp, //!< NAT-PMP (RFC 6886): "natpmp"
    Pcp, //!< PCP (RFC 6887): "pcp"
    Unknown, //!< a text this build does not know (a newer client)
};

/*!
 * The stable wire and JSON text of \a protocol: "upnp", "natpmp", "pcp", "" for None, "unknown"
 * for Unknown. Never translate or change it (`mapped.mapper`, `go.mapper`, the CLI's `path`).
 */
QString portMapProtocolName(PortMapProtocol protocol);
//! The inverse of portMapProtocolName(); "" gives None, a text this build does not know Unknown.
PortMapProtocol portMapProtocolFromName(QStringView text);

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::PortMapProtocol)
