// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QString>

#include <optional>
#include <utility>

/*!
 * Where an offered path may land on the receiver's disk. The sender chooses names, never
 * locations: every offered path is cut into components, hostile ones are refused, awkward ones
 * sanitised, and the result is joined under the download folder without following symlinks.
 *
 * Refused (the whole path): empty, absolute ("/x", "\x"), UNC ("\\server\share"), drive letters
 * ("C:..."), "." / ".." / empty components, components over 255 UTF-8 bytes, paths over 4096
 * bytes or 64 levels, components that are empty after sanitising.
 * Sanitised (per component): control characters and `\ : * ? " < > |` become '_'; trailing dots
 * and spaces are dropped; Windows reserved device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, also
 * with an extension) get a leading '_'; names ending in the part-file suffix get a trailing '_'
 * so they can never collide with an in-progress download.
 */
namespace PunchDrop::SafePath {

constexpr int kMaxComponentBytes = 255;
constexpr int kMaxPathBytes = 4096;
constexpr int kMaxDepth = 64;
//! Suffix of in-progress downloads, and of their resume metadata (`<name>.pdpart.meta`).
inline QString partSuffix()
{
    return QStringLiteral(".pdpart");
}
inline QString metaSuffix()
{
    return QStringLiteral(".pdpart.meta");
}

struct Sanitized
{
    QString relativePath; //!< '/'-separated, safe to join under the download folder
    QString error; //!< why it was refused
    bool ok() const { return error.isEmpty(); }
};

//! Checks and sanitises an offered path. Pure (does not touch the disk).
Sanitized sanitize(const QString &offered);
//! sanitize() without its fast path for a path that needs no change (what the tests compare).
Sanitized sanitizeFully(const QString &offered);

//! The download folder as resolve() builds every target from it: absolute, cleaned.
QString downloadRoot(const QString &downloadDir);

/*!
 * The absolute path of \a safeRelative (from sanitize()) under \a downloadDir. When
 * \a createParents is set, missing parent folders are created. Refuses when any existing
 * component below \a downloadDir is a symlink or not a folder. Empty with \a error on refusal.
 */
QString resolve(
    const QString &downloadDir, const QString &safeRelative, bool createParents, QString *error);

/*!
 * resolve() for the many files of one download: a folder it checked (and created) once is not
 * looked at again, so 10 000 files in 100 folders cost 100 checks, not 30 000. What it trusts
 * is what resolve() saw when it first met the folder: only a local process that can write the
 * download folder could change it since, and the part file is still opened without following a
 * symlink.
 */
class Resolver
{
public:
    explicit Resolver(QString downloadDir = {})
        : m_downloadDir(std::move(downloadDir))
        , m_root(downloadRoot(m_downloadDir))
    { }
    //! As resolve(downloadDir, safeRelative, true, error).
    QString resolve(const QString &safeRelative, QString *error);
    //! downloadRoot() of the folder: the start of every path resolve() gives.
    const QString &root() const { return m_root; }

private:
    QString m_downloadDir;
    QString m_root;
    QHash<QString, QString> m_folders; //!< relative folder → resolved absolute folder
    std::optional<std::pair<QString, QString>> m_last; //!< the folder met last, as in m_folders
};

//! \a absolutePath if nothing exists there (not even a dangling symlink), else "name (1).ext", …
QString uniqueTarget(const QString &absolutePath);

//! Whether something (file, folder or symlink, even dangling) exists at \a path.
bool existsNoFollow(const QString &path);

} // namespace PunchDrop::SafePath
