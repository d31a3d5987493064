// SPDX-License-Identifier: GPL-3.0-or-later
// The control link's record layer on its own (src/net/security/recordcipher.h): known answers
// (golden bytes computed outside this code base, and AES-GCM recomputed here from first
// principles: AES-256 block encryptions and a bitwise GHASH, no GCM implementation involved),
// round trips, tampering, replay, reordering and counter exhaustion.

#include "net/security/recordcipher.h"
#include "support/testhelpers.h"

#include <QTest>
#include <QtEndian>

#include <openssl/evp.h>

#include <memory>

using namespace PunchDrop;

namespace {

using Status = RecordCipher::Status;
using Error = RecordCipher::Error;

RecordCipher::Key keyFrom(const QByteArray &bytes)
{
    RecordCipher::Key key {};
    std::copy_n(reinterpret_cast<const unsigned char *>(bytes.constData()), key.size(), key.data());
    return key;
}

//! 00 01 02 … 1f, the key of the golden vectors.
RecordCipher::Key countingKey()
{
    QByteArray bytes;
    for (int i = 0; i < RecordCipher::kKeySize; ++i)
        bytes.append(char(i));
    return keyFrom(bytes);
}

// ---- AES-GCM from first principles (NIST SP 800-38D), as an independent reference --------

using Block = std::array<unsigned char, 16>;

Block aesBlock(const RecordCipher::Key &key, const Block &in)
{
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(
        EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
    Block out {};
    int n = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr, key.data(), nullptr) != 1
        || EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1
        || EVP_EncryptUpdate(ctx.get(), out.data(), &n, in.data(), int(in.size())) != 1)
        qFatal("AES-256-ECB unavailable");
    return out;
}

//! X · Y in GF(2^128) with GCM's bit order (SP 800-38D, algorithm 1).
Block gfMultiply(const Block &x, const Block &y)
{
    Block z {};
    Block v = y;
    for (int i = 0; i < 128; ++i) {
        if (x[i / 8] & (0x80 >> (i % 8))) {
            for (int j = 0; j < 16; ++j)
                z[j] ^= v[j];
        }
        const bool lsb = v[15] & 1;
        for (int j = 15; j > 0; --j)
            v[j] = static_cast<unsigned char>((v[j] >> 1) | (v[j - 1] << 7));
        v[0] >>= 1;
        if (lsb)
            v[0] ^= 0xe1;
    }
    return z;
}

void ghashAbsorb(Block &state, const Block &h, QByteArrayView data)
{
    for (qsizetype at = 0; at < data.size(); at += 16) {
        Block chunk {};
        std::copy_n(data.data() + at, qMin<qsizetype>(16, data.size() - at), chunk.begin());
        for (int j = 0; j < 16; ++j)
            state[j] ^= chunk[j];
        state = gfMultiply(state, h);
    }
}

//! The record for (key, counter, plaintext) by the format's definition.
QByteArray referenceRecord(const RecordCipher::Key &key, quint64 counter, QByteArrayView plaintext)
{
    QByteArray header(4, Qt::Uninitialized);
    qToBigEndian(quint32(plaintext.size() + 16), header.data());
    Block j0 {};
    qToBigEndian(counter, j0.data() + 4); // nonce = 4 zero bytes ‖ counter
    j0[15] = 1; // 96-bit IV: J0 = IV ‖ 0^31 ‖ 1
    QByteArray ciphertext(plaintext.size(), Qt::Uninitialized);
    Block ctr = j0;
    for (qsizetype at = 0; at < plaintext.size(); at += 16) {
        qToBigEndian(qFromBigEndian<quint32>(ctr.data() + 12) + 1, ctr.data() + 12);
        const Block stream = aesBlock(key, ctr);
        for (qsizetype i = at; i < qMin(at + 16, plaintext.size()); ++i)
            ciphertext[i] = char(plaintext[i] ^ stream[i - at]);
    }
    const Block h = aesBlock(key, Block {});
    Block s {};
    ghashAbsorb(s, h, header);
    ghashAbsorb(s, h, ciphertext);
    Block lengths {};
    qToBigEndian(quint64(header.size()) * 8, lengths.data());
    qToBigEndian(quint64(ciphertext.size()) * 8, lengths.data() + 8);
    ghashAbsorb(s, h, QByteArrayView(lengths.data(), 16));
    const Block mask = aesBlock(key, j0);
    QByteArray tag(16, Qt::Uninitialized);
    for (int i = 0; i < 16; ++i)
        tag[i] = char(s[i] ^ mask[i]);
    return header + ciphertext + tag;
}

