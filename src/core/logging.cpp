// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging.h"

Q_LOGGING_CATEGORY(lcCore, "punchdrop.core", QtInfoMsg)
Q_LOGGING_CATEGORY(lcNet, "punchdrop.net", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPunch, "punchdrop.punch", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServer, "punchdrop.server", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRelay, "punchdrop.relay", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCluster, "punchdrop.cluster", QtInfoMsg)
Q_LOGGING_CATEGORY(lcLan, "punchdrop.lan", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTransfer, "punchdrop.transfer", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCli, "punchdrop.cli", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGui, "punchdrop.gui", QtInfoMsg)

namespace PunchDrop::Logging {

namespace {
QtMessageHandler g_previousHandler = nullptr;

/*
 * Sockets adopted in BoundState (the hole punch's fresh socket per attempt) make Qt's socket
 * engine print "QNativeSocketEngine::read() was called not in ConnectedState" when an attempt is
 * refused: benign (nat-lab / toolchain notes), but dozens per punch. Drop exactly those.
 */
void filterHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (type == QtWarningMsg && message.startsWith(QLatin1String("QNativeSocketEngine::"))
        && message.contains(QLatin1String("was called")))
        return;
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}
} // namespace

void install(Mode mode, bool verbose)
{
    static bool filterInstalled = false;
    if (!filterInstalled) {
        filterInstalled = true;
        g_previousHandler = qInstallMessageHandler(filterHandler);
    }
    if (mode == Mode::Headless) {
        qSetMessagePattern(
            QStringLiteral("%{time yyyy-MM-ddTHH:mm:ss.zzz} "
                           "%{if-debug}D%{endif}%{if-info}I%{endif}%{if-warning}W%{endif}"
                           "%{if-critical}E%{endif}%{if-fatal}F%{endif} %{category}: %{message}"));
    } else {
        qSetMessagePattern(QStringLiteral("%{category}: %{message}"));
    }
    if (verbose)
        QLoggingCategory::setFilterRules(QStringLiteral("punchdrop.*.debug=true"));
}

} // namespace PunchDrop::Logging
