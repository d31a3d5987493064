// SPDX-License-Identifier: GPL-3.0-or-later
#include "safepath.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <sys/stat.h>

#include <qplatformdefs.h>
#endif

namespace PunchDrop::SafePath {

namespace {

bool isReservedWindowsName(QStringView component)
{
    // The device name is what precedes the first dot ("CON.txt", "nul.tar.gz"), trailing
    // spaces ignored, case-insensitive: CON PRN AUX NUL CONIN$ CONOUT$ COM0-9 LPT0-9, and COM
    // and LPT with a superscript 1, 2 or 3. Compared by hand: this runs for every component of
    // every offered path (a regular expression each was a tenth of a 10,000-file receive).
    const qsizetype dot = component.indexOf(QLatin1Char('.'));
    QStringView base = dot < 0 ? component : component.left(dot);
    while (base.endsWith(QLatin1Char(' ')))
        base.chop(1);
    const auto is = [](QStringView a, const char16_t *b) {
        return a.compare(QStringView(b), Qt::CaseInsensitive) == 0;
    };
    switch (base.size()) {
    case 3:
        return is(base, u"CON") || is(base, u"PRN") || is(base, u"AUX") || is(base, u"NUL");
    case 4: {
        const char16_t n = base.at(3).unicode();
        const bool number
            = (n >= u'0' && n <= u'9') || n == u'\u00b9' || n == u'\u00b2' || n == u'\u00b3';
        return number && (is(base.left(3), u"COM") || is(base.left(3), u"LPT"));
    }
    case 6:
        return is(base, u"CONIN$");
    case 7:
        return is(base, u"CONOUT$");
    default:
        return false;
    }
}

bool needsReplacing(char16_t u)
{
    return u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) || u == u'\\' || u == u':' || u == u'*'
        || u == u'?' || u == u'"' || u == u'<' || u == u'>' || u == u'|';
}

QString sanitizeComponent(const QString &in)
{
    QString out;
    out.reserve(in.size());
    for (const QChar c : in) {
        if (needsReplacing(c.unicode()))
            out.append(QLatin1Char('_'));
        else
            out.append(c);
    }
    while (!out.isEmpty() && (out.endsWith(QLatin1Char('.')) || out.endsWith(QLatin1Char(' '))))
        out.chop(1);
    if (out.isEmpty())
        return out;
    if (isReservedWindowsName(out))
        out.prepend(QLatin1Char('_'));
    if (out.endsWith(partSuffix(), Qt::CaseInsensitive)
        || out.endsWith(metaSuffix(), Qt::CaseInsensitive))
        out.append(QLatin1Char('_'));
    return out;
}

//! A component that sanitizeComponent() returns unchanged and sanitize() does not refuse.
bool cleanComponent(QStringView c, qsizetype utf8Bytes)
{
    if (c.isEmpty() || utf8Bytes > kMaxComponentBytes || c == u"." || c == u".."
        || c.endsWith(QLatin1Char('.')) || c.endsWith(QLatin1Char(' ')))
        return false;
    return !isReservedWindowsName(c) && !c.endsWith(partSuffix(), Qt::CaseInsensitive)
        && !c.endsWith(metaSuffix(), Qt::CaseInsensitive);
}

/*!
 * True when sanitizeFully() would return \a offered itself: one pass and no allocation, where
 * the full check splits, converts and joins. Anything unusual (a surrogate, a character to
 * replace, a name to refuse or change) is left to the full check.
 */
bool alreadyClean(QStringView offered)
{
    if (offered.isEmpty() || offered.size() > kMaxPathBytes)
        return false;
    qsizetype pathBytes = 0;
    qsizetype componentBytes = 0;
    qsizetype componentStart = 0;
    int depth = 1;
    for (qsizetype i = 0; i <= offered.size(); ++i) {
        if (i == offered.size() || offered.at(i) == QLatin1Char('/')) {
            if (!cleanComponent(offered.mid(componentStart, i - componentStart), componentBytes))
                return false;
            if (i < offered.size() && ++depth > kMaxDepth)
                return false;
            pathBytes += componentBytes + (i < offered.size() ? 1 : 0);
            componentBytes = 0;
            componentStart = i + 1;
            continue;
        }
        const char16_t u = offered.at(i).unicode();
        if (needsReplacing(u) || QChar::isSurrogate(u))
            return false;
        componentBytes += u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
    }
    return pathBytes <= kMaxPathBytes;
}

} // namespace

Sanitized sanitize(const QString &offered)
{
    if (alreadyClean(offered))
        return Sanitized {offered, {}};
    return sanitizeFully(offered);
}

