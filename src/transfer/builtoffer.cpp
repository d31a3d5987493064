// SPDX-License-Identifier: GPL-3.0-or-later
#include "builtoffer.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <qplatformdefs.h>
#endif

namespace PunchDrop {

using namespace Transfer;

namespace {

//! One file or folder found: its absolute path and what the offer says about it.
struct Found
{
    QString path;
    OfferItem item; //!< relativePath not yet set
    bool readable = true; //!< files only
};

#ifdef Q_OS_UNIX
/*!
 * What one stat says, without QFileInfo: a 10 000-file folder must not cost a time-zone lookup
 * (QFileInfo::lastModified() is local time) and several access() calls per file. Follows a
 * symlinked file to its content; false for what is gone, a symlinked folder (never followed
 * inside a folder: loops; \a followFolder for one the user named) and anything but a plain file
 * or a folder (sockets, fifos, devices).
 */
bool describeAt(
    int dirfd, const char *name, const QString &path, Found *found, bool followFolder = false)
{
    struct stat st
    {
    };
    if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return false;
    if (S_ISLNK(st.st_mode)
        && (::fstatat(dirfd, name, &st, 0) != 0 || (S_ISDIR(st.st_mode) && !followFolder)))
        return false;
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
        return false;
    found->path = path;
    OfferItem &item = found->item;
    item.isDirectory = S_ISDIR(st.st_mode);
    item.size = item.isDirectory ? 0 : qint64(st.st_size);
    item.executable = !item.isDirectory && (st.st_mode & 0111) != 0;
    item.modified = QDateTime::fromMSecsSinceEpoch(
        qint64(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000, Qt::UTC);
    // Root reads everything; a file of ours, its owner bits; access() only for the rest. An
    // ACL that says otherwise shows when the file is opened, with the same error.
    static const uid_t euid = ::geteuid();
    if (!item.isDirectory && euid != 0)
        found->readable = st.st_uid == euid ? (st.st_mode & S_IRUSR) != 0
                                            : ::faccessat(dirfd, name, R_OK, 0) == 0;
    return true;
}

bool describe(const QString &path, Found *found, bool followFolder = false)
{
    return describeAt(AT_FDCWD, QFile::encodeName(path).constData(), path, found, followFolder);
}

//! \a dir + '/' + \a name in one allocation: most names are ASCII, which needs no decoding.
QString childPath(const QString &dir, const char *name)
{
    const qsizetype length = qsizetype(std::strlen(name));
    if (std::any_of(name, name + length, [](char c) { return uchar(c) >= 0x80; }))
        return dir + QLatin1Char('/') + QFile::decodeName(name);
    QString path;
    path.reserve(dir.size() + 1 + length);
    path += dir;
    path += QLatin1Char('/');
    path += QLatin1StringView(name, length);
    return path;
}

/*!
 * Everything below the folder \a dir (its absolute path; \a named: the one the user named) into
 * \a entries: readdir() and one fstatat() per entry relative to the folder's descriptor (one
 * name looked up, not the whole path; no QDirIterator and QFileInfo per entry). A folder that
 * cannot be opened or read is left out, as QDirIterator leaves it out.
 */
void walk(const QString &dir, QList<Found> *entries, bool named = true)
{
    // The folder the user named may be a symlink (they mean its content); one found inside is
    // opened only as the folder it was when looked at, never through a symlink put there since.
    const int fd = ::open(QFile::encodeName(dir).constData(),
        O_RDONLY | O_DIRECTORY | O_CLOEXEC | (named ? 0 : O_NOFOLLOW));
    if (fd < 0)
        return;
    DIR *stream = ::fdopendir(fd);
    if (!stream) {
        ::close(fd);
        return;
    }
    QStringList folders;
    while (const dirent *entry = ::readdir(stream)) {
        const char *name = entry->d_name;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
            continue;
        Found found;
        if (!describeAt(fd, name, childPath(dir, name), &found))
            continue;
        if (found.item.isDirectory)
            folders.append(found.path);
        entries->append(std::move(found));
    }
    ::closedir(stream); // one folder open at a time, however deep the tree
    for (const QString &folder : std::as_const(folders))
        walk(folder, entries, false);
}
#else
bool describe(const QString &path, Found *found, bool followFolder = false)
{
    const QFileInfo info(path);
    if (!info.exists() || (info.isSymLink() && info.isDir() && !followFolder)
        || (!info.isDir() && !info.isFile()))
        return false;
    found->path = info.absoluteFilePath();
    OfferItem &item = found->item;
    item.isDirectory = info.isDir();
    item.size = item.isDirectory ? 0 : info.size();
    item.executable = !item.isDirectory && info.isExecutable();
    item.modified = info.lastModified().toUTC();
    found->readable = item.isDirectory || info.isReadable();
    return true;
}
#endif

void addItem(BuiltOffer &out, Found &&found, const QString &relative)
{
    found.item.relativePath = relative;
    if (!found.item.isDirectory) {
        out.offer.totalBytes += found.item.size;
        ++out.offer.fileCount;
    }
    out.offer.items.append(std::move(found.item));
    out.sources.append(std::move(found.path));
}

//! Adds what is inside the folder \a root (offered as \a name), sorted; false on an error.
bool addFolderContent(BuiltOffer &out, const QString &root, const QString &name)
{
    // Symlinked folders are not followed (loops); symlinked files are sent as their content.
    QList<Found> entries;
#ifdef Q_OS_UNIX
    walk(root.endsWith(QLatin1Char('/')) ? root.chopped(1) : root, &entries);
#else
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
        QDirIterator::Subdirectories);
    while (it.hasNext()) {
        Found found;
        if (describe(it.next(), &found))
            entries.append(std::move(found));
    }
#endif
    std::sort(entries.begin(), entries.end(),
        [](const Found &a, const Found &b) { return a.path < b.path; });
    // Every path the iterator gives starts with root + '/'.
    const qsizetype prefix = root.size() + (root.endsWith(QLatin1Char('/')) ? 0 : 1);
    out.offer.items.reserve(out.offer.items.size() + entries.size());
    out.sources.reserve(out.sources.size() + entries.size());
    for (Found &found : entries) {
        if (!found.item.isDirectory && !found.readable) {
            out.error = QStringLiteral("%1 is not readable").arg(found.path);
            return false;
        }
        const QString relative = name + QLatin1Char('/') + QStringView(found.path).mid(prefix);
        addItem(out, std::move(found), relative);
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
    // receiver call it a malformed frame (~250 000 items of typical path length). Encoded to
    // learn its exact size only when the bound from the path lengths does not settle it.
    if (offerFrameLengthAtMost(out.offer) <= kMaxFrameLength)
        return;
    // The code nonce is added when it is sent: key "n" (2 bytes), its head (2) and 32 bytes; the
    // map's head stays one byte.
    const qint64 frameLength
        = encodeMessage(out.offer).size() - kLengthFieldSize + 2 + 2 + kCodeNonceSize;
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
        Found found;
        if (!root.exists()) {
            out.error = QStringLiteral("%1 does not exist").arg(path);
            return out;
        }
        if (!describe(QDir::cleanPath(root.absoluteFilePath()), &found, true)) {
            out.error = QStringLiteral("%1 is neither a file nor a folder").arg(path);
            return out;
        }
        const QString name = root.isDir() && root.fileName().isEmpty()
            ? QDir(root.absoluteFilePath()).dirName()
            : root.fileName();
        if (!found.item.isDirectory && !found.readable) {
            out.error = QStringLiteral("%1 is not readable").arg(path);
            return out;
        }
        const bool folder = found.item.isDirectory;
        const QString absolute = found.path;
        addItem(out, std::move(found), name);
        if (folder && !addFolderContent(out, absolute, name))
            return out;
    }
    checkOfferSize(out);
    return out;
}

} // namespace PunchDrop
