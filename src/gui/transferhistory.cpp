// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferhistory.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <limits>

namespace PunchDrop::Gui {

namespace {

constexpr int kFormatVersion = 1;
using State = TransferSnapshot::State;

//! The finished states and their stable texts in the file.
constexpr std::pair<State, const char16_t *> kStates[] = {
    {State::Done, u"done"},
    {State::Failed, u"failed"},
    {State::Cancelled, u"cancelled"},
    {State::Declined, u"declined"},
};

std::optional<State> stateFromText(const QString &text)
{
    for (const auto &[state, name] : kStates) {
        if (text == QStringView(name))
            return state;
    }
    return std::nullopt;
}

QString stateText(State state)
{
    for (const auto &[s, name] : kStates) {
        if (s == state)
            return QString::fromUtf16(name);
    }
    return {};
}

QString bounded(const QString &text)
{
    return text.left(TransferHistory::kMaxTextLength);
}

//! A count or size from the file: -1 when missing, negative or not a number.
qint64 amount(const QJsonObject &o, QStringView key)
{
    const QJsonValue v = o.value(key);
    if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 9.0e15)
        return -1;
    return qint64(v.toDouble());
}

} // namespace

TransferHistory::TransferHistory(QString filePath)
    : m_filePath(std::move(filePath))
{ }

TransferSnapshot TransferHistory::kept(const TransferSnapshot &s)
{
    TransferSnapshot k;
    k.id = s.id;
    k.direction = s.direction;
    k.peer = s.peer;
    k.peerName = bounded(s.peerName);
    for (const QString &item : s.items.mid(0, TransferSnapshot::kSummaryNames))
        k.items << bounded(item);
    k.itemCount = s.itemCount;
    k.fileCount = s.fileCount;
    k.folderCount = s.folderCount;
    k.bytesDone = s.bytesDone;
    k.bytesTotal = s.bytesTotal;
    k.bytesPerSecond = s.state == State::Done ? s.bytesPerSecond : 0;
    k.state = s.state;
    k.path = s.path;
    k.pathReason = bounded(s.pathReason);
    k.errorCode = s.errorCode;
    k.connectFailure = s.connectFailure;
    k.resumedBytes = s.resumedBytes;
    k.localFolder = bounded(s.localFolder);
    k.localFile = bounded(s.localFile);
    return k; // no error text, no verification code
}

QJsonObject TransferHistory::toJson(const Entry &entry)
{
    const TransferSnapshot &s = entry.snapshot;
    return QJsonObject {
        {QStringLiteral("direction"),
            s.direction == TransferSnapshot::Direction::Outgoing ? u"out"_qs : u"in"_qs},
        {QStringLiteral("peer"), s.peer.toString()},
        {QStringLiteral("peerName"), s.peerName},
        {QStringLiteral("items"), QJsonArray::fromStringList(s.items)},
        {QStringLiteral("itemCount"), s.itemCount},
        {QStringLiteral("fileCount"), s.fileCount},
        {QStringLiteral("folderCount"), s.folderCount},
        {QStringLiteral("bytesDone"), s.bytesDone},
        {QStringLiteral("bytesTotal"), s.bytesTotal},
        {QStringLiteral("resumedBytes"), s.resumedBytes},
        {QStringLiteral("averageBytesPerSecond"), qint64(s.bytesPerSecond)},
        {QStringLiteral("state"), stateText(s.state)},
        {QStringLiteral("errorCode"), int(s.errorCode)},
        {QStringLiteral("connectFailure"), connectFailureName(s.connectFailure)},
        {QStringLiteral("path"), pathMethodName(s.path)},
        {QStringLiteral("pathReason"), s.pathReason},
        {QStringLiteral("localFolder"), s.localFolder},
        {QStringLiteral("localFile"), s.localFile},
        {QStringLiteral("finishedAt"), entry.finishedAt.toUTC().toString(Qt::ISODate)},
    };
}

