// SPDX-License-Identifier: GPL-3.0-or-later
#include "qrcode.h"

#include <algorithm>
#include <array>
#include <cstdlib>

namespace PunchDrop {

namespace {

// Level M, versions 1..10 (ISO/IEC 18004 table 9): error correction codewords per block, and
// the number of blocks.
constexpr std::array<int, 11> kEccPerBlock = {0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26};
constexpr std::array<int, 11> kBlocks = {0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5};
constexpr int kFormatEccBitsM = 0; // level M's two bits in the format information

// Penalty weights of the mask evaluation (ISO/IEC 18004 7.8.3).
constexpr long kPenaltyN1 = 3;
constexpr long kPenaltyN2 = 3;
constexpr long kPenaltyN3 = 40;
constexpr long kPenaltyN4 = 10;

//! Modules left for data and error correction after the function patterns, in bits.
int rawDataModules(int version)
{
    int result = (16 * version + 128) * version + 64;
    if (version >= 2) {
        const int alignments = version / 7 + 2;
        result -= (25 * alignments - 10) * alignments - 55;
        if (version >= 7)
            result -= 36; // the two version information blocks
    }
    return result;
}

int dataCodewords(int version)
{
    return rawDataModules(version) / 8 - kEccPerBlock[version] * kBlocks[version];
}

//! Centres of the alignment patterns along one axis (the same list for rows and columns).
QList<int> alignmentPositions(int version)
{
    if (version == 1)
        return {};
    const int count = version / 7 + 2;
    const int size = version * 4 + 17;
    const int step = (version * 8 + count * 3 + 5) / (count * 4 - 4) * 2;
    QList<int> positions(count);
    positions[0] = 6;
    for (int i = count - 1, pos = size - 7; i >= 1; --i, pos -= step)
        positions[i] = pos;
    return positions;
}

// GF(2^8) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
quint8 gfMultiply(quint8 a, quint8 b)
{
    int z = 0;
    for (int i = 7; i >= 0; --i) {
        z = (z << 1) ^ ((z >> 7) * 0x11D);
        z ^= ((b >> i) & 1) * a;
    }
    return quint8(z);
}

//! The Reed-Solomon generator polynomial of \a degree, highest coefficient (always 1) left out.
QByteArray rsDivisor(int degree)
{
    QByteArray result(degree, 0);
    result[degree - 1] = 1;
    quint8 root = 1;
    for (int i = 0; i < degree; ++i) {
        for (int j = 0; j < degree; ++j) {
            result[j] = char(gfMultiply(quint8(result[j]), root));
            if (j + 1 < degree)
                result[j] = char(quint8(result[j]) ^ quint8(result[j + 1]));
        }
        root = gfMultiply(root, 0x02);
    }
    return result;
}

QByteArray rsRemainder(QByteArrayView data, const QByteArray &divisor)
{
    QByteArray result(divisor.size(), 0);
    for (const char byte : data) {
        const quint8 factor = quint8(byte) ^ quint8(result[0]);
        result.remove(0, 1);
        result.append(char(0));
        for (qsizetype i = 0; i < result.size(); ++i)
            result[i] = char(quint8(result[i]) ^ gfMultiply(quint8(divisor[i]), factor));
    }
    return result;
}

//! Mode, count, data, terminator and padding: the data codewords of \a version.
QByteArray dataBits(QByteArrayView data, int version)
{
    QList<bool> bits;
    const auto append = [&bits](quint32 value, int length) {
        for (int i = length - 1; i >= 0; --i)
            bits.append(((value >> i) & 1) != 0);
    };
    append(0x4, 4); // byte mode
    append(quint32(data.size()), version <= 9 ? 8 : 16);
    for (const char byte : data)
        append(quint8(byte), 8);
    const qsizetype capacity = qsizetype(dataCodewords(version)) * 8;
    append(0, int(std::min<qsizetype>(4, capacity - bits.size())));
    append(0, int((8 - bits.size() % 8) % 8));
    QByteArray codewords;
    for (qsizetype i = 0; i < bits.size(); i += 8) {
        quint8 byte = 0;
        for (int j = 0; j < 8; ++j)
            byte = quint8((byte << 1) | (bits[i + j] ? 1 : 0));
        codewords.append(char(byte));
    }
    for (quint8 pad = 0xEC; codewords.size() < dataCodewords(version); pad ^= 0xEC ^ 0x11)
        codewords.append(char(pad));
    return codewords;
}

//! Splits \a data into blocks, adds each block's error correction, and interleaves them.
QByteArray withErrorCorrection(const QByteArray &data, int version)
{
    const int blocks = kBlocks[version];
    const int eccLength = kEccPerBlock[version];
    const int rawCodewords = rawDataModules(version) / 8;
    const int shortBlocks = blocks - rawCodewords % blocks;
    const int shortDataLength = rawCodewords / blocks - eccLength;
    const QByteArray divisor = rsDivisor(eccLength);
    QList<QByteArray> dataBlocks;
    QList<QByteArray> eccBlocks;
    for (int i = 0, offset = 0; i < blocks; ++i) {
        const int length = shortDataLength + (i < shortBlocks ? 0 : 1);
        dataBlocks.append(data.mid(offset, length));
        eccBlocks.append(rsRemainder(dataBlocks.last(), divisor));
        offset += length;
    }
    QByteArray result;
    for (int i = 0; i <= shortDataLength; ++i) {
        for (const QByteArray &block : dataBlocks) {
            if (i < block.size())
                result.append(block[i]);
        }
    }
    for (int i = 0; i < eccLength; ++i) {
        for (const QByteArray &block : eccBlocks)
            result.append(block[i]);
    }
    return result;
}

bool maskBit(int mask, int x, int y)
{
    switch (mask) {
    case 0:
        return (x + y) % 2 == 0;
    case 1:
        return y % 2 == 0;
    case 2:
        return x % 3 == 0;
    case 3:
        return (x + y) % 3 == 0;
    case 4:
        return (x / 3 + y / 2) % 2 == 0;
    case 5:
        return x * y % 2 + x * y % 3 == 0;
    case 6:
        return (x * y % 2 + x * y % 3) % 2 == 0;
    default:
        return ((x + y) % 2 + x * y % 3) % 2 == 0;
    }
}

/*!
 * The runs of one line, for rule N3 (1:1:3:1:1 finder-like patterns with 4 light modules on a
 * side): the last seven run lengths, newest first. The light border around the symbol counts
 * as part of the first and last light runs.
 */
class RunHistory
{
public:
    explicit RunHistory(int size)
        : m_size(size)
    { }

