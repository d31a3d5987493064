// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QString>

namespace PunchDrop::CborBounds {

/*
 * Qt's CBOR decoder (QCborValue::fromCbor) reserves room for as many elements as an array or map
 * header declares (up to about a million) before any element has arrived. A frame of a few KB
 * made of nested headers that each declare a million elements made it reserve ~1 MB per level,
 * ~1 GB for a 5 KB control frame (issue 12, L4). check() walks the encoded bytes first, without
 * decoding or allocating anything, and refuses what would make the decoder reserve more than the
 * bytes that are there:
 *
 *  - a container declaring more items than the bytes left can hold (every item takes at least one
 *    byte, a map entry two; the items its ancestors still owe count against the same bytes), and
 *  - nesting (containers and tags) deeper than kMaxDepth.
 *
 * So what the decoder reserves is bounded by the body it was given, ≤ 32 bytes per body byte.
 * Malformed CBOR is not reported here (the decoder's own error says it better): check() stops
 * walking at the first decoding error and returns an empty string.
 */
inline constexpr int kMaxDepth = 16;

//! Empty when \a cbor (one data item and whatever follows) is within the bounds; else why not.
QString check(QByteArrayView cbor, int maxDepth = kMaxDepth);

} // namespace PunchDrop::CborBounds
