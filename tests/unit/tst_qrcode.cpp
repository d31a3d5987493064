// SPDX-License-Identifier: GPL-3.0-or-later
// QrCode: symbols compared module for module with an independent encoder (Nayuki's QR Code
// generator 1.8.0, Debian's libqrcodegencpp-dev, at level M, byte mode, no ECC boost), small ones
// as pictures and large ones as the SHA-256 of their picture; every version read back by zbarimg.

#include "core/qrcode.h"
#include "support/testhelpers.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace PunchDrop;

namespace {

//! One line per row, '#' dark and '.' light, each ending in '\n'.
QByteArray picture(const QrCode &code)
{
    QByteArray text;
    for (int y = 0; y < code.size(); ++y) {
        for (int x = 0; x < code.size(); ++x)
            text.append(code.isDark(x, y) ? '#' : '.');
        text.append('\n');
    }
    return text;
}

//! \a count bytes repeating \a pattern.
QByteArray repeated(QByteArrayView pattern, int count)
{
    QByteArray data;
    for (int i = 0; i < count; ++i)
        data.append(pattern[i % pattern.size()]);
    return data;
}

//! Bytes over the whole 0..255 range, to catch sign mistakes.
QByteArray binary(int count)
{
    QByteArray data;
    for (int i = 0; i < count; ++i)
        data.append(char((i * 37 + 11) & 255));
    return data;
}

// The symbol's picture with a 4-module quiet zone, 4 pixels a module, as a binary PGM.
QByteArray pgm(const QrCode &code)
{
    constexpr int kScale = 4;
    constexpr int kQuiet = 4;
    const int side = (code.size() + 2 * kQuiet) * kScale;
    QByteArray image
        = "P5\n" + QByteArray::number(side) + ' ' + QByteArray::number(side) + "\n255\n";
    for (int py = 0; py < side; ++py) {
        for (int px = 0; px < side; ++px) {
            const bool dark = code.isDark(px / kScale - kQuiet, py / kScale - kQuiet);
            image.append(char(dark ? 0 : 255));
        }
    }
    return image;
}

// Byte-mode capacity at level M of versions 1..10 (ISO/IEC 18004 table 7).
constexpr int kCapacity[] = {14, 26, 42, 62, 84, 106, 122, 152, 180, 213};

} // namespace

class TestQrCode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void golden_data();
    void golden();
    void versionBoundaries_data();
    void versionBoundaries();
    void refusesWhatDoesNotFit();
    void zbarReadsEveryVersion_data();
    void zbarReadsEveryVersion();
};

