// SPDX-License-Identifier: GPL-3.0-or-later
#include "testhelpers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTest>

namespace PunchDrop::Test {

QByteArray randomBytes(qint64 size, quint32 seed)
{
    QByteArray data((size + 3) / 4 * 4, Qt::Uninitialized);
    QRandomGenerator gen(seed);
    gen.fillRange(reinterpret_cast<quint32 *>(data.data()), data.size() / 4);
    data.truncate(size);
    return data;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QStringList partFilesOf(const QString &target)
{
    const QFileInfo info(target);
    QStringList found;
    const QDir dir(info.path());
    for (const QString &name : dir.entryList({info.fileName() + QStringLiteral(".*.pdpart")},
             QDir::Files | QDir::Hidden | QDir::System, QDir::Name))
        found << dir.filePath(name);
    return found;
}

DeviceIdentity ephemeralIdentity()
{
    QString error;
    auto identity = DeviceIdentity::generateEphemeral(&error);
    if (!identity)
        qFatal("cannot create an identity: %s", qPrintable(error));
    return *identity;
}

QString punchdropBinary()
{
    return QProcessEnvironment::systemEnvironment().value(QStringLiteral("PUNCHDROP_BINARY"));
}

ProcessResult runPunchdrop(const QStringList &arguments, int timeoutMs)
{
    return runProgram(punchdropBinary(), arguments, timeoutMs);
}

ProcessResult runProgram(const QString &program, const QStringList &arguments, int timeoutMs)
{
    ProcessResult result;
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForStarted(timeoutMs))
        return result;
    // The event loop runs meanwhile: servers and clients the test keeps in this process stay
    // responsive (a blocking wait on a slow child, e.g. an ASan build, made them time out).
    result.finished = QTest::qWaitFor(
        [&process] { return process.state() == QProcess::NotRunning; }, timeoutMs);
    if (!result.finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    result.exitCode = process.exitCode();
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

QString zbarimgPath()
{
    return QStandardPaths::findExecutable(QStringLiteral("zbarimg"));
}

ProcessResult readQrCode(const QString &imagePath)
{
    // --raw: the decoded bytes alone, one symbol per line.
    return runProgram(
        zbarimgPath(), {QStringLiteral("--quiet"), QStringLiteral("--raw"), imagePath}, 30000);
}

bool underCi()
{
    const QString ci = qEnvironmentVariable("CI").toLower();
    return ci == QLatin1String("true") || ci == QLatin1String("1") || ci == QLatin1String("yes");
}

} // namespace PunchDrop::Test
