// SPDX-License-Identifier: GPL-3.0-or-later
#include "transfer/offerdecoder.h"

#include "transfer/transferprotocol.h"

#include <QCborStreamReader>
#include <QStringDecoder>

#include <limits>
#include <utility>

namespace PunchDrop::Transfer {

namespace {

//! Nesting a skipped unknown value may have: keeps QCborStreamReader::next() off deep recursion.
constexpr int kSkipDepth = 8;
constexpr qint64 kMaxMtime = std::numeric_limits<qint64>::max() / 2;

class PayloadReader
{
public:
    explicit PayloadReader(QByteArrayView payload)
        : m_reader(payload.data(), payload.size())
        , m_size(payload.size())
    { }
    //! Byte strings of \a payload may be read as slices sharing its block (bytes()).
    explicit PayloadReader(const QByteArray &payload)
        : PayloadReader(QByteArrayView(payload))
    {
        m_whole = payload;
        if (!m_whole.data_ptr().isMutable())
            m_whole = QByteArray(); // raw data (fromRawData()): a slice would outlive its owner
    }

    bool read(Offer *offer);
    bool read(FileBatch *batch);
    QString error() const { return m_error; }

private:
    bool fail(const QString &what)
    {
        if (m_error.isEmpty())
            m_error = what;
        return false;
    }
    bool fail(const char *field, const char *what)
    {
        return fail(
            QStringLiteral("field '%1': %2").arg(QLatin1String(field), QLatin1String(what)));
    }
    //! The next map key into m_utf8 (compared with key()), at most 64 bytes of UTF-8.
    bool readKey();
    bool key(const char *name) const { return QByteArrayView(m_utf8) == QByteArrayView(name); }
    //! The UTF-8 bytes of the text string at hand into m_utf8, at most \a maxBytes; not checked.
    bool rawText(const char *field, qsizetype maxBytes);
    //! A text string (the one rawText() just read when \a alreadyRead) as UTF-16.
    bool text(const char *field, qint64 maxBytes, QString *out, bool alreadyRead = false);
    bool integer(const char *field, qint64 min, qint64 max, qint64 *out);
    //! With \a share (a file's content), a slice of m_whole where the payload allows (slice()).
    bool bytes(const char *field, qsizetype maxBytes, QByteArray *out, bool share = false);
    //! The definite-length byte string at hand as a slice of m_whole.
    bool slice(const char *field, QByteArray *out);
    bool skip();
    //! The end of the top-level map: nothing after it, no decoding error.
    bool finish();
    bool readItems(Offer *offer);
    bool readItem(OfferItem *item);
    bool readFiles(FileBatch *batch);
    bool readFile(InlineFile *file);

