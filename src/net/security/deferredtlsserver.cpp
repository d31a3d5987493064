// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/security/deferredtlsserver.h"

#include "core/socket/reusablesocket.h"

#include <QSslSocket>

namespace PunchDrop {

void DeferredTlsServer::incomingConnection(qintptr descriptor)
{
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        ReusableSocket::closeNative(descriptor);
        return;
    }
    addPendingConnection(socket);
}

} // namespace PunchDrop
