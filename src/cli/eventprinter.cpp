// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventprinter.h"

#include "consoletext.h"
#include "net/wire/displaytext.h"
#include "transfer/transferengine.h"

#include <QCoreApplication>
#include <QJsonDocument>

#include <charconv>

#ifdef Q_OS_WIN
#include <io.h>
#define PD_ISATTY _isatty
#define PD_FILENO _fileno
#else
#include <unistd.h>
#define PD_ISATTY isatty
#define PD_FILENO fileno
#endif

namespace PunchDrop::Cli {

namespace {
constexpr qint64 kProgressIntervalMs = 250;

//! \a text as a JSON string, byte for byte as QJsonDocument writes it: UTF-8, the two-letter
//! escapes where JSON has them, \u00xx for the other control characters, and \uxxxx for a
//! lone surrogate (which has no UTF-8).
void appendJsonString(QByteArray *out, const QString &text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    const auto escape = [out](char16_t u) {
        out->append("\\u");
        for (int shift = 12; shift >= 0; shift -= 4)
            out->append(kHex[(u >> shift) & 0xf]);
    };
    out->append('"');
    const qsizetype n = text.size();
    const QChar *chars = text.constData();
    const auto plain = [](char16_t u) { return u >= 0x20 && u < 0x80 && u != '"' && u != '\\'; };
    for (qsizetype i = 0; i < n; ++i) {
        // A run of printable ASCII (most of a path, all of a digest) copied in one go.
        qsizetype end = i;
        while (end < n && plain(chars[end].unicode()))
            ++end;
        if (end > i) {
            const qsizetype at = out->size();
            out->resize(at + (end - i));
            char *to = out->data() + at;
            for (; i < end; ++i)
                *to++ = char(chars[i].unicode());
            if (i == n)
                break;
        }
        const char16_t u = chars[i].unicode();
        if (u >= 0x80) {
            char32_t code = u;
            if (QChar::isHighSurrogate(u) && i + 1 < n && chars[i + 1].isLowSurrogate())
                code = QChar::surrogateToUcs4(u, chars[++i].unicode());
            else if (QChar::isSurrogate(u)) {
                escape(u);
                continue;
            }
            if (code < 0x800) {
                out->append(char(0xc0 | (code >> 6)));
            } else if (code < 0x10000) {
                out->append(char(0xe0 | (code >> 12)));
                out->append(char(0x80 | ((code >> 6) & 0x3f)));
            } else {
                out->append(char(0xf0 | (code >> 18)));
                out->append(char(0x80 | ((code >> 12) & 0x3f)));
                out->append(char(0x80 | ((code >> 6) & 0x3f)));
            }
            out->append(char(0x80 | (code & 0x3f)));
            continue;
        }
        const char c = char(u);
        switch (c) {
        case '"':
        case '\\':
            out->append('\\').append(c);
            break;
        case '\b':
            out->append("\\b");
            break;
        case '\f':
            out->append("\\f");
            break;
        case '\n':
            out->append("\\n");
            break;
        case '\r':
            out->append("\\r");
            break;
        case '\t':
            out->append("\\t");
            break;
        default:
            if (u < 0x20)
                escape(u);
            else
                out->append(c);
        }
    }
    out->append('"');
}

//! \a value in decimal, as QJsonDocument writes an integer, without a QByteArray of its own.
void appendNumber(QByteArray *out, qint64 value)
{
    char digits[24];
    const auto written = std::to_chars(digits, digits + sizeof digits, value);
    out->append(digits, written.ptr - digits);
}
} // namespace

EventPrinter::EventPrinter(bool json, FILE *out, FILE *err)
    : m_json(json)
    , m_tty(PD_ISATTY(PD_FILENO(err)) != 0)
    , m_out(out)
    , m_err(err)
{
    m_flush.setSingleShot(true);
    m_flush.setInterval(0);
    QObject::connect(&m_flush, &QTimer::timeout, &m_flush, [this] { std::fflush(m_out); });
}

QString EventPrinter::formatBytes(qint64 bytes)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    return unit == 0
        ? QStringLiteral("%1 B").arg(bytes)
        : QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(units[unit]));
}

