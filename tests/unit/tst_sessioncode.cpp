// SPDX-License-Identifier: GPL-3.0-or-later
// SessionCode: the commit-then-reveal code both people compare. Pure tests; the flow through a
// real transfer (both sides show the same code, a forged reveal is refused) is in
// tst_transfersession.

#include "net/wire/sessioncode.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace PunchDrop;

namespace {

DeviceId idFrom(quint32 n)
{
    QByteArray seed(4, Qt::Uninitialized);
    for (int i = 0; i < 4; ++i)
        seed[i] = char(n >> (8 * i));
    return DeviceId::fromDigest(QCryptographicHash::hash(seed, QCryptographicHash::Sha256));
}

QByteArray nonce(char fill)
{
    return QByteArray(SessionCode::kNonceSize, fill);
}

//! The code of PunchDrop ≤ 0.1 (wire v1), fixed per pair of devices: what an attacker ground.
quint32 oldPairCode(const DeviceId &a, const DeviceId &b)
{
    const bool ordered = a < b;
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArrayLiteral("punchdrop-verification-v1"));
    hash.addData((ordered ? a : b).digest());
    hash.addData((ordered ? b : a).digest());
    const QByteArray d = hash.result();
    return (quint32(quint8(d[0])) << 24 | quint32(quint8(d[1])) << 16 | quint32(quint8(d[2])) << 8
               | quint32(quint8(d[3])))
        % 1000000u;
}

} // namespace

class TestSessionCode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void format();
    void commitmentOpensOnlyItsNonce();
    void everyInputChangesTheCode_data();
    void everyInputChangesTheCode();
    void sessionsOfOnePairDiffer();
    void pairGrindingNoLongerFixesTheCode();
};

void TestSessionCode::format()
{
    const QString code = SessionCode::derive(idFrom(1), idFrom(2), nonce('s'), nonce('r'));
    QVERIFY2(QRegularExpression(QStringLiteral("^\\d{3} \\d{3}$")).match(code).hasMatch(),
        qPrintable(code));
    QCOMPARE(SessionCode::derive(idFrom(1), idFrom(2), nonce('s'), nonce('r')), code);
    QVERIFY(SessionCode::derive(idFrom(1), idFrom(2), nonce('s'), QByteArray(31, 'r')).isEmpty());
    QVERIFY(SessionCode::derive(DeviceId(), idFrom(2), nonce('s'), nonce('r')).isEmpty());
    QCOMPARE(SessionCode::newNonce().size(), SessionCode::kNonceSize);
    QVERIFY(SessionCode::newNonce() != SessionCode::newNonce());
}

void TestSessionCode::commitmentOpensOnlyItsNonce()
{
    const QByteArray n = SessionCode::newNonce();
    const QByteArray c = SessionCode::commitment(n);
    QCOMPARE(c.size(), SessionCode::kNonceSize);
    QVERIFY(c != n);
    QVERIFY(SessionCode::opens(c, n));
    QByteArray other = n;
    other[0] = char(other[0] ^ 1);
    QVERIFY(!SessionCode::opens(c, other));
    QVERIFY(!SessionCode::opens(c, QByteArray()));
    QVERIFY(!SessionCode::opens(QByteArray(), n));
}

void TestSessionCode::everyInputChangesTheCode_data()
{
    QTest::addColumn<QString>("other");
    const QString base = SessionCode::derive(idFrom(1), idFrom(2), nonce('s'), nonce('r'));
    // A relay that forwards the honest nonces between two sessions of its own still has other
    // IDs in each: the IDs are part of the code, so forwarding does not make codes match.
    QTest::newRow("other sender") << SessionCode::derive(
        idFrom(3), idFrom(2), nonce('s'), nonce('r'));
    QTest::newRow("other receiver")
        << SessionCode::derive(idFrom(1), idFrom(3), nonce('s'), nonce('r'));
    QTest::newRow("roles swapped")
        << SessionCode::derive(idFrom(2), idFrom(1), nonce('s'), nonce('r'));
    QTest::newRow("other sender nonce")
        << SessionCode::derive(idFrom(1), idFrom(2), nonce('t'), nonce('r'));
    QTest::newRow("other receiver nonce")
        << SessionCode::derive(idFrom(1), idFrom(2), nonce('s'), nonce('q'));
    QTest::newRow("nonces swapped")
        << SessionCode::derive(idFrom(1), idFrom(2), nonce('r'), nonce('s'));
    QVERIFY(!base.isEmpty());
}

void TestSessionCode::everyInputChangesTheCode()
{
    QFETCH(QString, other);
    QVERIFY(!other.isEmpty());
    QVERIFY(other != SessionCode::derive(idFrom(1), idFrom(2), nonce('s'), nonce('r')));
}

void TestSessionCode::sessionsOfOnePairDiffer()
{
    // One pair of devices, 200 sessions with fresh nonces: the code is not a property of the
    // pair (200 draws from 10^6 values collide with probability ~2%: allow a few repeats).
    QSet<QString> codes;
    for (int i = 0; i < 200; ++i)
        codes.insert(SessionCode::derive(
            idFrom(1), idFrom(2), SessionCode::newNonce(), SessionCode::newNonce()));
    QVERIFY2(codes.size() >= 195, qPrintable(QString::number(codes.size())));
}

void TestSessionCode::pairGrindingNoLongerFixesTheCode()
{
    // The old attack (issue 12, H3): for a target pair A→B, grind identities M until the pair
    // code A–M equals the pair code M–B; M then sits between A and B and both people read the
    // same six digits. Device IDs stand in for keys here (an ID is the hash of a key).
    const DeviceId a = idFrom(0xa11ce), b = idFrom(0xb0b);
    DeviceId m;
    for (quint32 i = 1; i < (1u << 24) && m.isNull(); ++i) {
        const DeviceId candidate = idFrom(0x10000000u + i);
        if (oldPairCode(a, candidate) == oldPairCode(candidate, b))
            m = candidate;
    }
    QVERIFY2(!m.isNull(), "the old code should be grindable within 2^24 tries");
    // With session codes the ground M is worth nothing: in its session with A (M receives) and
    // its session with B (M sends), each code depends on a nonce of the honest side that M
    // learns only after its own nonce is fixed. Its codes with A and with B over many sessions
    // agree no more often than chance.
    int equal = 0;
    for (int i = 0; i < 200; ++i) {
        const QString withA = SessionCode::derive(a, m, SessionCode::newNonce(), nonce('m'));
        const QString withB = SessionCode::derive(m, b, nonce('m'), SessionCode::newNonce());
        equal += withA == withB ? 1 : 0;
    }
    QVERIFY2(equal <= 1, qPrintable(QString::number(equal)));
}

QTEST_GUILESS_MAIN(TestSessionCode)
#include "tst_sessioncode.moc"
