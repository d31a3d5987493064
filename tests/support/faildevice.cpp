// SPDX-License-Identifier: GPL-3.0-or-later
#include "faildevice.h"

#include <QThread>

namespace PunchDrop::Test {

FailDevice::FailDevice(QIODevice *file, qint64 budget, QObject *parent)
    : QIODevice(parent)
    , m_file(file)
    , m_budget(budget)
{
    setOpenMode(QIODevice::WriteOnly | QIODevice::Unbuffered);
}

FailDevice::~FailDevice() = default;

qint64 FailDevice::readData(char *, qint64)
{
    return -1;
}

qint64 FailDevice::writeData(const char *data, qint64 size)
{
    if (m_delay.count() > 0)
        QThread::msleep(static_cast<unsigned long>(m_delay.count()));
    const qint64 room = m_budget - m_accepted;
    if (room <= 0) {
        setErrorString(QStringLiteral("No space left on device (injected)"));
        return -1;
    }
    const qint64 n = m_file->write(data, qMin(room, size));
    if (n < 0) {
        setErrorString(m_file->errorString());
        return -1;
    }
    m_accepted += n;
    if (n < size) // a short write is how a full disk shows itself
        setErrorString(QStringLiteral("No space left on device (injected)"));
    return n;
}

} // namespace PunchDrop::Test
