// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over CborBounds (src/net/wire/cborbounds.cpp), the walk that runs before Qt's
// CBOR decoder on every control frame body and transfer payload (issue 12, L4).
// Properties checked beyond "no crash, no sanitizer report":
//  - whatever it accepts, Qt decodes into a value no deeper than kMaxDepth whose elements number
//    no more than the input's bytes (every declared element was really there, or the decoder
//    stopped with an error);
//  - a refusal is stable: the same input is refused again with the same reason.

#include "net/wire/cborbounds.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborStreamReader>
#include <QCborValue>

#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;

namespace {

//! Elements in \a value (containers count their children), and its nesting depth.
void measure(const QCborValue &value, int depth, qint64 &elements, int &deepest)
{
    deepest = qMax(deepest, depth);
    if (value.isArray()) {
        for (const QCborValue &item : value.toArray()) {
            ++elements;
            measure(item, depth + 1, elements, deepest);
        }
    } else if (value.isMap()) {
        const QCborMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            elements += 2;
            measure(it.key(), depth + 1, elements, deepest);
            measure(it.value(), depth + 1, elements, deepest);
        }
    } else if (value.isTag()) {
        ++elements;
        measure(value.taggedValue(), depth + 1, elements, deepest);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString refusal = CborBounds::check(bytes);
    if (!refusal.isEmpty()) {
        if (CborBounds::check(bytes) != refusal)
            std::abort();
        return 0;
    }
    QCborStreamReader reader(bytes);
    const QCborValue value = QCborValue::fromCbor(reader);
    if (reader.lastError() != QCborError::NoError)
        return 0;
    qint64 elements = 0;
    int deepest = 0;
    measure(value, 0, elements, deepest);
    if (deepest > CborBounds::kMaxDepth || elements > qint64(size))
        std::abort();
    return 0;
}
