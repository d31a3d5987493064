// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringView>

namespace PunchDrop {

/*!
 * What a device says about itself: the kind of machine and its operating system, for the icon
 * and tooltip of its contact card only. A peer's claim is never trusted for anything else.
 *
 * On the wire (control protocol hello and peer entries, LAN announcement) both travel as short
 * stable tokens: kind "desktop" | "laptop" | "server", os "linux" | "windows" | "macos" | "other".
 * They are optional: an absent field, a token this build does not know or one longer than
 * kMaxTokenLength reads as Unknown, so old and new peers interoperate. Unknown is never sent.
 */
enum class DeviceKind { Unknown, Desktop, Laptop, Server };
enum class DeviceOs { Unknown, Linux, Windows, Macos, Other };

struct DeviceDescription
{
    static constexpr int kMaxTokenLength = 16;

    DeviceKind kind = DeviceKind::Unknown;
    DeviceOs os = DeviceOs::Unknown;

    friend bool operator==(const DeviceDescription &, const DeviceDescription &) = default;
};

//! The wire token of \a kind ("desktop", …); empty for Unknown.
QString deviceKindName(DeviceKind kind);
//! The inverse of deviceKindName(); anything else (also empty or too long) gives Unknown.
DeviceKind deviceKindFromName(QStringView name);
//! The wire token of \a os ("linux", …); empty for Unknown.
QString deviceOsName(DeviceOs os);
//! The inverse of deviceOsName(); anything else (also empty or too long) gives Unknown.
DeviceOs deviceOsFromName(QStringView name);

} // namespace PunchDrop