QByteArray sealOne(RecordCipher &cipher, QByteArrayView plaintext)
{
    QByteArray out;
    const RecordCipher::SealResult r = cipher.seal(plaintext, out);
    if (!r.ok())
        qWarning() << "seal failed:" << r.errorString;
    return out;
}

} // namespace

class TestRecordCipher : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void goldenRecords_data();
    void goldenRecords();
    void matchesFirstPrinciplesGcm_data();
    void matchesFirstPrinciplesGcm();
    void roundTripSplitsLargePlaintext();
    void piecesSealAsTheirJoin();
    void partialInputIsIncomplete();
    void emptyPlaintextSealsNothing();
    void badLength_data();
    void badLength();
    void tampering_data();
    void tampering();
    void replayedRecordIsRejected();
    void reorderedRecordsAreRejected();
    void otherKeyIsRejected();
    void sealStopsBeforeTheLastCounter();
    void openStopsAtTheLastCounter();
};

void TestRecordCipher::goldenRecords_data()
{
    // Computed with Python's `cryptography` (AESGCM(key).encrypt(nonce, plaintext, aad=header)),
    // key 00 01 … 1f, nonce 00000000 ‖ counter (u64 BE), header = u32 BE (plaintext + 16).
    QTest::addColumn<quint64>("counter");
    QTest::addColumn<QByteArray>("plaintext");
    QTest::addColumn<QByteArray>("record");
    QTest::newRow("counter 0, 'hello'")
        << quint64(0) << QByteArray("hello")
        << QByteArray::fromHex("0000001566d9d9b2dab2f5262d8e43e11bff6ae28d7da1687a");
    QTest::newRow("counter 1, 24 bytes (two blocks)")
        << quint64(1) << QByteArray("PunchDrop control record")
        << QByteArray::fromHex("0000002845a3d19f2cb042717e0e325682d2489879bf6e3107dd26e037f1787d4f2"
                               "ab65dfe27797fece8658b");
    QTest::newRow("counter 2^64-2 (the last usable), 'x'")
        << (RecordCipher::kLastCounter - 1) << QByteArray("x")
        << QByteArray::fromHex("000000119ec573a1c25ee2ad8d085420b2ce987894");
}

void TestRecordCipher::goldenRecords()
{
    QFETCH(quint64, counter);
    QFETCH(QByteArray, plaintext);
    QFETCH(QByteArray, record);
    RecordCipher sender(countingKey(), counter);
    QCOMPARE(sealOne(sender, plaintext).toHex(), record.toHex());
    QCOMPARE(sender.counter(), counter + 1);
    RecordCipher receiver(countingKey(), counter);
    const RecordCipher::OpenResult opened = receiver.open(record);
    QCOMPARE(opened.status, Status::Ok);
    QCOMPARE(opened.consumed, record.size());
    QCOMPARE(opened.plaintext, plaintext);
}

void TestRecordCipher::matchesFirstPrinciplesGcm_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<quint64>("counter");
    QTest::newRow("1 byte, counter 0") << qsizetype(1) << quint64(0);
    QTest::newRow("15 bytes, counter 7") << qsizetype(15) << quint64(7);
    QTest::newRow("16 bytes, counter 2^32") << qsizetype(16) << (quint64(1) << 32);
    QTest::newRow("17 bytes, counter 2^32-1") << qsizetype(17) << quint64(0xffffffff);
    QTest::newRow("1000 bytes, counter 2^63") << qsizetype(1000) << (quint64(1) << 63);
    QTest::newRow("largest record") << RecordCipher::kMaxPlaintext << quint64(42);
}

void TestRecordCipher::matchesFirstPrinciplesGcm()
{
    QFETCH(qsizetype, size);
    QFETCH(quint64, counter);
    const RecordCipher::Key key = keyFrom(Test::randomBytes(32, quint32(size)));
    const QByteArray plaintext = Test::randomBytes(size, quint32(counter));
    RecordCipher sender(key, counter);
    const QByteArray record = sealOne(sender, plaintext);
    QCOMPARE(record.size(), RecordCipher::kLengthSize + size + RecordCipher::kTagSize);
    QCOMPARE(record, referenceRecord(key, counter, plaintext));
}

