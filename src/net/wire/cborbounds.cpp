// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/cborbounds.h"

#include <QCborStreamReader>

namespace PunchDrop::CborBounds {

namespace {

class Walker
{
public:
    Walker(QByteArrayView cbor, int maxDepth)
        : m_reader(cbor.data(), cbor.size())
        , m_size(cbor.size())
        , m_maxDepth(maxDepth)
    { }

    QString run()
    {
        if (m_reader.lastError() == QCborError::NoError && m_reader.hasNext())
            item(0, 0);
        return m_error;
    }

private:
    bool going() { return m_error.isEmpty() && m_reader.lastError() == QCborError::NoError; }

    //! Walks one item at \a depth; \a owed = bytes the enclosing containers still need after it.
    void item(int depth, qint64 owed)
    {
        while (going() && m_reader.isTag()) { // a tag wraps the next item one level deeper
            if (++depth > m_maxDepth) {
                m_error = QStringLiteral("CBOR nested deeper than %1 levels").arg(m_maxDepth);
                return;
            }
            m_reader.next();
        }
        if (!going())
            return;
        if (!m_reader.isContainer()) {
            m_reader.next();
            return;
        }
        if (depth + 1 > m_maxDepth) {
            m_error = QStringLiteral("CBOR nested deeper than %1 levels").arg(m_maxDepth);
            return;
        }
        container(depth + 1, owed);
    }

    void container(int depth, qint64 owed)
    {
        const bool known = m_reader.isLengthKnown();
        const quint64 declared = known ? m_reader.length() : 0;
        const quint64 perItem = m_reader.isMap() ? 2 : 1;
        if (!m_reader.enterContainer())
            return;
        const qint64 left = m_size - m_reader.currentOffset() - owed;
        if (known
            && (declared > quint64(m_size)
                || declared * perItem > quint64(qMax<qint64>(left, 0)))) {
            m_error = QStringLiteral("a CBOR %1 declares %2 entries, more than the %3 bytes left")
                          .arg(perItem == 2 ? QStringLiteral("map") : QStringLiteral("array"))
                          .arg(declared)
                          .arg(qMax<qint64>(left, 0));
            return;
        }
        // Each item still owed after the current one needs at least one byte; an indefinite
        // container owes at least its break byte.
        qint64 remaining = known ? qint64(declared * perItem) : 1;
        while (going() && m_reader.hasNext()) {
            if (known)
                --remaining;
            item(depth, owed + remaining);
        }
        if (going())
            m_reader.leaveContainer();
    }

    QCborStreamReader m_reader;
    const qint64 m_size;
    const int m_maxDepth;
    QString m_error;
};

} // namespace

QString check(QByteArrayView cbor, int maxDepth)
{
    return Walker(cbor, maxDepth).run();
}

} // namespace PunchDrop::CborBounds