    void add(int runLength)
    {
        if (m_runs[0] == 0)
            runLength += m_size; // the light border before the line
        std::copy_backward(m_runs.begin(), m_runs.end() - 1, m_runs.end());
        m_runs[0] = runLength;
    }

    int finderLikePatterns() const
    {
        const int n = m_runs[1];
        const bool core
            = n > 0 && m_runs[2] == n && m_runs[3] == n * 3 && m_runs[4] == n && m_runs[5] == n;
        return (core && m_runs[0] >= n * 4 && m_runs[6] >= n ? 1 : 0)
            + (core && m_runs[6] >= n * 4 && m_runs[0] >= n ? 1 : 0);
    }

    //! Closes the line: its last run plus the light border after it.
    int terminate(bool runDark, int runLength)
    {
        if (runDark) {
            add(runLength);
            runLength = 0;
        }
        add(runLength + m_size);
        return finderLikePatterns();
    }

private:
    int m_size;
    std::array<int, 7> m_runs {};
};

} // namespace

QrCode::QrCode(int version)
    : m_version(version)
    , m_size(version * 4 + 17)
    , m_modules(qsizetype(m_size) * m_size, false)
    , m_function(qsizetype(m_size) * m_size, false)
{ }

std::optional<QrCode> QrCode::encode(QByteArrayView data, int mask)
{
    if (mask < -1 || mask > 7)
        return std::nullopt;
    int version = kMinVersion;
    // 4 bits of mode, 8 (16 from version 10) of length, 8 per byte.
    while (version <= kMaxVersion
        && 4 + (version <= 9 ? 8 : 16) + data.size() * 8 > dataCodewords(version) * 8)
        ++version;
    if (version > kMaxVersion)
        return std::nullopt;

    QrCode code(version);
    code.drawFunctionPatterns();
    code.drawCodewords(withErrorCorrection(dataBits(data, version), version));
    if (mask < 0) {
        long best = 0;
        for (int candidate = 0; candidate < 8; ++candidate) {
            code.applyMask(candidate);
            code.drawFormatBits(candidate);
            const long score = code.penalty();
            if (candidate == 0 || score < best) {
                best = score;
                mask = candidate;
            }
            code.applyMask(candidate); // XOR again: undone
        }
    }
    code.m_mask = mask;
    code.applyMask(mask);
    code.drawFormatBits(mask);
    return code;
}

bool QrCode::isDark(int x, int y) const
{
    if (x < 0 || y < 0 || x >= m_size || y >= m_size)
        return false;
    return m_modules[qsizetype(y) * m_size + x];
}

void QrCode::setFunction(int x, int y, bool dark)
{
    m_modules[qsizetype(y) * m_size + x] = dark;
    m_function[qsizetype(y) * m_size + x] = true;
}

void QrCode::drawFunctionPatterns()
{
    for (int i = 0; i < m_size; ++i) {
        setFunction(6, i, i % 2 == 0);
        setFunction(i, 6, i % 2 == 0);
    }
    drawFinder(3, 3);
    drawFinder(m_size - 4, 3);
    drawFinder(3, m_size - 4);
    const QList<int> positions = alignmentPositions(m_version);
    const qsizetype last = positions.size() - 1;
    for (qsizetype i = 0; i <= last; ++i) {
        for (qsizetype j = 0; j <= last; ++j) {
            // The three corners with a finder pattern have no alignment pattern.
            if ((i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0))
                continue;
            drawAlignment(positions[i], positions[j]);
        }
    }
    drawFormatBits(0); // reserves the format modules; the real bits come with the mask
    drawVersion();
}

void QrCode::drawFinder(int cx, int cy)
{
    // 7×7 rings (dark, light, dark 3×3 core) plus the light separator around them.
    for (int dy = -4; dy <= 4; ++dy) {
        for (int dx = -4; dx <= 4; ++dx) {
            const int distance = std::max(std::abs(dx), std::abs(dy));
            const int x = cx + dx;
            const int y = cy + dy;
            if (x >= 0 && x < m_size && y >= 0 && y < m_size)
                setFunction(x, y, distance != 2 && distance != 4);
        }
    }
}

void QrCode::drawAlignment(int cx, int cy)
{
    for (int dy = -2; dy <= 2; ++dy) {
        for (int dx = -2; dx <= 2; ++dx)
            setFunction(cx + dx, cy + dy, std::max(std::abs(dx), std::abs(dy)) != 1);
    }
}

void QrCode::drawFormatBits(int mask)
{
    // Level and mask, a BCH(15,5) code, XORed with 101010000010010.
    const int data = kFormatEccBitsM << 3 | mask;
    int remainder = data;
    for (int i = 0; i < 10; ++i)
        remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537);
    const int bits = (data << 10 | remainder) ^ 0x5412;
    const auto bit = [bits](int i) { return ((bits >> i) & 1) != 0; };