QString EventPrinter::formatDuration(qint64 seconds)
{
    if (seconds < 60)
        return QStringLiteral("%1 s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return QStringLiteral("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

void EventPrinter::emitJson(QJsonObject event, bool soon)
{
    writeJsonLine(QJsonDocument(event).toJson(QJsonDocument::Compact), soon);
}

void EventPrinter::writeJsonLine(const QByteArray &line, bool soon)
{
    std::fwrite(line.constData(), 1, size_t(line.size()), m_out);
    std::fputc('\n', m_out);
    if (soon && QCoreApplication::instance()) {
        if (!m_flush.isActive())
            m_flush.start();
        return;
    }
    m_flush.stop();
    std::fflush(m_out);
}

void EventPrinter::endProgressLine()
{
    if (m_progressLineOpen) {
        std::fputc('\n', m_err);
        m_progressLineOpen = false;
    }
}

void EventPrinter::info(const QString &text)
{
    if (m_json)
        return;
    endProgressLine();
    writeText(m_err, DisplayText::forTerminal(text) + QLatin1Char('\n'));
}

void EventPrinter::raw(const QJsonObject &event)
{
    if (m_json)
        emitJson(event);
}

void EventPrinter::registered(const QString &deviceId, const QString &natType,
    const QString &publicEndpoint, const QString &server)
{
    if (m_json) {
        emitJson({{QStringLiteral("event"), QStringLiteral("registered")},
            {QStringLiteral("device_id"), deviceId}, {QStringLiteral("nat_type"), natType},
            {QStringLiteral("public_endpoint"), publicEndpoint},
            {QStringLiteral("server"), server}});
        return;
    }
    info(QStringLiteral("Online at %1 as %2 (public %3, NAT: %4)")
             .arg(server, deviceId, publicEndpoint, natType));
}

void EventPrinter::path(const PathReport &report, const QString &peer)
{
    const PathKind path = report.path;
    const int rttMs = report.rttMs;
    const qint64 timeMs = report.timeMs;
    const QString &reason = report.reason;
    const PortMapProtocol mapper = report.mapper;
    const PathKind upgradedFrom = report.upgradedFrom;
    const PathKind downgradedFrom = report.downgradedFrom;
    if (m_json) {
        QJsonObject event {{QStringLiteral("event"), QStringLiteral("path")},
            {QStringLiteral("kind"), pathKindName(path)},
            {QStringLiteral("method"), pathMethodName(path)}, {QStringLiteral("rtt_ms"), rttMs},
            {QStringLiteral("time_ms"), timeMs}, {QStringLiteral("peer"), peer},
            {QStringLiteral("family"),
                report.ipv6 ? QStringLiteral("ipv6") : QStringLiteral("ipv4")}};
        if (!reason.isEmpty())
            event.insert(QStringLiteral("reason"), reason);
        if (path == PathKind::DirectPortMap && mapper != PortMapProtocol::None)
            event.insert(QStringLiteral("mapper"), portMapProtocolName(mapper));
        if (upgradedFrom != PathKind::Unknown)
            event.insert(QStringLiteral("upgraded_from"), pathKindName(upgradedFrom));
        if (downgradedFrom != PathKind::Unknown)
            event.insert(QStringLiteral("downgraded_from"), pathKindName(downgradedFrom));
        emitJson(event);
        return;
    }
    if (downgradedFrom != PathKind::Unknown) {
        info(QStringLiteral("The direct connection to %1 was lost: the transfer goes on through "
                            "the server's relay (%2 ms to reconnect)")
                 .arg(peer)
                 .arg(timeMs));
        return;
    }
    if (upgradedFrom != PathKind::Unknown) {
        info(QStringLiteral("Moved to a direct connection to %1 (%2), %3 ms after asking")
                 .arg(peer, pathMethodName(path))
                 .arg(timeMs));
        return;
    }
    QString text = path == PathKind::Relayed
        ? QStringLiteral("Connected to %1 through the server's relay").arg(peer)
        : QStringLiteral("Connected directly to %1 (%2)").arg(peer, pathMethodName(path));
    text += QStringLiteral(" in %1 ms").arg(timeMs);
    if (!reason.isEmpty())
        text += QStringLiteral(" — %1").arg(reason);
    info(text);
}

void EventPrinter::offer(const QString &peer, int files, int folders, qint64 totalBytes,
    const QString &verificationCode, bool firstContact, const QString &nameWarning)
{
    if (m_json) {
        QJsonObject event {{QStringLiteral("event"), QStringLiteral("offer")},
            {QStringLiteral("peer"), peer}, {QStringLiteral("files"), files},
            {QStringLiteral("folders"), folders}, {QStringLiteral("total"), totalBytes},
            {QStringLiteral("first_contact"), firstContact}};
        if (!verificationCode.isEmpty())
            event.insert(QStringLiteral("verification_code"), verificationCode);
        if (!nameWarning.isEmpty())
            event.insert(QStringLiteral("name_warning"), nameWarning);
        emitJson(event);
        return;
    }
    if (!nameWarning.isEmpty())
        info(QStringLiteral("Warning: %1").arg(nameWarning));
    QString text = folders > 0 ? QStringLiteral("%1 offers %2 file(s) in %3 folder(s), %4")
                                     .arg(peer)
                                     .arg(files)
                                     .arg(folders)
                                     .arg(formatBytes(totalBytes))
                               : QStringLiteral("%1 offers %2 file(s), %3")
                                     .arg(peer)
                                     .arg(files)
                                     .arg(formatBytes(totalBytes));
    if (!verificationCode.isEmpty()) {
        text += firstContact
            ? QStringLiteral(" — first contact, verification code %1 (accept only if the sender "
                             "sees the same)")
                  .arg(verificationCode)
            : QStringLiteral(" — verification code %1").arg(verificationCode);
    }
    info(text);
}

void EventPrinter::verificationCode(const QString &peer, const QString &code)
{
    if (m_json) {
        emitJson({{QStringLiteral("event"), QStringLiteral("verification_code")},
            {QStringLiteral("peer"), peer}, {QStringLiteral("code"), code}});
        return;
    }
    info(QStringLiteral("Verification code %1 — %2 sees the same code if nobody is in between")
             .arg(code, peer));
}

void EventPrinter::recipient(const QString &name, const QString &deviceId, bool firstContact)
{
    if (m_json) {
        emitJson({{QStringLiteral("event"), QStringLiteral("recipient")},
            {QStringLiteral("name"), name}, {QStringLiteral("device_id"), deviceId},
            {QStringLiteral("first_contact"), firstContact}});
        return;
    }
    if (firstContact)
        info(QStringLiteral("First contact: %1 %2 is not a contact yet — compare the verification "
                            "code with the receiver once it is shown")
                 .arg(name, deviceId));
}

void EventPrinter::progress(qint64 bytes, qint64 total, double bytesPerSecond, bool force)
{
    if (!force && m_lastProgress.isValid() && m_lastProgress.elapsed() < kProgressIntervalMs)
        return;
    m_lastProgress.start();
    if (m_json) {
        emitJson({{QStringLiteral("event"), QStringLiteral("progress")},
            {QStringLiteral("bytes"), bytes}, {QStringLiteral("total"), total},
            {QStringLiteral("rate"), qint64(bytesPerSecond)}});
        return;
    }
    if (!m_tty)
        return; // a log file gets the start and end lines only
    const int percent = total > 0 ? int(bytes * 100 / total) : 100;
    QString line
        = QStringLiteral("\r%1 %  %2 of %3  %4/s")
              .arg(percent, 3)
              .arg(formatBytes(bytes), formatBytes(total), formatBytes(qint64(bytesPerSecond)));
    if (bytesPerSecond > 1 && total > bytes)
        line += QStringLiteral("  %1 left")
                    .arg(formatDuration(qint64((total - bytes) / bytesPerSecond)));
    writeText(m_err, line.leftJustified(78));
    m_progressLineOpen = true;
}

void EventPrinter::file(const QString &name, qint64 size, const QString &digest,
    const QString &hash, qint64 resumedFrom)
{
    if (m_json) {
        // Written out by hand, the bytes QJsonDocument would write (keys sorted, Compact): a
        // folder of 10,000 small files prints 10,000 of these, and a QJsonObject each took a
        // fifth of the CPU of both sides of such a transfer.
        QByteArray line;
        line.reserve(128 + name.size() * 3);
        line += "{\"digest\":";
        appendJsonString(&line, digest);
        line += ",\"event\":\"file\",\"hash\":";
        appendJsonString(&line, hash);
        line += ",\"name\":";
        appendJsonString(&line, name);
        line += ",\"resumed_from\":";
        appendNumber(&line, resumedFrom);
        if (digest == QLatin1String("sha256")) { // what scripts read before "xxh3"
            line += ",\"sha256\":";
            appendJsonString(&line, hash);
        }
        line += ",\"size\":";
        appendNumber(&line, size);
        line += '}';
        writeJsonLine(line, true);
        return;
    }
    QString text = QStringLiteral("✓ %1 (%2) %3 %4").arg(name, formatBytes(size), digest, hash);
    if (resumedFrom > 0)
        text += QStringLiteral(" — resumed at %1").arg(formatBytes(resumedFrom));
    info(text);
}

void EventPrinter::done(qint64 files, qint64 bytes, qint64 elapsedMs, qint64 transferred,
    qint64 relayBytes, qint64 directBytes)
{
    if (m_json) {
        emitJson(
            {{QStringLiteral("event"), QStringLiteral("done")}, {QStringLiteral("files"), files},
                {QStringLiteral("bytes"), bytes}, {QStringLiteral("transferred"), transferred},
                {QStringLiteral("time_ms"), elapsedMs}, {QStringLiteral("relay_bytes"), relayBytes},
                {QStringLiteral("direct_bytes"), directBytes}});
        return;
    }
    QString text = QStringLiteral("Done: %1 file(s), %2 in %3")
                       .arg(files)
                       .arg(formatBytes(bytes), formatDuration(elapsedMs / 1000));
    if (transferred < bytes)
        text += QStringLiteral(" (%1 sent this time, the rest resumed)")
                    .arg(formatBytes(transferred));
    info(text);
}

void EventPrinter::error(const QString &code, const QString &message)
{
    if (m_json) {
        emitJson({{QStringLiteral("event"), QStringLiteral("error")},
            {QStringLiteral("code"), code}, {QStringLiteral("message"), message}});
        return;
    }
    endProgressLine();
    writeText(m_err, QStringLiteral("punchdrop: %1\n").arg(DisplayText::forTerminal(message)));
}

} // namespace PunchDrop::Cli
