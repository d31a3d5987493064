// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the control link's record layer (src/net/security/recordcipher.cpp).
// The first input byte picks the mode:
//  - even: the rest is what a peer sent; records are opened one after another with a fixed key
//    (the seed corpus holds genuine records under that key, so mutations reach the
//    authentication). Incomplete consumes nothing, Malformed says why and never hands out
//    plaintext, Ok consumes one whole in-range record and the plaintext re-seals to exactly the
//    consumed bytes (so nothing but a genuine record opens);
//  - odd: the rest is plaintext; sealed at a counter taken from the input with the AEAD the
//    first byte picks (AES-256-GCM, AES-128-GCM, ChaCha20-Poly1305: the data link's choices), it
//    opens back to the same bytes every way (open(), openInPlace() and openSplit(), as
//    SecureStream opens),
//    a record sealed from two pieces (sealRecord) equals the one sealed whole, and a copy with one
//    bit flipped (position from the input) does not open.

#include "net/security/recordcipher.h"

#include <QtEndian>

#include <cstdint>
#include <cstdlib>

using namespace PunchDrop;

namespace {

RecordCipher::Key fixedKey()
{
    RecordCipher::Key key {};
    for (int i = 0; i < RecordCipher::kKeySize; ++i)
        key[i] = static_cast<unsigned char>(i);
    return key;
}

void openStream(QByteArrayView bytes)
{
    RecordCipher receiver(fixedKey());
    RecordCipher resealer(fixedKey());
    qsizetype offset = 0;
    while (offset <= bytes.size()) {
        const QByteArrayView rest = bytes.sliced(offset);
        const quint64 counter = receiver.counter();
        const RecordCipher::OpenResult r = receiver.open(rest);
        if (r.status == RecordCipher::Status::Incomplete) {
            if (r.consumed != 0 || receiver.counter() != counter)
                std::abort();
            return;
        }
        if (r.status == RecordCipher::Status::Malformed) {
            if (r.errorString.isEmpty() || !r.plaintext.isEmpty() || receiver.counter() != counter)
                std::abort();
            return;
        }
        if (r.consumed != r.plaintext.size() + RecordCipher::kLengthSize + RecordCipher::kTagSize
            || r.consumed > rest.size() || r.plaintext.isEmpty()
            || r.plaintext.size() > RecordCipher::kMaxPlaintext
            || receiver.counter() != counter + 1)
            std::abort();
        QByteArray again;
        if (!resealer.seal(r.plaintext, again).ok() || again != rest.first(r.consumed))
            std::abort();
        offset += r.consumed;
    }
}

void roundTrip(QByteArrayView bytes, RecordCipher::Aead aead)
{
    if (bytes.size() < 12)
        return;
    const quint64 counter = qFromBigEndian<quint64>(bytes.data()) % RecordCipher::kLastCounter;
    const quint32 flip = qFromBigEndian<quint32>(bytes.data() + 8);
    const QByteArrayView plaintext = bytes.sliced(12);
    RecordCipher sender;
    sender.reset(fixedKey(), counter, aead);
    QByteArray wire;
    const RecordCipher::SealResult sealed = sender.seal(plaintext, wire);
    if (!sealed.ok()) {
        if (sealed.error != RecordCipher::Error::CounterExhausted)
            std::abort();
        return; // started too close to the end for the number of records
    }
    RecordCipher receiver;
    receiver.reset(fixedKey(), counter, aead);
    RecordCipher inPlace;
    inPlace.reset(fixedKey(), counter, aead);
    QByteArray opened;
    qsizetype offset = 0;
    while (offset < wire.size()) {
        const RecordCipher::OpenResult r = receiver.open(QByteArrayView(wire).sliced(offset));
        if (r.status != RecordCipher::Status::Ok)
            std::abort();
        QByteArray record = wire.sliced(offset, r.consumed);
        const quint32 length = qFromBigEndian<quint32>(record.constData());
        // In place, or split at a point from the input (head in place, the rest elsewhere).
        const qsizetype split = qsizetype(flip % quint64(r.plaintext.size() + 1));
        QByteArray rest(r.plaintext.size() - split, Qt::Uninitialized);
        const bool splitting = (flip & 1) != 0;
        if (!inPlace.checkLength(length).ok()
            || !(splitting ? inPlace.openSplit(record.data(), split, rest.data())
                           : inPlace.openInPlace(record.data()))
                    .ok())
            std::abort();
        const QByteArray got = splitting
            ? record.sliced(RecordCipher::kLengthSize, split) + rest
            : record.sliced(RecordCipher::kLengthSize, r.plaintext.size());
        if (got != r.plaintext)
            std::abort();
        opened += r.plaintext;
        offset += r.consumed;
    }
    if (opened != plaintext || receiver.counter() != sender.counter()
        || inPlace.counter() != sender.counter())
        std::abort();
    if (!plaintext.isEmpty() && plaintext.size() <= RecordCipher::kMaxPlaintext) {
        RecordCipher pieces;
        pieces.reset(fixedKey(), counter, aead);
        QByteArray joined;
        const qsizetype cut = qsizetype(flip % quint64(plaintext.size() + 1));
        if (!pieces.sealRecord(plaintext.first(cut), plaintext.sliced(cut), joined).ok()
            || joined != wire)
            std::abort();
    }
    if (wire.isEmpty())
        return;
    const qsizetype bit = qsizetype(flip % quint64(wire.size() * 8));
    wire[bit / 8] = char(wire[bit / 8] ^ (1 << (bit % 8)));
    RecordCipher tampered;
    tampered.reset(fixedKey(), counter, aead);
    qsizetype at = 0;
    for (;;) { // every record before the flipped one opens; the flipped one never does
        const RecordCipher::OpenResult r = tampered.open(QByteArrayView(wire).sliced(at));
        if (r.status != RecordCipher::Status::Ok)
            break;
        at += r.consumed;
        if (at > bit / 8)
            std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const QByteArrayView bytes(reinterpret_cast<const char *>(data) + 1, qsizetype(size) - 1);
    if (data[0] % 2 == 0)
        openStream(bytes);
    else
        roundTrip(bytes, static_cast<RecordCipher::Aead>((data[0] >> 1) % 3));
    return 0;
}
