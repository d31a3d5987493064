// SPDX-License-Identifier: GPL-3.0-or-later
// CborBounds (src/net/wire/cborbounds.h): CBOR whose container headers declare more than the
// bytes that follow is refused before Qt's decoder reserves room for it (issue 12, L4: a 5 KB
// control frame of nested "one million entries" headers made the parser reserve ~1 GB). The
// memory effect is measured in a fresh child process (this executable, re-run with
// PUNCHDROP_CBOR_PROBE set), whose VmPeak is not inflated by earlier tests.

#include "net/wire/cborbounds.h"
#include "net/wire/controlprotocol.h"
#include "transfer/transferprotocol.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QTest>
#include <QtEndian>

#include <cstdio>

using namespace PunchDrop;

namespace {

constexpr char kProbeVariable[] = "PUNCHDROP_CBOR_PROBE";

//! \a levels nested arrays, each declaring 2^20 − 1 entries (5 bytes per level).
QByteArray nestedHugeArrays(int levels)
{
    QByteArray body;
    for (int i = 0; i < levels; ++i)
        body.append(QByteArray::fromHex("9a000fffff"));
    return body;
}

//! A control frame of 5 KB: header + 1000 levels.
QByteArray hostileControlFrame()
{
    const QByteArray body = nestedHugeArrays(1000);
    QByteArray frame(4, Qt::Uninitialized);
    qToBigEndian(quint32(body.size()), frame.data());
    return frame + body;
}

//! A transfer OFFER frame whose payload is {"x": <1000 nested huge arrays>}.
QByteArray hostileTransferFrame()
{
    const QByteArray payload = QByteArray::fromHex("a16178") + nestedHugeArrays(1000);
    QByteArray frame(4, Qt::Uninitialized);
    qToBigEndian(quint32(payload.size() + 1), frame.data());
    frame.append(char(Transfer::FrameType::Offer));
    return frame + payload;
}

qint64 vmPeakKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmPeak:"))
            return line.mid(7).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

//! Child side: parses the hostile frame named by the variable, prints "<VmPeak growth in kB>".
int probeMain()
{
    const QByteArray which = qgetenv(kProbeVariable);
    const qint64 before = vmPeakKb();
    bool refused = false;
    if (which == "control")
        refused = ControlProtocol::parse(hostileControlFrame()).status
            == ControlProtocol::Status::Malformed;
    else
        refused = Transfer::parseMessage(hostileTransferFrame()).status
            == Transfer::ParseStatus::Malformed;
    std::printf("%lld %d\n", static_cast<long long>(vmPeakKb() - before), refused ? 1 : 0);
    return 0;
}

} // namespace

class TestCborBounds : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void check_data();
    void check();
    void everyControlMessageIsWithinBounds();
    void hostileFrameReservesLittle_data();
    void hostileFrameReservesLittle();
};

void TestCborBounds::check_data()
{
    QTest::addColumn<QByteArray>("cbor");
    QTest::addColumn<QString>("refusal"); // empty: accepted; else a part of the reason
    QTest::newRow("empty input") << QByteArray() << QString();
    QTest::newRow("integer") << QByteArray::fromHex("00") << QString();
    QTest::newRow("array of 3, all there") << QByteArray::fromHex("83010203") << QString();
    QTest::newRow("map of 1, all there") << QByteArray::fromHex("a1616101") << QString();
    QTest::newRow("indefinite array") << QByteArray::fromHex("9f0102ff") << QString();
    QTest::newRow("array of 3, 2 there (truncated)")
        << QByteArray::fromHex("830102") << QStringLiteral("declares 3 entries");
    QTest::newRow("array declaring 4 with 3 bytes left")
        << QByteArray::fromHex("84010203") << QStringLiteral("declares 4 entries");
    QTest::newRow("map declaring 2 entries with 3 bytes left")
        << QByteArray::fromHex("a2010203") << QStringLiteral("map declares 2");
    QTest::newRow("array declaring 2^32 (Qt's reader refuses it with its own error)")
        << QByteArray::fromHex("9b000000010000000000") << QString();
    QTest::newRow("array declaring 2^20 - 1")
        << QByteArray::fromHex("9a000fffff00") << QStringLiteral("declares 1048575 entries");
    QTest::newRow("inner array takes bytes its parent's next entry needs")
        << QByteArray::fromHex("82820102") << QStringLiteral("declares 2 entries");
    QTest::newRow("16 levels") << (QByteArray(15, char(0x81)) + QByteArray::fromHex("8100"))
                               << QString();
    QTest::newRow("17 levels") << (QByteArray(16, char(0x81)) + QByteArray::fromHex("8100"))
                               << QStringLiteral("deeper than 16");
    QTest::newRow("17 levels of tags") << (QByteArray(17, char(0xc1)) + QByteArray::fromHex("00"))
                                       << QStringLiteral("deeper than 16");
    QTest::newRow("indefinite nesting") << (QByteArray(20, char(0x9f)) + QByteArray(20, char(0xff)))
                                        << QStringLiteral("deeper than 16");
}

void TestCborBounds::check()
{
    QFETCH(QByteArray, cbor);
    QFETCH(QString, refusal);
    const QString why = CborBounds::check(cbor);
    if (refusal.isEmpty())
        QCOMPARE(why, QString());
    else
        QVERIFY2(why.contains(refusal), qPrintable(why));
}

void TestCborBounds::everyControlMessageIsWithinBounds()
{
    // The deepest and widest messages the protocol sends pass untouched.
    Control::Peers peers;
    for (int i = 0; i < ControlProtocol::kMaxPeersPerFrame; ++i)
        peers.peers.append(Control::PeerEntry {DeviceId::fromDigest(QByteArray(32, char(i))),
            QStringLiteral("peer %1").arg(i), QStringLiteral("full-cone")});
    const QByteArray frame = ControlProtocol::encode(peers);
    QCOMPARE(
        CborBounds::check(QByteArrayView(frame).sliced(ControlProtocol::kHeaderSize)), QString());
    QCOMPARE(ControlProtocol::parse(frame).status, ControlProtocol::Status::Ok);
}

void TestCborBounds::hostileFrameReservesLittle_data()
{
    QTest::addColumn<QByteArray>("which");
    QTest::newRow("control frame, 5 KB") << QByteArray("control");
    QTest::newRow("transfer OFFER, 5 KB") << QByteArray("transfer");
}

void TestCborBounds::hostileFrameReservesLittle()
{
    QFETCH(QByteArray, which);
    QProcess child;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QString::fromLatin1(kProbeVariable), QString::fromLatin1(which));
    child.setProcessEnvironment(environment);
    child.start(QCoreApplication::applicationFilePath(), {});
    QVERIFY(child.waitForFinished(60000));
    QCOMPARE(child.exitCode(), 0);
    const QList<QByteArray> answer = child.readAllStandardOutput().trimmed().split(' ');
    QCOMPARE(answer.size(), 2);
    const qint64 growthKb = answer.at(0).toLongLong();
    qInfo("VmPeak growth while parsing: %lld KiB", static_cast<long long>(growthKb));
    QCOMPARE(answer.at(1), QByteArray("1")); // refused
    // Before the bound: ~1 GiB (1,028,164 KiB measured for the control frame).
    QVERIFY2(growthKb < 64 * 1024, qPrintable(QString::number(growthKb)));
}

int main(int argc, char *argv[])
{
    if (qEnvironmentVariableIsSet(kProbeVariable))
        return probeMain();
    QCoreApplication app(argc, argv);
    TestCborBounds test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_cborbounds.moc"
