// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QIODevice>

#include <chrono>

namespace PunchDrop::Test {

/*!
 * A write device in front of a real file (not owned) that accepts \a budget bytes and then
 * fails every write, like a disk that filled up (KeePassXC's FailDevice idea). What was accepted
 * really reaches the file, so a later resume can be checked. setWriteDelay() makes it a slow
 * disk as well.
 */
class FailDevice : public QIODevice
{
    Q_OBJECT
public:
    FailDevice(QIODevice *file, qint64 budget, QObject *parent = nullptr);
    ~FailDevice() override;

    bool isSequential() const override { return true; }
    qint64 bytesAccepted() const { return m_accepted; }
    //! Every write first sleeps \a delay (in the writing thread).
    void setWriteDelay(std::chrono::milliseconds delay) { m_delay = delay; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    QIODevice *m_file = nullptr;
    qint64 m_budget = 0;
    qint64 m_accepted = 0;
    std::chrono::milliseconds m_delay {0};
};

} // namespace PunchDrop::Test
