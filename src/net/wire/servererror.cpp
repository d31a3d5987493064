// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/servererror.h"

#include "net/wire/texttable.h"

namespace PunchDrop {

namespace {
// The texts of docs/protocol/control.md (error).
constexpr TextTable<ServerError, 5> kNames {{
    {ServerError::Protocol, u"protocol"},
    {ServerError::Version, u"version"},
    {ServerError::Idle, u"idle"},
    {ServerError::Replaced, u"replaced"},
    {ServerError::Unknown, u"unknown"},
}};
} // namespace

QString serverErrorName(ServerError error)
{
    return nameIn(kNames, error, u"unknown");
}

ServerError serverErrorFromName(QStringView text)
{
    return valueIn(kNames, text, ServerError::Unknown);
}

} // namespace PunchDrop