void TestQrCode::golden_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("forcedMask");
    QTest::addColumn<int>("version");
    QTest::addColumn<int>("mask");
    QTest::addColumn<QByteArray>("expected"); // the picture, or its SHA-256 in hex

    QTest::newRow("v1 text") << QByteArray("PunchDrop") << -1 << 1 << 2
                             << QByteArray("#######...##..#######\n"
                                           "#.....#..###..#.....#\n"
                                           "#.###.#.#.##..#.###.#\n"
                                           "#.###.#.#####.#.###.#\n"
                                           "#.###.#.#...#.#.###.#\n"
                                           "#.....#.#.##..#.....#\n"
                                           "#######.#.#.#.#######\n"
                                           "........##...........\n"
                                           "#.#####..###..#####..\n"
                                           "#.####...############\n"
                                           ".##.#.##....###..###.\n"
                                           ".#.##..#..####.####..\n"
                                           "......#####.####.....\n"
                                           "........##..#...##.#.\n"
                                           "#######..#.#.......#.\n"
                                           "#.....#.##.....#.###.\n"
                                           "#.###.#.#.##........#\n"
                                           "#.###.#.#..#####..#..\n"
                                           "#.###.#.###.#.#..#...\n"
                                           "#.....#....#####.##..\n"
                                           "#######.##..#..##..#.\n");
    // A device ID as the header shows it (52 base32 characters).
    QTest::newRow("v4 device id") << QByteArray(
        "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTEMZUGU3D")
                                  << -1 << 4 << 6
                                  << QByteArray("#######.##......#...##..#.#######\n"
                                                "#.....#.##.#....##.##.#...#.....#\n"
                                                "#.###.#.#..##..#.##..#..#.#.###.#\n"
                                                "#.###.#..###........#...#.#.###.#\n"
                                                "#.###.#.##.#..##.##.##.#..#.###.#\n"
                                                "#.....#..##.#.#...#..####.#.....#\n"
                                                "#######.#.#.#.#.#.#.#.#.#.#######\n"
                                                "..........##.##....#.............\n"
                                                "#..######..#...##..###...#..#.###\n"
                                                "..#.......###......####...#######\n"
                                                "#.#..##..#.#..##.##..###.###.#.##\n"
                                                "##..#..##..##.#.##.##......##.###\n"
                                                "##.#..###..#.##.######.#..###.#..\n"
                                                "#.####.##.#..#..#..#.##...##.####\n"
                                                "#...#####.#.#.#.#..###.....#.....\n"
                                                ".#..##.####.#..#..###.#.#..##.###\n"
                                                "#...#.##..#..##.##..###..###...#.\n"
                                                ".##.......#.##......####...####..\n"
                                                "#########.....##...#..####.#.#..#\n"
                                                "#####..##...##...##......#..###.#\n"
                                                ".#..#.###.###......###........#..\n"
                                                "#.##.#....#..##.#.####...##.#.#.#\n"
                                                "#....###..#..######....#.#..#..##\n"
                                                "#...#....#.#.#..###.#..###.#..#..\n"
                                                "###########..###.#.#.#..#######.#\n"
                                                "........##..##..#.##...##...###.#\n"
                                                "#######.#.####.##.##.#..#.#.##...\n"
                                                "#.....#.#..#...##..#...##...####.\n"
                                                "#.###.#.##.#...#.###.##########.#\n"
                                                "#.###.#.#.#.##......####.#.###.##\n"
                                                "#.###.#..#..###.#..#...#..#.#####\n"
                                                "#.....#.......###.......#########\n"
                                                "#######.###.###.#..#.#.###..#.#..\n");
    QTest::newRow("v6 binary, 4 blocks")
        << binary(100) << -1 << 6 << 4
        << QByteArray("08e492a6eac5f2067a3e22244ce4ea3ded968c2f4b977fb65d4fa6ad302c4cd6");
    QTest::newRow("v8 version information, 2 block lengths")
        << repeated("The quick brown fox jumps over the lazy dog. ", 150) << -1 << 8 << 2
        << QByteArray("2702e12785b2ef775628aca3692e0e8b2147bda6214df5e0a17a6ec4d73d50bc");
    QTest::newRow("v10 full, 16-bit length")
        << repeated("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 213) << -1 << 10 << 2
        << QByteArray("93c38b0944ec3ff3ae7a3ef246e39bb4378dc40b61360ef03046e64d86b813b8");
    // Each mask pattern and its format bits, forced.
    const QByteArray url("https://punchdrop.example/#");
    const QByteArray forced[] = {
        "b74bd75d1fc37069a8b657a615a70dd3c9707446d957c9b24d8f10f2175afaf2",
        "6a53e7d8cdcfbb3a2361ae799ba1fea2e2f400deaf1e148168d77ce1ddb1ac9a",
        "0ff4e1b0b4c6efdcb900ad4dc3ad8ed585a213dff5acf34454fe136b06e362ce",
        "22bdb1f7d9ad8cb837af67952e16123be0c48a08d0f5de0ccd061063aa9bcd18",
        "bc86f8319c0e1588dee6e2f6155bd3aaddcd47ac81386918977e9c1c4198db2a",
        "6db62efd670c84702436a43e495393e0fc53c2c5beda43519d73920629ca2fa9",
        "d8baf8595836148ed486753dc750c1f2b8857ca6e70c88b23602ec0fae4e9b35",
        "81509dcb078dfb01e8039ece28a9401ae7042cf5a3846009949cedac18654fbf",
    };
    for (int mask = 0; mask < 8; ++mask) {
        QTest::addRow("v3 mask %d", mask) << url << mask << 3 << mask << QByteArray(forced[mask]);
    }
}