std::optional<TransferHistory::Entry> TransferHistory::fromJson(const QJsonObject &o)
{
    Entry e;
    TransferSnapshot &s = e.snapshot;
    const QString direction = o.value(u"direction").toString();
    const std::optional<State> state = stateFromText(o.value(u"state").toString());
    s.peer = DeviceId::fromString(o.value(u"peer").toString());
    e.finishedAt = QDateTime::fromString(o.value(u"finishedAt").toString(), Qt::ISODate);
    if ((direction != u"in" && direction != u"out") || !state || s.peer.isNull()
        || !e.finishedAt.isValid())
        return std::nullopt;
    s.direction = direction == u"out" ? TransferSnapshot::Direction::Outgoing
                                      : TransferSnapshot::Direction::Incoming;
    s.state = *state;
    const qint64 counts[] = {amount(o, u"itemCount"), amount(o, u"fileCount"),
        amount(o, u"folderCount"), amount(o, u"bytesDone"), amount(o, u"bytesTotal"),
        amount(o, u"resumedBytes"), amount(o, u"averageBytesPerSecond")};
    for (const qint64 c : counts) {
        if (c < 0)
            return std::nullopt;
    }
    constexpr qint64 kMaxCount = std::numeric_limits<int>::max();
    s.itemCount = int(qMin(counts[0], kMaxCount));
    s.fileCount = int(qMin(counts[1], kMaxCount));
    s.folderCount = int(qMin(counts[2], kMaxCount));
    s.bytesDone = counts[3];
    s.bytesTotal = counts[4];
    s.resumedBytes = counts[5];
    s.bytesPerSecond = s.state == State::Done ? double(counts[6]) : 0;
    s.peerName = bounded(o.value(u"peerName").toString());
    const QJsonArray items = o.value(u"items").toArray();
    for (qsizetype i = 0; i < items.size() && i < TransferSnapshot::kSummaryNames; ++i)
        s.items << bounded(items.at(i).toString());
    const int code = o.value(u"errorCode").toInt(-1);
    const bool knownCode = code >= 0 && code <= int(TransferError::UnexpectedPeer);
    s.errorCode = knownCode ? TransferError(code) : TransferError::Internal;
    s.connectFailure = connectFailureFromName(o.value(u"connectFailure").toString());
    s.path = pathFromMethodName(o.value(u"path").toString());
    s.pathReason = bounded(o.value(u"pathReason").toString());
    s.localFolder = bounded(o.value(u"localFolder").toString());
    s.localFile = bounded(o.value(u"localFile").toString()); // absent before "Open file"
    return e;
}

bool TransferHistory::load(QString *error)
{
    m_entries.clear();
    QFile file(m_filePath);
    if (!file.exists())
        return true;
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QCoreApplication::translate("TransferHistory", "cannot read %1: %2")
                     .arg(m_filePath, file.errorString());
        return false;
    }
    if (file.size() > kMaxFileBytes) {
        file.close();
        setAside(QStringLiteral("larger than %1 bytes").arg(kMaxFileBytes), error);
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    file.close();
    if (!doc.isObject() || doc.object().value(u"version").toInt() != kFormatVersion) {
        setAside(doc.isNull() ? parseError.errorString() : QStringLiteral("unknown format"), error);
        return false;
    }
    const QJsonArray list = doc.object().value(u"transfers").toArray();
    int skipped = 0;
    for (const QJsonValue &v : list) {
        if (m_entries.size() >= kMaxEntries)
            break;
        if (const std::optional<Entry> e = fromJson(v.toObject()))
            m_entries << *e;
        else
            ++skipped;
    }
    if (skipped > 0)
        qCWarning(lcGui) << "history:" << skipped << "unusable entries skipped in" << m_filePath;
    return true;
}

void TransferHistory::setAside(const QString &why, QString *error)
{
    const QString aside = m_filePath + QStringLiteral(".corrupt");
    QFile::remove(aside);
    const bool moved = QFile::rename(m_filePath, aside);
    qCWarning(lcGui).noquote() << "history" << m_filePath << "unreadable (" << why << "),"
                               << (moved ? QStringLiteral("moved to ") + aside
                                         : QStringLiteral("left in place"));
    *error = moved ? QCoreApplication::translate("TransferHistory",
                 "The transfer history could not be read (%1); it was set aside as %2.")
                         .arg(why, aside)
                   : QCoreApplication::translate(
                       "TransferHistory", "The transfer history %1 could not be read (%2).")
                         .arg(m_filePath, why);
}

bool TransferHistory::record(
    const TransferSnapshot &snapshot, const QDateTime &finishedAt, QString *error)
{
    m_entries.prepend(Entry {kept(snapshot), finishedAt});
    while (m_entries.size() > kMaxEntries)
        m_entries.removeLast();
    return save(error);
}

bool TransferHistory::clear(QString *error)
{
    m_entries.clear();
    return save(error);
}

bool TransferHistory::save(QString *error)
{
    QJsonArray list;
    for (const Entry &e : std::as_const(m_entries))
        list.append(toJson(e));
    const QJsonObject root {
        {QStringLiteral("version"), kFormatVersion}, {QStringLiteral("transfers"), list}};
    QSaveFile file(m_filePath);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(root).toJson()) < 0
        || !file.commit()) {
        *error = QCoreApplication::translate("TransferHistory", "cannot write %1: %2")
                     .arg(m_filePath, file.errorString());
        return false;
    }
    return true;
}

} // namespace PunchDrop::Gui