    // The copy around the top left finder.
    for (int i = 0; i <= 5; ++i)
        setFunction(8, i, bit(i));
    setFunction(8, 7, bit(6));
    setFunction(8, 8, bit(7));
    setFunction(7, 8, bit(8));
    for (int i = 9; i < 15; ++i)
        setFunction(14 - i, 8, bit(i));
    // The copy split between the other two finders.
    for (int i = 0; i < 8; ++i)
        setFunction(m_size - 1 - i, 8, bit(i));
    for (int i = 8; i < 15; ++i)
        setFunction(8, m_size - 15 + i, bit(i));
    setFunction(8, m_size - 8, true); // the dark module
}

void QrCode::drawVersion()
{
    if (m_version < 7)
        return;
    // The version, a BCH(18,6) code, in two 6×3 blocks beside the top right and bottom left
    // finders.
    int remainder = m_version;
    for (int i = 0; i < 12; ++i)
        remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25);
    const long bits = long(m_version) << 12 | remainder;
    for (int i = 0; i < 18; ++i) {
        const bool dark = ((bits >> i) & 1) != 0;
        const int a = m_size - 11 + i % 3;
        const int b = i / 3;
        setFunction(a, b, dark);
        setFunction(b, a, dark);
    }
}

void QrCode::drawCodewords(const QByteArray &codewords)
{
    // Two-module columns from the right, zigzagging up and down, skipping the vertical timing
    // pattern's column; bits past the codewords (remainder bits) stay light.
    const qsizetype totalBits = codewords.size() * 8;
    qsizetype i = 0;
    for (int right = m_size - 1; right >= 1; right -= 2) {
        if (right == 6)
            right = 5;
        const bool upward = ((right + 1) & 2) == 0;
        for (int vertical = 0; vertical < m_size; ++vertical) {
            const int y = upward ? m_size - 1 - vertical : vertical;
            for (int j = 0; j < 2; ++j) {
                const int x = right - j;
                const qsizetype at = qsizetype(y) * m_size + x;
                if (m_function[at] || i >= totalBits)
                    continue;
                m_modules[at] = ((quint8(codewords[i >> 3]) >> (7 - (i & 7))) & 1) != 0;
                ++i;
            }
        }
    }
}