Sanitized sanitizeFully(const QString &offered)
{
    // Whole sentences for the translation (context "SafePath"): %1 the offered path, %2 a limit.
    const auto refuse = [&offered](const char *sentence, int limit = 0) {
        const QString text = QCoreApplication::translate("SafePath", sentence);
        return Sanitized {{},
            limit > 0 ? text.arg(offered.left(300), QString::number(limit))
                      : text.arg(offered.left(300))};
    };
    if (offered.isEmpty())
        return refuse(QT_TRANSLATE_NOOP("SafePath", "unsafe path \"%1\": empty"));
    if (offered.toUtf8().size() > kMaxPathBytes)
        return refuse(QT_TRANSLATE_NOOP("SafePath", "unsafe path \"%1\": longer than %2 bytes"),
            kMaxPathBytes);
    if (offered.startsWith(QLatin1Char('/')) || offered.startsWith(QLatin1Char('\\')))
        return refuse(QT_TRANSLATE_NOOP("SafePath", "unsafe path \"%1\": absolute or UNC path"));
    if (offered.size() >= 2 && offered.at(1) == QLatin1Char(':') && offered.at(0).isLetter())
        return refuse(QT_TRANSLATE_NOOP("SafePath", "unsafe path \"%1\": drive letter"));
    const QStringList components = offered.split(QLatin1Char('/'));
    if (components.size() > kMaxDepth)
        return refuse(
            QT_TRANSLATE_NOOP("SafePath", "unsafe path \"%1\": deeper than %2 levels"), kMaxDepth);
    QStringList out;
    for (const QString &component : components) {
        if (component.isEmpty())
            return refuse(QT_TRANSLATE_NOOP("SafePath", "unsafe path \"%1\": empty component"));
        // Also a Windows-style traversal hidden behind backslashes ("..\\..\\x" is one
        // component here, sanitised below, but "..\\" alone would be refused as "..").
        if (component == QLatin1String(".") || component == QLatin1String(".."))
            return refuse(
                QT_TRANSLATE_NOOP("SafePath", "unsafe path \"%1\": '.' or '..' component"));
        if (component.toUtf8().size() > kMaxComponentBytes)
            return refuse(
                QT_TRANSLATE_NOOP("SafePath", "unsafe path \"%1\": a name longer than %2 bytes"),
                kMaxComponentBytes);
        const QString clean = sanitizeComponent(component);
        if (clean.isEmpty())
            return refuse(QT_TRANSLATE_NOOP(
                "SafePath", "unsafe path \"%1\": a name made only of dots, spaces or nothing"));
        out.append(clean);
    }
    return Sanitized {out.join(QLatin1Char('/')), {}};
}

bool existsNoFollow(const QString &path)
{
#ifdef Q_OS_UNIX
    // One lstat() (QFileInfo takes two system calls to say "nothing there"); anything but
    // "no such file" counts as taken.
    QT_STATBUF st;
    return QT_LSTAT(QFile::encodeName(path).constData(), &st) == 0 || errno != ENOENT;
#else
    const QFileInfo info(path);
    return info.exists() || info.isSymLink() || info.isJunction();
#endif
}

QString downloadRoot(const QString &downloadDir)
{
    return QDir::cleanPath(QDir(downloadDir).absolutePath());
}

QString resolve(
    const QString &downloadDir, const QString &safeRelative, bool createParents, QString *error)
{
    const QString root = downloadRoot(downloadDir);
    const QStringList components = safeRelative.split(QLatin1Char('/'));
    QString path = root;
    for (int i = 0; i < components.size(); ++i) {
        const QString &c = components.at(i);
        if (c.isEmpty() || c == QLatin1String(".") || c == QLatin1String("..")) {
            *error
                = QCoreApplication::translate("SafePath", "unsafe path \"%1\"").arg(safeRelative);
            return {};
        }
        path += QLatin1Char('/') + c;
        const bool last = i == components.size() - 1;
        const QFileInfo info(path);
        // A junction (Windows) leads elsewhere like a symlink, and any user can make one;
        // QFileInfo::isSymLink() does not count it.
        if (info.isSymLink() || info.isJunction()) {
            if (last)
                continue; // the caller never writes through it: uniqueTarget() steps around it
            *error
                = QCoreApplication::translate("SafePath", "refusing to follow the symlink \"%1\"")
                      .arg(path);
            return {};
        }
        if (last)
            break;
        if (info.exists()) {
            if (!info.isDir()) {
                *error
                    = QCoreApplication::translate("SafePath", "\"%1\" exists and is not a folder")
                          .arg(path);
                return {};
            }
        } else if (createParents) {
            if (!QDir().mkdir(path) && !QFileInfo(path).isDir()) {
                *error = QCoreApplication::translate("SafePath", "cannot create the folder \"%1\"")
                             .arg(path);
                return {};
            }
        }
    }
    return path;
}

QString Resolver::resolve(const QString &safeRelative, QString *error)
{
    const qsizetype slash = safeRelative.lastIndexOf(QLatin1Char('/'));
    const QStringView folderView
        = slash > 0 ? QStringView(safeRelative).left(slash) : QStringView();
    const QStringView name = QStringView(safeRelative).mid(slash + 1);
    const bool plainName = !name.isEmpty() && name != u"." && name != u"..";
    // The files of a folder come one after another (the offer is sorted): the last folder is
    // compared in place, without a key to allocate and hash for every file.
    if (plainName && m_last && folderView == m_last->first)
        return m_last->second + QLatin1Char('/') + name;
    const QString folder = folderView.toString();
    const auto known = m_folders.constFind(folder);
    if (known != m_folders.constEnd() && plainName) {
        m_last = std::pair {folder, *known};
        return *known + QLatin1Char('/') + name;
    }
    const QString path = SafePath::resolve(m_downloadDir, safeRelative, true, error);
    if (!path.isEmpty()) {
        m_last = std::pair {folder, path.left(path.size() - name.size() - 1)};
        m_folders.insert(folder, m_last->second);
    }
    return path;
}

QString uniqueTarget(const QString &absolutePath)
{
    if (!existsNoFollow(absolutePath))
        return absolutePath;
    const QFileInfo info(absolutePath);
    const QString dir = info.path();
    const QString name = info.fileName();
    // "archive.tar.gz" → "archive (1).tar.gz"; ".bashrc" → ".bashrc (1)"
    int dot = name.indexOf(QLatin1Char('.'), 1);
    const QString stem = dot > 0 ? name.left(dot) : name;
    const QString ext = dot > 0 ? name.mid(dot) : QString();
    for (int n = 1; n < 100000; ++n) {
        const QString candidate
            = dir + QLatin1Char('/') + stem + QStringLiteral(" (%1)").arg(n) + ext;
        if (!existsNoFollow(candidate))
            return candidate;
    }
    return {};
}

} // namespace PunchDrop::SafePath