void TestRecordCipher::roundTripSplitsLargePlaintext()
{
    const RecordCipher::Key key = keyFrom(Test::randomBytes(32, 1));
    RecordCipher sender(key);
    RecordCipher receiver(key);
    const QList<QByteArray> messages {QByteArray("a"), Test::randomBytes(5000, 2),
        Test::randomBytes(2 * RecordCipher::kMaxPlaintext + 3, 3)};
    QByteArray wire;
    for (const QByteArray &m : messages)
        QVERIFY(sender.seal(m, wire).ok());
    QCOMPARE(sender.counter(), quint64(5)); // 1 + 1 + 3 records
    QByteArray received;
    qsizetype offset = 0;
    for (int records = 0; offset < wire.size() && records < 10; ++records) {
        const RecordCipher::OpenResult r = receiver.open(QByteArrayView(wire).sliced(offset));
        QCOMPARE(r.status, Status::Ok);
        QVERIFY(r.plaintext.size() <= RecordCipher::kMaxPlaintext);
        received += r.plaintext;
        offset += r.consumed;
    }
    QCOMPARE(offset, wire.size());
    QCOMPARE(receiver.counter(), quint64(5));
    QCOMPARE(received, messages.join());
}

void TestRecordCipher::piecesSealAsTheirJoin()
{
    // A FILES frame is sealed from its pieces (CBOR glue, each file's bytes where it is): the
    // record must be the one its joined plaintext gives, whatever the pieces' sizes and
    // alignment to the 16-byte blocks (empty ones too).
    const RecordCipher::Key key = keyFrom(Test::randomBytes(32, 40));
    const QByteArray whole = Test::randomBytes(60000, 41);
    const QList<qsizetype> cuts {0, 1, 1, 17, 33, 4096, 4097, 4113, 50000, 59999, 60000};
    QList<QByteArrayView> pieces;
    for (qsizetype k = 1; k < cuts.size(); ++k)
        pieces.append(QByteArrayView(whole).sliced(cuts.at(k - 1), cuts.at(k) - cuts.at(k - 1)));
    RecordCipher joined(key, 7);
    RecordCipher split(key, 7);
    QByteArray expected;
    QByteArray got;
    QVERIFY(joined.sealRecord(whole, {}, expected).ok());
    QVERIFY(split.sealRecord(pieces, got).ok());
    QCOMPARE(got.toHex(), expected.toHex());
    RecordCipher receiver(key, 7);
    const RecordCipher::OpenResult opened = receiver.open(got);
    QCOMPARE(opened.status, Status::Ok);
    QCOMPARE(opened.plaintext, whole);
    // Too long together is refused as one long piece is, and nothing is appended.
    QList<QByteArrayView> tooLong {QByteArrayView(whole), QByteArrayView(whole)};
    const qsizetype before = got.size();
    QCOMPARE(split.sealRecord(tooLong, got).error, RecordCipher::Error::Oversize);
    QCOMPARE(got.size(), before);
}

void TestRecordCipher::partialInputIsIncomplete()
{
    const RecordCipher::Key key = keyFrom(Test::randomBytes(32, 4));
    RecordCipher sender(key);
    const QByteArray record = sealOne(sender, Test::randomBytes(100, 5));
    RecordCipher receiver(key);
    for (qsizetype n = 0; n < record.size(); ++n) {
        const RecordCipher::OpenResult r = receiver.open(QByteArrayView(record).first(n));
        QCOMPARE(r.status, Status::Incomplete);
        QCOMPARE(r.consumed, 0);
    }
    QCOMPARE(receiver.counter(), quint64(0));
    QCOMPARE(receiver.open(QByteArray(record + "trailing")).consumed, record.size());
}

void TestRecordCipher::emptyPlaintextSealsNothing()
{
    RecordCipher sender(countingKey());
    QByteArray out("kept");
    QVERIFY(sender.seal({}, out).ok());
    QCOMPARE(out, QByteArray("kept"));
    QCOMPARE(sender.counter(), quint64(0));
}

void TestRecordCipher::badLength_data()
{
    QTest::addColumn<quint32>("length");
    QTest::newRow("zero") << quint32(0);
    QTest::newRow("tag only (empty record)") << quint32(RecordCipher::kTagSize);
    QTest::newRow("one past the largest")
        << quint32(RecordCipher::kMaxPlaintext + RecordCipher::kTagSize + 1);
    QTest::newRow("4 GiB") << quint32(0xffffffff);
}

void TestRecordCipher::badLength()
{
    QFETCH(quint32, length);
    QByteArray header(4, Qt::Uninitialized);
    qToBigEndian(length, header.data());
    RecordCipher receiver(countingKey());
    // Refused from the 4 length bytes alone: nothing waits for (or reserves) the body.
    const RecordCipher::OpenResult r = receiver.open(header);
    QCOMPARE(r.status, Status::Malformed);
    QCOMPARE(r.error, Error::Oversize);
    QVERIFY(r.errorString.contains(QStringLiteral("out of range")));
}