void TestQrCode::golden()
{
    QFETCH(QByteArray, data);
    QFETCH(int, forcedMask);
    QFETCH(int, version);
    QFETCH(int, mask);
    QFETCH(QByteArray, expected);

    const std::optional<QrCode> code = QrCode::encode(data, forcedMask);
    QVERIFY(code);
    QCOMPARE(code->version(), version);
    QCOMPARE(code->size(), version * 4 + 17);
    QCOMPARE(code->mask(), mask);
    const QByteArray actual = picture(*code);
    if (expected.contains('\n')) {
        QCOMPARE(actual, expected);
    } else {
        const QByteArray digest = QCryptographicHash::hash(actual, QCryptographicHash::Sha256);
        if (digest.toHex() != expected)
            qWarning().noquote() << "encoded:\n" << actual;
        QCOMPARE(digest.toHex(), expected);
    }
}

void TestQrCode::versionBoundaries_data()
{
    QTest::addColumn<int>("bytes");
    QTest::addColumn<int>("version");
    QTest::newRow("empty") << 0 << 1;
    for (int v = 1; v <= 10; ++v) {
        QTest::addRow("v%d full", v) << kCapacity[v - 1] << v;
        if (v < 10)
            QTest::addRow("v%d plus one", v) << kCapacity[v - 1] + 1 << v + 1;
    }
}

void TestQrCode::versionBoundaries()
{
    QFETCH(int, bytes);
    QFETCH(int, version);
    const std::optional<QrCode> code = QrCode::encode(QByteArray(bytes, 'x'));
    QVERIFY(code);
    QCOMPARE(code->version(), version);
}

void TestQrCode::refusesWhatDoesNotFit()
{
    QVERIFY(!QrCode::encode(QByteArray(QrCode::kMaxBytes + 1, 'x')));
    QVERIFY(QrCode::encode(QByteArray(QrCode::kMaxBytes, 'x')));
    QVERIFY(!QrCode::encode("x", 8));
    QVERIFY(!QrCode::encode("x", -2));
    const std::optional<QrCode> code = QrCode::encode("x");
    QVERIFY(code);
    QVERIFY(!code->isDark(-1, 0));
    QVERIFY(!code->isDark(0, code->size()));
    QVERIFY(code->isDark(0, 0)); // a finder pattern's corner
}

void TestQrCode::zbarReadsEveryVersion_data()
{
    QTest::addColumn<int>("version");
    for (int v = 1; v <= 10; ++v)
        QTest::addRow("v%d", v) << v;
}

void TestQrCode::zbarReadsEveryVersion()
{
    QFETCH(int, version);
    if (Test::zbarimgPath().isEmpty())
        PUNCHDROP_SKIP_UNLESS_CI("zbarimg (zbar-tools, scripts/install-deps.sh) is not installed");

    const QByteArray text
        = repeated("PunchDrop-QR-0123456789-abcdefghijklmnopqrstuvwxyz.", kCapacity[version - 1]);
    const std::optional<QrCode> code = QrCode::encode(text);
    QVERIFY(code);
    QCOMPARE(code->version(), version);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("code.pgm"));
    QVERIFY(Test::writeFile(path, pgm(*code)));

    const Test::ProcessResult read = Test::readQrCode(path);
    QVERIFY2(read.finished && read.exitCode == 0, read.err.constData());
    QCOMPARE(read.out.trimmed(), text);
}

QTEST_GUILESS_MAIN(TestQrCode)
#include "tst_qrcode.moc"
