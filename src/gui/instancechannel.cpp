// SPDX-License-Identifier: GPL-3.0-or-later
#include "instancechannel.h"

#include "core/logging.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>

namespace PunchDrop::Gui {

namespace {
//! Unix socket paths are limited to ~104 bytes (sun_path).
constexpr int kMaxSocketPath = 100;
} // namespace

InstanceChannel::InstanceChannel(const ConfigDir &configDir, QObject *parent)
    : QObject(parent)
    , m_configDir(configDir)
{ }

InstanceChannel::~InstanceChannel() = default;

QString InstanceChannel::serverName(const ConfigDir &configDir)
{
#ifdef Q_OS_UNIX
    // Inside the owner-only config directory: nobody else can connect, or listen first.
    const QString inside = configDir.filePath(QStringLiteral("instance.socket"));
    if (QFile::encodeName(inside).size() <= kMaxSocketPath)
        return inside;
#endif
    // A named pipe (Windows), or a deep config directory: a name derived from the directory,
    // restricted to this user by QLocalServer::UserAccessOption.
    const QByteArray digest = QCryptographicHash::hash(
        QDir(configDir.path()).absolutePath().toUtf8(), QCryptographicHash::Sha256);
    return QStringLiteral("punchdrop-") + QString::fromLatin1(digest.toHex().left(24));
}

bool InstanceChannel::listen(QString *error)
{
    if (!m_configDir.ensureExists(error))
        return false;
    const QString name = serverName(m_configDir);
    // The InstanceLock is ours: a socket still there belongs to a run that died.
    QLocalServer::removeServer(name);
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    m_server->setMaxPendingConnections(4);
    if (!m_server->listen(name)) {
        *error = m_server->errorString();
        delete m_server;
        m_server = nullptr;
        return false;
    }
    connect(m_server, &QLocalServer::newConnection, this, &InstanceChannel::onNewConnection);
    return true;
}

void InstanceChannel::onNewConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        onReadyRead(socket);
    }
}

void InstanceChannel::onReadyRead(QLocalSocket *socket)
{
    if (socket->bytesAvailable() > kMaxMessageBytes) {
        qCWarning(lcGui) << "instance channel: message too large, dropped";
        socket->abort();
        return;
    }
    if (!socket->canReadLine())
        return;
    const QByteArray line = socket->readLine(kMaxMessageBytes);
    const QJsonObject message = QJsonDocument::fromJson(line).object();
    const QJsonArray paths = message.value(QLatin1String("paths")).toArray();
    if (!message.value(QLatin1String("activate")).toBool() || paths.size() > kMaxPaths) {
        qCWarning(lcGui) << "instance channel: malformed message, dropped";
        socket->abort();
        return;
    }
    QStringList files;
    for (const QJsonValue &path : paths) {
        const QString file = path.toString();
        if (!file.isEmpty() && QDir::isAbsolutePath(file))
            files << file;
    }
    socket->write("ok\n");
    socket->flush();
    socket->disconnectFromServer();
    Q_EMIT activationRequested(files);
}

bool InstanceChannel::activateRunning(
    const ConfigDir &configDir, const QStringList &paths, QString *error, int timeoutMs)
{
    QJsonArray list;
    for (const QString &path : paths)
        list.append(QFileInfo(path).absoluteFilePath());
    const QByteArray message = QJsonDocument(QJsonObject {{QStringLiteral("activate"), true},
                                                 {QStringLiteral("paths"), list}})
                                   .toJson(QJsonDocument::Compact)
        + '\n';
    if (message.size() > kMaxMessageBytes || paths.size() > kMaxPaths) {
        *error = tr("Too many files for one launch.");
        return false;
    }
    // Blocking waits, bounded: this process has no window and only this to do before it exits.
    const QDeadlineTimer deadline(timeoutMs);
    QLocalSocket socket;
    socket.connectToServer(serverName(configDir));
    if (!socket.waitForConnected(int(deadline.remainingTime()))) {
        *error = socket.errorString();
        return false;
    }
    socket.write(message);
    while (!socket.canReadLine()) {
        if (deadline.hasExpired() || !socket.waitForReadyRead(int(deadline.remainingTime()))) {
            *error = tr("The running PunchDrop did not answer.");
            return false;
        }
    }
    return socket.readLine(16).trimmed() == "ok";
}

} // namespace PunchDrop::Gui
