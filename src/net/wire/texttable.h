// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringView>

#include <array>
#include <cstddef>
#include <utility>

namespace PunchDrop {

/*!
 * The stable texts of a closed set of codes (the wire's and the JSON events' words), one table per
 * enum, so each enum↔text pair is written once as data: nameIn() and valueIn() are the only code.
 * An entry with an empty text is never matched by valueIn() (ConnectFailure::None is "").
 */
template<typename Enum, std::size_t N>
using TextTable = std::array<std::pair<Enum, QStringView>, N>;

//! The text of \a value in \a table, \a fallback if the table does not list it.
template<typename Enum, std::size_t N>
QString nameIn(const TextTable<Enum, N> &table, Enum value, QStringView fallback)
{
    for (const auto &[entry, name] : table) {
        if (entry == value)
            return name.toString();
    }
    return fallback.toString();
}

//! The code \a text stands for in \a table, \a unknown for a text this build does not know.
template<typename Enum, std::size_t N>
Enum valueIn(const TextTable<Enum, N> &table, QStringView text, Enum unknown)
{
    for (const auto &[entry, name] : table) {
        if (!name.isEmpty() && text == name)
            return entry;
    }
    return unknown;
}

} // namespace PunchDrop
