// SPDX-License-Identifier: GPL-3.0-or-later
// FileDigest: the two file digests against outside tools' answers (golden values from
// `xxh128sum` 0.8.1 and `sha256sum`), streamed in uneven pieces, and read mid-stream.
#include "transfer/filedigest.h"

#include <QTest>

using namespace PunchDrop;
using A = FileDigest::Algorithm;

class TestFileDigest : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void goldenValues_data();
    void goldenValues();
    void resultDoesNotEndTheStream();
};

void TestFileDigest::goldenValues_data()
{
    QTest::addColumn<A>("algorithm");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("hex");
    const QByteArray zeros(1000000, '\0');
    QTest::newRow("xxh3 empty") << A::Xxh3_128 << QByteArray()
                                << QByteArray("99aa06d3014798d86001c324468d497f");
    QTest::newRow("xxh3 abc") << A::Xxh3_128 << QByteArray("abc")
                              << QByteArray("06b05ab6733a618578af5f94892f3950");
    QTest::newRow("xxh3 1e6 zeros")
        << A::Xxh3_128 << zeros << QByteArray("ef233fc372a159319d648391f361d99a");
    QTest::newRow("sha256 abc")
        << A::Sha256 << QByteArray("abc")
        << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

void TestFileDigest::goldenValues()
{
    QFETCH(A, algorithm);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, hex);
    QCOMPARE(FileDigest::of(algorithm, input).toHex(), hex);
    QCOMPARE(FileDigest::of(algorithm, input).size(), FileDigest::size(algorithm));
    // Streamed in pieces of 1, 2, 3, ... bytes: the same digest.
    FileDigest streamed(algorithm);
    qsizetype at = 0;
    for (qsizetype piece = 1; at < input.size(); ++piece) {
        streamed.addData(QByteArrayView(input).sliced(at, qMin(piece, input.size() - at)));
        at += piece;
    }
    QCOMPARE(streamed.result().toHex(), hex);
}

void TestFileDigest::resultDoesNotEndTheStream()
{
    // A resume prefix is read mid-stream; the whole file's digest follows from the same state.
    for (const A algorithm : {A::Xxh3_128, A::Sha256}) {
        FileDigest d(algorithm);
        d.addData("ab");
        QCOMPARE(d.result(), FileDigest::of(algorithm, "ab"));
        d.addData("c");
        QCOMPARE(d.result(), FileDigest::of(algorithm, "abc"));
        d.reset();
        QCOMPARE(d.result(), FileDigest::of(algorithm, {}));
    }
    QCOMPARE(FileDigest::name(A::Xxh3_128), QLatin1StringView("xxh3-128"));
    QCOMPARE(FileDigest::name(A::Sha256), QLatin1StringView("sha256"));
}

QTEST_GUILESS_MAIN(TestFileDigest)
#include "tst_filedigest.moc"
