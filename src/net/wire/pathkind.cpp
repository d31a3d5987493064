// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/pathkind.h"

namespace PunchDrop {

QString pathKindName(PathKind path)
{
    return outcomeKindName(outcomeOf(path));
}

QString pathMethodName(PathKind path)
{
    switch (path) {
    case PathKind::DirectPunch:
        return QStringLiteral("tcp-punch");
    case PathKind::DirectLan:
        return QStringLiteral("lan");
    case PathKind::Relayed:
        return QStringLiteral("relay");
    case PathKind::Unknown:
        break;
    }
    return QStringLiteral("none");
}

PathKind pathFromMethodName(QStringView method)
{
    for (const PathKind path : {PathKind::DirectPunch, PathKind::DirectLan, PathKind::Relayed}) {
        if (method == pathMethodName(path))
            return path;
    }
    return PathKind::Unknown;
}

QString outcomeKindName(OutcomeKind kind)
{
    switch (kind) {
    case OutcomeKind::Direct:
        return QStringLiteral("direct");
    case OutcomeKind::Relayed:
        return QStringLiteral("relay");
    case OutcomeKind::Failed:
        return QStringLiteral("failed");
    case OutcomeKind::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

OutcomeKind outcomeKindFromName(QStringView text)
{
    for (const OutcomeKind kind :
        {OutcomeKind::Direct, OutcomeKind::Relayed, OutcomeKind::Failed}) {
        if (text == outcomeKindName(kind))
            return kind;
    }
    return OutcomeKind::Unknown;
}

OutcomeKind outcomeOf(PathKind path)
{
    return path == PathKind::Relayed ? OutcomeKind::Relayed : OutcomeKind::Direct;
}

} // namespace PunchDrop
