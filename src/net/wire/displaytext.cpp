// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/displaytext.h"

#include <QChar>
#include <QList>

namespace PunchDrop {

bool DisplayText::isAllowed(char32_t c)
{
    if (c < 0x20 || (c >= 0x7f && c < 0xa0)) // C0, DEL, C1 (CSI 0x9b starts escapes too)
        return false;
    if (c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069)) // bidi marks, embeddings, overrides, isolates
        return false;
    if (c == 0x2028 || c == 0x2029 || c == 0xfeff || c == 0xfffd)
        return false;
    if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) // lone surrogates, out of range
        return false;
    if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe) // noncharacters
        return false;
    return true;
}

QString DisplayText::clean(QStringView text)
{
    QString out;
    out.reserve(text.size());
    for (const char32_t c : text.toUcs4()) {
        if (isAllowed(c))
            out.append(QString::fromUcs4(&c, 1));
    }
    return out;
}

QString DisplayText::forTerminal(QStringView text)
{
    QString out;
    out.reserve(text.size());
    for (const char32_t c : text.toUcs4()) {
        if (c == U'\n' || isAllowed(c))
            out.append(QString::fromUcs4(&c, 1));
    }
    return out;
}

QString DisplayText::cleanName(QStringView name, qsizetype maxBytes)
{
    QString out;
    qsizetype bytes = 0;
    bool pendingSpace = false;
    for (const char32_t c : name.toUcs4()) {
        if (!isAllowed(c))
            continue;
        if (QChar::isSpace(c)) {
            pendingSpace = !out.isEmpty();
            continue;
        }
        QString ch = QString::fromUcs4(&c, 1);
        if (pendingSpace)
            ch.prepend(QLatin1Char(' '));
        const qsizetype len = ch.toUtf8().size();
        if (bytes + len > maxBytes)
            break;
        out += ch;
        bytes += len;
        pendingSpace = false;
    }
    return out;
}

} // namespace PunchDrop