void TestRecordCipher::tampering_data()
{
    QTest::addColumn<qsizetype>("bit"); // bit index into the record to flip
    // A 30-byte plaintext: the record is 4 + 30 + 16 = 50 bytes.
    QTest::newRow("length header, low bit") << qsizetype(3 * 8 + 7);
    QTest::newRow("first ciphertext bit") << qsizetype(4 * 8);
    QTest::newRow("last ciphertext bit") << qsizetype(33 * 8 + 7);
    QTest::newRow("first tag bit") << qsizetype(34 * 8);
    QTest::newRow("last tag bit") << qsizetype(49 * 8 + 7);
}

void TestRecordCipher::tampering()
{
    QFETCH(qsizetype, bit);
    const RecordCipher::Key key = keyFrom(Test::randomBytes(32, 6));
    RecordCipher sender(key);
    QByteArray record = sealOne(sender, Test::randomBytes(30, 7));
    QCOMPARE(record.size(), 50);
    record[bit / 8] = char(record[bit / 8] ^ (0x80 >> (bit % 8)));
    // Followed by a second genuine record, so a shortened length cannot just wait for more.
    const QByteArray wire = record + sealOne(sender, Test::randomBytes(30, 8));
    RecordCipher receiver(key);
    const RecordCipher::OpenResult r = receiver.open(wire);
    QCOMPARE(r.status, Status::Malformed);
    QCOMPARE(r.error, Error::Integrity);
    QCOMPARE(r.plaintext, QByteArray());
    QCOMPARE(receiver.counter(), quint64(0));
}

void TestRecordCipher::replayedRecordIsRejected()
{
    const RecordCipher::Key key = keyFrom(Test::randomBytes(32, 9));
    RecordCipher sender(key);
    const QByteArray first = sealOne(sender, "first");
    RecordCipher receiver(key);
    QCOMPARE(receiver.open(first).status, Status::Ok);
    const RecordCipher::OpenResult again = receiver.open(first);
    QCOMPARE(again.status, Status::Malformed);
    QCOMPARE(again.error, Error::Integrity);
    QVERIFY(again.errorString.contains(QStringLiteral("record 1")));
}

void TestRecordCipher::reorderedRecordsAreRejected()
{
    const RecordCipher::Key key = keyFrom(Test::randomBytes(32, 10));
    RecordCipher sender(key);
    const QByteArray first = sealOne(sender, "first");
    const QByteArray second = sealOne(sender, "second");
    RecordCipher receiver(key);
    QCOMPARE(receiver.open(second).error, Error::Integrity); // swapped
    RecordCipher dropping(key);
    QCOMPARE(dropping.open(first).status, Status::Ok);
    QCOMPARE(dropping.open(second).status, Status::Ok);
    QCOMPARE(dropping.open(first).error, Error::Integrity); // sent again later
}

void TestRecordCipher::otherKeyIsRejected()
{
    RecordCipher sender(keyFrom(Test::randomBytes(32, 11)));
    const QByteArray record = sealOne(sender, "hello");
    RecordCipher receiver(keyFrom(Test::randomBytes(32, 12)));
    QCOMPARE(receiver.open(record).error, Error::Integrity);
}

void TestRecordCipher::sealStopsBeforeTheLastCounter()
{
    RecordCipher sender(countingKey(), RecordCipher::kLastCounter - 1);
    QByteArray out;
    // Two records' worth: the first takes the last usable counter, the second is refused.
    const RecordCipher::SealResult r
        = sender.seal(Test::randomBytes(RecordCipher::kMaxPlaintext + 1, 13), out);
    QCOMPARE(r.error, Error::CounterExhausted);
    QCOMPARE(out.size(), RecordCipher::kMaxRecord);
    QCOMPARE(sender.counter(), RecordCipher::kLastCounter);
    QCOMPARE(sender.seal("x", out).error, Error::CounterExhausted);
    QCOMPARE(out.size(), RecordCipher::kMaxRecord); // nothing appended
}

void TestRecordCipher::openStopsAtTheLastCounter()
{
    RecordCipher sender(countingKey(), RecordCipher::kLastCounter - 1);
    const QByteArray last = sealOne(sender, "last");
    RecordCipher receiver(countingKey(), RecordCipher::kLastCounter - 1);
    QCOMPARE(receiver.open(last).status, Status::Ok);
    QCOMPARE(receiver.counter(), RecordCipher::kLastCounter);
    // Whatever comes next is refused without a decryption under the never-used nonce.
    const RecordCipher::OpenResult r = receiver.open(
        referenceRecord(countingKey(), RecordCipher::kLastCounter, QByteArrayView("beyond")));
    QCOMPARE(r.status, Status::Malformed);
    QCOMPARE(r.error, Error::CounterExhausted);
}

QTEST_GUILESS_MAIN(TestRecordCipher)
#include "tst_recordcipher.moc"
