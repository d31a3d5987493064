// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/pathkind.h"

#include "net/wire/texttable.h"

namespace PunchDrop {

namespace {
// `outcome.method` on the wire and `method` in the JSON events; Unknown is "none".
constexpr TextTable<PathKind, 6> kMethods {{
    {PathKind::DirectPunch, u"tcp-punch"},
    {PathKind::DirectPortMap, u"port-map"},
    {PathKind::DirectGuess, u"birthday"},
    {PathKind::DirectLan, u"lan"},
    {PathKind::Relayed, u"relay"},
    {PathKind::Unknown, u"none"},
}};
// `outcome.kind` on the wire and `path` in the JSON events.
constexpr TextTable<OutcomeKind, 4> kOutcomes {{
    {OutcomeKind::Direct, u"direct"},
    {OutcomeKind::Relayed, u"relay"},
    {OutcomeKind::Failed, u"failed"},
    {OutcomeKind::Unknown, u"unknown"},
}};
} // namespace

QString pathKindName(PathKind path)
{
    return outcomeKindName(outcomeOf(path));
}

QString pathMethodName(PathKind path)
{
    return nameIn(kMethods, path, u"none");
}

PathKind pathFromMethodName(QStringView method)
{
    return valueIn(kMethods, method, PathKind::Unknown);
}

QString outcomeKindName(OutcomeKind kind)
{
    return nameIn(kOutcomes, kind, u"unknown");
}

OutcomeKind outcomeKindFromName(QStringView text)
{
    return valueIn(kOutcomes, text, OutcomeKind::Unknown);
}

OutcomeKind outcomeOf(PathKind path)
{
    return path == PathKind::Relayed ? OutcomeKind::Relayed : OutcomeKind::Direct;
}

} // namespace PunchDrop
