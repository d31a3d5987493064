// SPDX-License-Identifier: GPL-3.0-or-later
#include "testhelpers.h"

#include <QProcess>
#include <QProcessEnvironment>

namespace PunchDrop::Test {

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
    ProcessResult result;
    QProcess process;
    process.start(punchdropBinary(), arguments);
    if (!process.waitForStarted(timeoutMs))
        return result;
    result.finished = process.waitForFinished(timeoutMs);
    if (!result.finished) {
        process.kill();
        process.waitForFinished(5000);
    }
    result.exitCode = process.exitCode();
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    return result;
}

} // namespace PunchDrop::Test
