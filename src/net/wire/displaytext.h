// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringView>

namespace PunchDrop {

/*!
 * The one sanitiser for text another party chose and a person will see: display names (from
 * the server, a LAN announcement, a peer's HELLO) and offered file names in summaries. Pure.
 *
 * Removed: C0/C1 controls (ESC, CR, LF, TAB, BEL … — terminal escapes and forged log lines),
 * U+2028/U+2029, the bidi embedding/override/isolate controls and marks (U+061C, U+200E/F,
 * U+202A–U+202E, U+2066–U+2069: "exe.txt" shown as "txt.exe"), U+FEFF, noncharacters, lone
 * surrogates and U+FFFD. Everything else, emoji and every script included, stays. The result
 * is plain text: rich-text markup (`<b>`) stays literal, so a widget showing it must still use
 * Qt::PlainText (or toHtmlEscaped()) — this class cannot know where a string will be shown.
 */
class DisplayText
{
public:
    //! Display names: disallowed characters removed, whitespace runs folded into one space,
    //! trimmed, cut to kMaxNameBytes of UTF-8 on a character boundary.
    static constexpr qsizetype kMaxNameBytes = 64;

    //! Whether \a c may appear in text shown to a person (see the class comment).
    static bool isAllowed(char32_t c);
    //! \a text with every character that is not allowed removed (nothing else changes).
    static QString clean(QStringView text);
    //! Text about to be written to a terminal or a log: clean(), but line breaks of our own
    //! multi-line texts stay (names inside were cleaned where they entered, without them).
    static QString forTerminal(QStringView text);
    //! A display name: clean(), whitespace folded and trimmed, at most \a maxBytes of UTF-8.
    static QString cleanName(QStringView name, qsizetype maxBytes = kMaxNameBytes);
};

} // namespace PunchDrop
