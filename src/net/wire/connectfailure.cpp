// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/connectfailure.h"

#include "net/wire/texttable.h"

namespace PunchDrop {

namespace {
// The texts of docs/protocol/control.md (connect-error) and of the client's own failures.
constexpr TextTable<ConnectFailure, 16> kNames {{
    {ConnectFailure::None, u""},
    {ConnectFailure::UnknownPeer, u"unknown-peer"},
    {ConnectFailure::Offline, u"offline"},
    {ConnectFailure::Self, u"self"},
    {ConnectFailure::RelayDisabled, u"relay-disabled"},
    {ConnectFailure::Busy, u"busy"},
    {ConnectFailure::BadMode, u"bad-mode"},
    {ConnectFailure::Timeout, u"timeout"},
    {ConnectFailure::NotRegistered, u"not-registered"},
    {ConnectFailure::ConnectionLost, u"connection-lost"},
    {ConnectFailure::NoPath, u"no-path"},
    {ConnectFailure::RelayFailed, u"relay-failed"},
    {ConnectFailure::AuthFailed, u"auth-failed"},
    {ConnectFailure::Unreachable, u"unreachable"},
    {ConnectFailure::UnexpectedPeer, u"unexpected-peer"},
    {ConnectFailure::Unknown, u"unknown"},
}};
} // namespace

QString connectFailureName(ConnectFailure failure)
{
    return nameIn(kNames, failure, u"unknown");
}

ConnectFailure connectFailureFromName(QStringView text)
{
    return valueIn(kNames, text, ConnectFailure::Unknown);
}

} // namespace PunchDrop