void QrCode::applyMask(int mask)
{
    for (int y = 0; y < m_size; ++y) {
        for (int x = 0; x < m_size; ++x) {
            const qsizetype at = qsizetype(y) * m_size + x;
            if (!m_function[at] && maskBit(mask, x, y))
                m_modules[at] = !m_modules[at];
        }
    }
}

int QrCode::lineRunPenalty(bool rows) const
{
    // N1: runs of five or more modules of one colour; N3: finder-like patterns.
    int result = 0;
    for (int line = 0; line < m_size; ++line) {
        bool runDark = false;
        int runLength = 0;
        RunHistory history(m_size);
        for (int pos = 0; pos < m_size; ++pos) {
            const bool dark = rows ? isDark(pos, line) : isDark(line, pos);
            if (dark == runDark) {
                ++runLength;
                if (runLength == 5)
                    result += kPenaltyN1;
                else if (runLength > 5)
                    ++result;
                continue;
            }
            history.add(runLength);
            if (!runDark)
                result += history.finderLikePatterns() * kPenaltyN3;
            runDark = dark;
            runLength = 1;
        }
        result += history.terminate(runDark, runLength) * kPenaltyN3;
    }
    return result;
}

long QrCode::penalty() const
{
    long result = lineRunPenalty(true) + lineRunPenalty(false);
    // N2: 2×2 blocks of one colour.
    for (int y = 0; y < m_size - 1; ++y) {
        for (int x = 0; x < m_size - 1; ++x) {
            const bool dark = isDark(x, y);
            if (dark == isDark(x + 1, y) && dark == isDark(x, y + 1)
                && dark == isDark(x + 1, y + 1))
                result += kPenaltyN2;
        }
    }
    // N4: how far the share of dark modules is from half, in steps of 5 %.
    const long dark = std::count(m_modules.cbegin(), m_modules.cend(), true);
    const long total = long(m_size) * m_size;
    const long steps = (std::abs(dark * 20 - total * 10) + total - 1) / total - 1;
    return result + steps * kPenaltyN4;
}

} // namespace PunchDrop
