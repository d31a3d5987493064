// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QObject>
#include <QString>

#include <qcorotask.h>

#include <chrono>

class QHostInfo;

namespace PunchDrop {

/*!
 * Resolves \a host (a name or an address literal) without blocking the event loop; the first
 * IPv4 address is preferred. A null address when the lookup fails or takes longer than
 * \a timeout.
 */
QCoro::Task<QHostAddress> lookupHost(QString host, std::chrono::milliseconds timeout);

namespace Detail {
//! Carries QHostInfo's callback into a signal a coroutine can await.
class HostLookupRelay : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
Q_SIGNALS:
    void finished(const QHostInfo &info);
};
} // namespace Detail

} // namespace PunchDrop
