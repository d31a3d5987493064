// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/heldpart.h"

#include "support/testhelpers.h"
#include "transfer/filesink.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#endif

namespace PunchDrop::Test {

bool makeSparse(const QString &path, qint64 size)
{
    QFile f(path);
    return f.open(QIODevice::ReadWrite) && f.resize(size);
}

bool isSparse(const QString &path)
{
#ifdef Q_OS_UNIX
    struct stat st
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &st) == 0
        && qint64(st.st_blocks) * 512 < 64 * 1024 * 1024;
#else
    Q_UNUSED(path)
    return false;
#endif
}

bool leaveHeldPart(const QString &source, const QString &downloadDir, const DeviceId &sender,
    qint64 size, qint64 held)
{
    if (!writeFile(source, {}) || !makeSparse(source, size) || !isSparse(source))
        return false;
    PartMeta meta;
    meta.sender = sender;
    meta.path = QFileInfo(source).fileName();
    meta.size = size;
    meta.mtimeMs = QFileInfo(source).lastModified().toUTC().toMSecsSinceEpoch();
    if (!QDir().mkpath(downloadDir))
        return false;
    const QString target = QDir(downloadDir).filePath(meta.path);
    FileSink first(target);
    if (!first.begin(0, meta) || !first.write(QByteArray(1, '\0')))
        return false;
    first.suspend();
    const QString part = FileSink::partPathFor(target, meta);
    return makeSparse(part, held) && isSparse(part);
}

} // namespace PunchDrop::Test
