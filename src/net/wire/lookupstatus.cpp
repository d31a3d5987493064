// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/lookupstatus.h"

#include "net/wire/texttable.h"

namespace PunchDrop {

namespace {
// The texts of docs/protocol/control.md (lookup-result) and of the client's own failures.
constexpr TextTable<LookupStatus, 9> kNames {{
    {LookupStatus::Ok, u"ok"},
    {LookupStatus::Ambiguous, u"ambiguous"},
    {LookupStatus::NotFound, u"not-found"},
    {LookupStatus::Busy, u"busy"},
    {LookupStatus::BadQuery, u"bad-query"},
    {LookupStatus::Timeout, u"timeout"},
    {LookupStatus::NotRegistered, u"not-registered"},
    {LookupStatus::ConnectionLost, u"connection-lost"},
    {LookupStatus::Unknown, u"unknown"},
}};
} // namespace

QString lookupStatusName(LookupStatus status)
{
    return nameIn(kNames, status, u"unknown");
}

LookupStatus lookupStatusFromName(QStringView text)
{
    return valueIn(kNames, text, LookupStatus::Unknown);
}

} // namespace PunchDrop
