// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/coro/wakeup.h"

#include <utility>

namespace PunchDrop {

Wakeup::Wakeup(QObject *parent)
    : QObject(parent)
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] { resumeNow(false); });
}

Wakeup::~Wakeup() = default;

void Wakeup::arm(std::coroutine_handle<> handle, std::chrono::milliseconds timeout)
{
    m_handle = handle;
    m_woken = false;
    m_timer.start(std::max(timeout, std::chrono::milliseconds(0)));
}

void Wakeup::wake()
{
    if (!m_handle || m_scheduled)
        return;
    m_scheduled = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_scheduled = false;
            resumeNow(true);
        },
        Qt::QueuedConnection);
}

void Wakeup::resumeNow(bool woken)
{
    if (!m_handle)
        return;
    m_timer.stop();
    m_woken = woken;
    std::exchange(m_handle, {}).resume();
}

} // namespace PunchDrop
