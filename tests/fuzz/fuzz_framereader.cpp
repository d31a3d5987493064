// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer entry over the transfer protocol's incremental frame reader
// (src/transfer/framereader.cpp, what FrameChannel reads its socket through).
// The first two input bytes seed the sizes of the pieces the rest arrives in (1 byte up to a
// few KiB, like TCP reads); the reader must then agree exactly with the one-shot parser
// (parseFrame over the whole stream): the same frames in the same order, and Malformed at the
// same frame with the same reason. Also: it never asks for an empty piece or for more than a
// frame can hold, and stays malformed once it said so.
// One chunk pool serves every input, and each DATA payload goes back to it once compared, as
// IncomingTransfer gives it back to its channel's pool: a reused buffer's old bytes must never
// show through (the comparison would see them), and the fuzzer does not spend its time mapping
// and unmapping a fresh 256 KiB buffer under ASan for every DATA frame.

#include "transfer/framereader.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

using namespace PunchDrop;
using namespace PunchDrop::Transfer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    quint32 state = quint32(data[0]) << 8 | data[1];
    const QByteArrayView stream(reinterpret_cast<const char *>(data) + 2, qsizetype(size) - 2);
    auto nextPiece = [&state] {
        state = state * 1103515245u + 12345u;
        const quint32 r = (state >> 16) & 0x7fff;
        return qint64(r % 8 == 0 ? 1 + r % 5000 : 1 + r % 40);
    };

    static const auto chunks = std::make_shared<ChunkPool>(kMaxChunkSize);
    FrameReader reader(chunks);
    qsizetype at = 0; // bytes handed to the reader
    qsizetype parsedAt = 0; // where the one-shot parser stands
    while (at < stream.size()) {
        const qint64 piece = qMin<qint64>(nextPiece(), stream.size() - at);
        const qint64 want = reader.wanted(piece);
        if (want <= 0 || want > kMaxFrameLength)
            std::abort();
        const qint64 n = qMin(want, piece);
        std::memcpy(reader.space(n), stream.data() + at, size_t(n));
        at += n;
        const FrameReader::Step step = reader.commit(n);
        if (step == FrameReader::Step::NeedMore)
            continue;
        const FrameParse expected = parseFrame(stream.sliced(parsedAt));
        if (step == FrameReader::Step::Malformed) {
            if (expected.status != ParseStatus::Malformed || expected.error != reader.error()
                || reader.commit(0) != FrameReader::Step::Malformed)
                std::abort();
            return 0;
        }
        Frame frame = reader.takeFrame();
        if (expected.status != ParseStatus::Ok || expected.consumed != at - parsedAt
            || expected.frame.type != frame.type || expected.frame.payload != frame.payload)
            std::abort();
        if (frame.type == FrameType::Data)
            chunks->give(std::move(frame.payload));
        parsedAt = at;
    }
    // The stream ended inside a frame (or between two): the parser must not see a whole one.
    if (parseFrame(stream.sliced(parsedAt)).status == ParseStatus::Ok)
        std::abort();
    return 0;
}
