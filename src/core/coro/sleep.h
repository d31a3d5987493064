// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <qcorotask.h>

#include <chrono>

namespace PunchDrop {

/*!
 * co_await sleepFor(d): resumes from the event loop after \a duration (a coarse QTimer, like
 * QCoro::sleepFor). The project's own, so QCoro stays header-only (cmake/QCoroDependency.cmake):
 * QCoro::sleepFor lives in QCoro's compiled timer library.
 */
QCoro::Task<> sleepFor(std::chrono::milliseconds duration);

} // namespace PunchDrop
