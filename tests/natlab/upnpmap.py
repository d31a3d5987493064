#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Maps one TCP port on a UPnP-IGD by hand, as `upnpc -a` does (Debian's miniupnpc package is
not needed): reads the device description from the gateway's HTTP port, then sends one SOAP
AddPortMapping for EXTERNAL_PORT to this host's INTERNAL_PORT on the WANIPConnection service
(v1 or v2, whichever the gateway describes). For the NAT lab's prc-symupnp-conflict cases:
another host behind bob's router that already holds the external port bob will ask for.

Usage: upnpmap.py GATEWAY_IP HTTP_PORT INTERNAL_CLIENT EXTERNAL_PORT INTERNAL_PORT [LEASE]
Prints "mapped EXTERNAL_PORT -> INTERNAL_CLIENT:INTERNAL_PORT (SERVICE)"; exit 0 on success,
1 with the UPnP error (e.g. 718 ConflictInMappingEntry) or what went wrong otherwise.
"""
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

SERVICE = re.compile(r"^urn:schemas-upnp-org:service:WANIPConnection:(\d+)$")


def control_url(base):
    """The WANIPConnection service's type and absolute control URL from rootDesc.xml."""
    with urllib.request.urlopen(base + "/rootDesc.xml", timeout=5) as reply:
        root = ET.fromstring(reply.read())
    for service in root.iter():
        if not service.tag.endswith("}service"):
            continue
        fields = {child.tag.split("}")[-1]: (child.text or "").strip() for child in service}
        if SERVICE.match(fields.get("serviceType", "")):
            return fields["serviceType"], urllib.parse.urljoin(base + "/", fields["controlURL"])
    raise RuntimeError("no WANIPConnection service in " + base + "/rootDesc.xml")


def add_port_mapping(url, service, client, external, internal, lease):
    arguments = {
        "NewRemoteHost": "",
        "NewExternalPort": str(external),
        "NewProtocol": "TCP",
        "NewInternalPort": str(internal),
        "NewInternalClient": client,
        "NewEnabled": "1",
        "NewPortMappingDescription": "natlab-other-host",
        "NewLeaseDuration": str(lease),
    }
    body = (
        '<?xml version="1.0"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>'
        f'<u:AddPortMapping xmlns:u="{service}">'
        + "".join(f"<{k}>{v}</{k}>" for k, v in arguments.items())
        + "</u:AddPortMapping></s:Body></s:Envelope>"
    ).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": 'text/xml; charset="utf-8"',
        "SOAPAction": f'"{service}#AddPortMapping"',
    })
    try:
        with urllib.request.urlopen(request, timeout=5):
            return None
    except urllib.error.HTTPError as error:  # a UPnP error is an HTTP 500 with a SOAP fault
        text = error.read().decode(errors="replace")
        code = re.search(r"<errorCode>(\d+)</errorCode>", text)
        description = re.search(r"<errorDescription>([^<]*)</errorDescription>", text)
        return "UPnP error %s %s" % (code.group(1) if code else "?(HTTP %d)" % error.code,
                                     description.group(1) if description else "")


def main():
    if len(sys.argv) not in (6, 7):
        sys.exit(__doc__)
    gateway, http_port, client, external, internal = sys.argv[1:6]
    lease = int(sys.argv[6]) if len(sys.argv) == 7 else 3600
    try:
        service, url = control_url(f"http://{gateway}:{int(http_port)}")
        error = add_port_mapping(url, service, client, int(external), int(internal), lease)
    except (OSError, RuntimeError, ET.ParseError) as problem:
        print("upnpmap: %s" % problem)
        return 1
    if error:
        print("upnpmap: AddPortMapping %s -> %s:%s: %s" % (external, client, internal, error))
        return 1
    print("mapped %s -> %s:%s (%s)" % (external, client, internal, service))
    return 0


if __name__ == "__main__":
    sys.exit(main())
