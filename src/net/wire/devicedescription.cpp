// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/devicedescription.h"

#include <algorithm>
#include <iterator>

namespace PunchDrop {

namespace {

template<typename E> struct Token
{
    E value;
    QStringView name;
};

constexpr Token<DeviceKind> kKinds[] = {
    {DeviceKind::Desktop, u"desktop"},
    {DeviceKind::Laptop, u"laptop"},
    {DeviceKind::Server, u"server"},
};

constexpr Token<DeviceOs> kOses[] = {
    {DeviceOs::Linux, u"linux"},
    {DeviceOs::Windows, u"windows"},
    {DeviceOs::Macos, u"macos"},
    {DeviceOs::Other, u"other"},
};

template<typename E, std::size_t N> QString nameOf(const Token<E> (&table)[N], E value)
{
    const auto it = std::find_if(std::begin(table), std::end(table),
        [value](const Token<E> &t) { return t.value == value; });
    return it == std::end(table) ? QString() : it->name.toString();
}

template<typename E, std::size_t N> E valueOf(const Token<E> (&table)[N], QStringView name)
{
    if (name.size() > DeviceDescription::kMaxTokenLength)
        return E::Unknown;
    const auto it = std::find_if(
        std::begin(table), std::end(table), [name](const Token<E> &t) { return t.name == name; });
    return it == std::end(table) ? E::Unknown : it->value;
}

} // namespace

QString deviceKindName(DeviceKind kind)
{
    return nameOf(kKinds, kind);
}

DeviceKind deviceKindFromName(QStringView name)
{
    return valueOf(kKinds, name);
}

QString deviceOsName(DeviceOs os)
{
    return nameOf(kOses, os);
}

DeviceOs deviceOsFromName(QStringView name)
{
    return valueOf(kOses, name);
}

} // namespace PunchDrop
