// SPDX-License-Identifier: GPL-3.0-or-later
#include "builtoffer.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace PunchDrop {

using namespace Transfer;

namespace {

OfferItem itemFor(const QFileInfo &info, const QString &relative)
{
    OfferItem item;
    item.relativePath = relative;
    item.isDirectory = info.isDir();
    item.size = item.isDirectory ? 0 : info.size();
#ifdef Q_OS_UNIX
    // The mode bits from the stat QFileInfo already holds (isExecutable() asks access() again,
    // one system call per file of a 10 000-file folder).
    item.executable = !item.isDirectory
        && (info.permissions() & (QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther));
#else
    item.executable = !item.isDirectory && info.isExecutable();
#endif
    item.modified = info.lastModified().toUTC();
    return item;
}

//! Whether this process may read the file \a info describes.
bool readable(const QFileInfo &info)
{
#ifdef Q_OS_UNIX
    // From the stat QFileInfo already holds where it decides (root reads everything; a file of
    // ours, its owner bits), access() only for the rest: one system call less for each file of
    // a 10 000-file folder. An ACL that says otherwise shows when the file is opened.
    static const uint euid = ::geteuid();
    if (euid == 0)
        return true;
    if (info.ownerId() == euid)
        return info.permissions().testFlag(QFile::ReadOwner);
#endif
    return info.isReadable();
}

void addItem(BuiltOffer &out, const QFileInfo &info, const QString &relative)
{
    const OfferItem item = itemFor(info, relative);
    if (!item.isDirectory) {
        out.offer.totalBytes += item.size;
        ++out.offer.fileCount;
    }
    out.offer.items.append(item);
    out.sources.append(info.absoluteFilePath());
}

//! Adds what is inside the folder \a root (offered as \a name), sorted; false on an error.
bool addFolderContent(BuiltOffer &out, const QFileInfo &root, const QString &name)
{
    // Symlinked folders are not followed (loops); symlinked files are sent as their content.
    QDirIterator it(root.absoluteFilePath(),
        QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
        QDirIterator::Subdirectories);
    QList<QFileInfo> entries;
    while (it.hasNext()) {
        it.next();
        const QFileInfo info = it.fileInfo();
        if (info.isSymLink() && info.isDir())
            continue;
        if (!info.isDir() && !info.isFile())
            continue; // sockets, fifos, devices
        entries.append(info);
    }
    std::sort(entries.begin(), entries.end(), [](const QFileInfo &a, const QFileInfo &b) {
        return a.absoluteFilePath() < b.absoluteFilePath();
    });
    const QDir base(root.absoluteFilePath());
    for (const QFileInfo &info : std::as_const(entries)) {
        if (!info.isDir() && !readable(info)) {
            out.error = QStringLiteral("%1 is not readable").arg(info.absoluteFilePath());
            return false;
        }
        addItem(
            out, info, name + QLatin1Char('/') + base.relativeFilePath(info.absoluteFilePath()));
    }
    return true;
}

//! Refuses an offer with too many items or one that would not fit one frame.
void checkOfferSize(BuiltOffer &out)
{
    if (out.offer.items.size() > kMaxOfferItems) {
        out.error = QStringLiteral("too many files (%1, at most %2)")
                        .arg(out.offer.items.size())
                        .arg(kMaxOfferItems);
        return;
    }
    // The whole OFFER is one frame: refuse here, with the numbers, rather than let the
    // receiver call it a malformed frame (~250 000 items of typical path length).
    const qint64 frameLength = encodeMessage(out.offer).size() - kLengthFieldSize;
    if (frameLength > kMaxFrameLength) {
        out.tooLarge = true;
        out.error = QStringLiteral("too many files to send at once: %1 items (%2 files) make "
                                   "an offer of %3 bytes, the limit is %4 bytes (about 250 000 "
                                   "items with short paths); send them in smaller parts")
                        .arg(out.offer.items.size())
                        .arg(out.offer.fileCount)
                        .arg(frameLength)
                        .arg(kMaxFrameLength);
    }
}

} // namespace

BuiltOffer BuiltOffer::build(const QStringList &paths)
{
    BuiltOffer out;
    for (const QString &path : paths) {
        const QFileInfo root(path);
        if (!root.exists()) {
            out.error = QStringLiteral("%1 does not exist").arg(path);
            return out;
        }
        const QString name = root.isDir() && root.fileName().isEmpty()
            ? QDir(root.absoluteFilePath()).dirName()
            : root.fileName();
        if (!root.isDir() && !readable(root)) {
            out.error = QStringLiteral("%1 is not readable").arg(path);
            return out;
        }
        addItem(out, root, name);
        if (root.isDir() && !addFolderContent(out, root, name))
            return out;
    }
    checkOfferSize(out);
    return out;
}

} // namespace PunchDrop
