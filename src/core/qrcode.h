// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArrayView>
#include <QList>

#include <optional>

namespace PunchDrop {

/*!
 * A QR code (ISO/IEC 18004) made from bytes: byte mode, error correction level M (about 15 %
 * of the symbol may be lost), versions 1 to 10 (21 to 57 modules a side, up to 213 bytes). It
 * is the device ID's QR code in the window header; written here rather than taken from a
 * library so the Windows cross build, which has no QR library, builds the same code.
 *
 * The mask is chosen by the standard's penalty rules (N1..N4), so the same bytes always give
 * the same symbol, module for module what other conforming encoders give
 * (tests/unit/tst_qrcode.cpp holds such symbols).
 */
class QrCode
{
public:
    static constexpr int kMinVersion = 1;
    static constexpr int kMaxVersion = 10;
    static constexpr int kMaxBytes = 213; //!< byte-mode capacity of version 10 at level M

    /*!
     * The smallest symbol that holds \a data, masked with \a mask (0..7) or, with -1, the mask of
     * least penalty. Nothing when the data do not fit in version 10 or the mask is out of range.
     */
    static std::optional<QrCode> encode(QByteArrayView data, int mask = -1);

    int version() const { return m_version; }
    int mask() const { return m_mask; }
    //! Modules a side, without the quiet zone (4 modules) a reader needs around the symbol.
    int size() const { return m_size; }
    //! Whether the module in column \a x, row \a y is dark; outside the symbol it is not.
    bool isDark(int x, int y) const;

private:
    QrCode(int version);

    void setFunction(int x, int y, bool dark);
    void drawFunctionPatterns();
    void drawFinder(int cx, int cy);
    void drawAlignment(int cx, int cy);
    void drawFormatBits(int mask);
    void drawVersion();
    void drawCodewords(const QByteArray &codewords);
    void applyMask(int mask);
    long penalty() const;
    int lineRunPenalty(bool rows) const;

    int m_version = 0;
    int m_size = 0;
    int m_mask = 0;
    QList<bool> m_modules;
    QList<bool> m_function; //!< finder, timing, alignment, format and version modules
};

} // namespace PunchDrop