    QCborStreamReader m_reader;
    qsizetype m_size = 0;
    QByteArray m_whole; //!< the payload, when byte strings may share it (a FILES frame)
    QString m_error;
    QByteArray m_utf8; //!< the last key or text, as it came (one buffer for all of them)
};

bool PayloadReader::rawText(const char *field, qsizetype maxBytes)
{
    // Chunk by chunk into one reused buffer: no QString and no UTF-16 round trip per key (a
    // 10,000-file OFFER has 40,000 of them, every FILES frame three per file).
    if (!m_reader.isString())
        return fail(field, "missing or not text");
    m_utf8.resize(0);
    for (;;) {
        const qsizetype size = m_reader.currentStringChunkSize();
        if (size > maxBytes - m_utf8.size())
            return fail(field, "too long");
        const qsizetype at = m_utf8.size();
        m_utf8.resize(at + qMax<qsizetype>(size, 0));
        const auto chunk = m_reader.readStringChunk(m_utf8.data() + at, qMax<qsizetype>(size, 0));
        if (chunk.status == QCborStreamReader::EndOfString) {
            m_utf8.resize(at);
            return true;
        }
        if (chunk.status != QCborStreamReader::Ok || chunk.data != size)
            return fail(field, "invalid text");
    }
}

bool PayloadReader::readKey()
{
    if (!m_reader.isString())
        return fail(QStringLiteral("a map key is not text"));
    if (!rawText("key", 64))
        return false;
    // Invalid UTF-8 is refused as before; a valid key this build does not know is skipped.
    for (const char c : std::as_const(m_utf8)) {
        if (uchar(c) >= 0x80) {
            QString ignored;
            return text("key", 64, &ignored, true);
        }
    }
    return true;
}

bool PayloadReader::text(const char *field, qint64 maxBytes, QString *out, bool alreadyRead)
{
    if (!alreadyRead && !rawText(field, maxBytes))
        return false;
    // As QCborStreamReader::readString() decodes: an initial BOM dropped, invalid UTF-8 (an
    // overlong form, a surrogate, a truncated sequence) refused.
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    *out = decoder.decode(m_utf8);
    if (decoder.hasError())
        return fail(field, "invalid text");
    return true;
}

bool PayloadReader::integer(const char *field, qint64 min, qint64 max, qint64 *out)
{
    if (!m_reader.isUnsignedInteger() && !m_reader.isNegativeInteger())
        return fail(field, "missing or not an integer");
    if (m_reader.isNegativeInteger()
        || m_reader.toUnsignedInteger() > quint64(std::numeric_limits<qint64>::max()))
        return m_reader.next(), fail(field, "out of range");
    const qint64 value = qint64(m_reader.toUnsignedInteger());
    m_reader.next();
    if (value < min || value > max)
        return fail(field, "out of range");
    *out = value;
    return true;
}

bool PayloadReader::bytes(const char *field, qsizetype maxBytes, QByteArray *out, bool share)
{
    if (!m_reader.isByteArray())
        return fail(field, "missing or not bytes");
    if (m_reader.isLengthKnown() && m_reader.length() > quint64(maxBytes))
        return fail(field, "too long");
    if (share && !m_whole.isNull() && m_reader.isLengthKnown())
        return slice(field, out);
    out->clear();
    auto chunk = m_reader.readByteArray();
    while (chunk.status == QCborStreamReader::Ok) {
        if (out->size() + chunk.data.size() > maxBytes)
            return fail(field, "too long");
        if (out->isEmpty())
            *out = std::move(chunk.data); // a definite-length string comes in one chunk
        else
            out->append(chunk.data);
        chunk = m_reader.readByteArray();
    }
    if (chunk.status == QCborStreamReader::Error)
        return fail(field, "invalid bytes");
    return true;
}

bool PayloadReader::slice(const char *field, QByteArray *out)
{
    // The string's head is one byte plus 0, 1, 2, 4 or 8 bytes of length (RFC 8949, 3.1); its
    // bytes follow it. next() checks that they are all there.
    const qint64 head = m_reader.currentOffset();
    const quint8 info = quint8(m_whole.at(head)) & 0x1f;
    if (info > 27)
        return fail(field, "invalid bytes");
    const qint64 start = head + 1 + (info < 24 ? 0 : qint64(1) << (info - 24));
    const auto length = qint64(m_reader.length());
    if (!m_reader.next() || start + length != m_reader.currentOffset())
        return fail(field, "invalid bytes");
    // A QByteArray of its own that shares the payload's block (one more reference to it): no
    // copy of the file's bytes, and the block lives while any file of it does. Not followed by
    // a '\0' (as QByteArray::fromRawData()'s are not); written, it detaches as any shared one.
    *out = m_whole;
    QByteArray::DataPointer &d = out->data_ptr();
    d.setBegin(d.data() + start);
    d.size = length;
    return true;
}

bool PayloadReader::finish()
{
    if (!m_reader.leaveContainer() || m_reader.lastError() != QCborError::NoError)
        return fail(QStringLiteral("invalid CBOR: %1").arg(m_reader.lastError().toString()));
    if (m_reader.currentOffset() != m_size)
        return fail(QStringLiteral("trailing bytes after the CBOR map"));
    return true;
}

bool PayloadReader::skip()
{
    return m_reader.next(kSkipDepth) || fail(QStringLiteral("invalid or too deeply nested value"));
}

bool PayloadReader::readItem(OfferItem *item)
{
    if (!m_reader.isMap() || !m_reader.enterContainer())
        return fail(QStringLiteral("offer item is not a map"));
    bool havePath = false, haveSize = false, haveMode = false, haveTime = false;
    qint64 size = 0, mode = 0, mtime = 0;
    while (m_error.isEmpty() && m_reader.hasNext()) {
        if (!readKey())
            return false;
        if (key("p")) {
            havePath = text("p", kMaxPathBytes, &item->relativePath);
            if (havePath && item->relativePath.isEmpty())
                return fail("p", "empty or too long");
        } else if (key("s")) {
            haveSize = integer("s", 0, kMaxFileSize, &size);
        } else if (key("m")) {
            haveMode = integer("m", 0, 07777, &mode);
        } else if (key("t")) {
            haveTime = integer("t", 0, kMaxMtime, &mtime);
        } else if (key("d")) {
            if (!m_reader.isBool())
                return fail("d", "not a boolean");
            item->isDirectory = m_reader.toBool();
            m_reader.next();
        } else {
            skip();
        }
    }
    if (!m_error.isEmpty() || !m_reader.leaveContainer())
        return fail(QStringLiteral("invalid offer item"));
    if (!havePath || !haveSize || !haveMode || !haveTime)
        return fail(QStringLiteral("an offer item lacks p, s, m or t"));
    if (item->isDirectory && size != 0)
        return fail("s", "out of range");
    item->size = size;
    item->executable = !item->isDirectory && (mode & 0111) != 0;
    if (mtime > 0)
        item->modified = QDateTime::fromMSecsSinceEpoch(mtime, Qt::UTC);
    return true;
}

bool PayloadReader::readItems(Offer *offer)
{
    if (!m_reader.isArray())
        return fail("items", "missing or not an array");
    if (m_reader.isLengthKnown() && m_reader.length() > quint64(kMaxOfferItems))
        return fail("items", "too many items");
    if (!m_reader.enterContainer())
        return fail("items", "invalid array");
    while (m_error.isEmpty() && m_reader.hasNext()) {
        if (offer->items.size() >= kMaxOfferItems)
            return fail("items", "too many items");
        OfferItem item;
        if (!readItem(&item)) {
            const QString why = std::exchange(m_error, QString());
            return fail(QStringLiteral("offer item %1: %2").arg(offer->items.size()).arg(why));
        }
        offer->items.append(std::move(item));
    }
    return m_error.isEmpty() && (m_reader.leaveContainer() || fail("items", "invalid array"));
}

bool PayloadReader::read(Offer *offer)
{
    if (!m_reader.isMap() || !m_reader.enterContainer())
        return fail(QStringLiteral("payload is not a CBOR map"));
    bool haveItems = false, haveBytes = false, haveFiles = false;
    qint64 files = 0;
    while (m_error.isEmpty() && m_reader.hasNext()) {
        if (!readKey())
            return false;
        if (key("items") && !haveItems) {
            haveItems = readItems(offer);
        } else if (key("bytes")) {
            haveBytes = integer("bytes", 0, std::numeric_limits<qint64>::max(), &offer->totalBytes);
        } else if (key("files")) {
            haveFiles = integer("files", 0, kMaxOfferItems, &files);
        } else if (key("n")) {
            if (!m_reader.isByteArray())
                return fail("n", "not a byte string");
            const auto nonce = m_reader.readByteArray();
            if (nonce.status != QCborStreamReader::Ok || nonce.data.size() != kCodeNonceSize)
                return fail("n", "not a 32-byte nonce");
            offer->codeNonce = nonce.data;
            if (m_reader.readByteArray().status != QCborStreamReader::EndOfString)
                return fail("n", "not a 32-byte nonce");
        } else {
            skip();
        }
    }
    if (!m_error.isEmpty() || !finish())
        return false;
    if (!haveItems)
        return fail("items", "missing or not an array");
    if (!haveBytes || !haveFiles)
        return fail(QStringLiteral("field 'bytes' or 'files' missing"));
    offer->fileCount = int(files);
    qint64 sum = 0;
    int count = 0;
    for (const OfferItem &item : std::as_const(offer->items)) {
        if (item.isDirectory)
            continue;
        sum += item.size; // ≤ kMaxOfferItems * 2^52: no overflow
        ++count;
    }
    if (sum != offer->totalBytes || count != offer->fileCount)
        return fail(QStringLiteral("offer totals do not match its items"));
    return true;
}

bool PayloadReader::readFile(InlineFile *file)
{
    if (!m_reader.isMap() || !m_reader.enterContainer())
        return fail(QStringLiteral("not a map"));
    bool haveIndex = false, haveDigest = false, haveBytes = false;
    while (m_error.isEmpty() && m_reader.hasNext()) {
        if (!readKey())
            return false;
        if (key("i")) {
            haveIndex = integer("i", 0, kMaxOfferItems - 1, &file->index);
        } else if (key("h")) {
            haveDigest = bytes("h", 32, &file->digest);
            // 32 bytes SHA-256 or 16 XXH3-128; which one the session uses is its to check.
            if (haveDigest && file->digest.size() != 32 && file->digest.size() != 16)
                return fail("h", "not a 32-byte SHA-256 or 16-byte XXH3-128");
        } else if (key("d")) {
            haveBytes = bytes("d", kMaxChunkSize, &file->bytes, true);
        } else {
            skip();
        }
    }
    if (!m_error.isEmpty() || !m_reader.leaveContainer())
        return fail(QStringLiteral("invalid map"));
    if (!haveIndex || !haveDigest || !haveBytes)
        return fail(QStringLiteral("lacks i, h or d"));
    return true;
}

bool PayloadReader::readFiles(FileBatch *batch)
{
    if (!m_reader.isArray())
        return fail("f", "missing or not an array");
    if (m_reader.isLengthKnown() && m_reader.length() > quint64(kMaxBatchFiles))
        return fail("f", "more than kMaxBatchFiles files");
    if (!m_reader.enterContainer())
        return fail("f", "invalid array");
    while (m_error.isEmpty() && m_reader.hasNext()) {
        if (batch->files.size() >= kMaxBatchFiles)
            return fail("f", "more than kMaxBatchFiles files");
        InlineFile file;
        if (!readFile(&file)) {
            const QString why = std::exchange(m_error, QString());
            return fail(QStringLiteral("file %1: %2").arg(batch->files.size()).arg(why));
        }
        batch->files.append(std::move(file));
    }
    return m_error.isEmpty() && (m_reader.leaveContainer() || fail("f", "invalid array"));
}

bool PayloadReader::read(FileBatch *batch)
{
    if (!m_reader.isMap() || !m_reader.enterContainer())
        return fail(QStringLiteral("payload is not a CBOR map"));
    bool haveFiles = false;
    while (m_error.isEmpty() && m_reader.hasNext()) {
        if (!readKey())
            return false;
        if (key("f") && !haveFiles)
            haveFiles = readFiles(batch);
        else
            skip();
    }
    if (!m_error.isEmpty() || !finish())
        return false;
    if (!haveFiles || batch->files.isEmpty())
        return fail("f", "missing or empty");
    return true;
}

} // namespace

bool decodeBatch(const QByteArray &payload, FileBatch *batch, QString *error)
{
    PayloadReader reader(payload);
    *batch = FileBatch {};
    if (reader.read(batch))
        return true;
    *error = reader.error();
    *batch = FileBatch {};
    return false;
}

bool decodeOffer(QByteArrayView payload, Offer *offer, QString *error)
{
    PayloadReader reader(payload);
    *offer = Offer {};
    if (reader.read(offer))
        return true;
    *error = reader.error();
    *offer = Offer {};
    return false;
}

} // namespace PunchDrop::Transfer
