// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFile>
#include <QIODevice>

#include <memory>

namespace PunchDrop::Test {

/*!
 * A write device in front of a real file that accepts \a budget bytes and then fails every
 * write, like a disk that filled up (KeePassXC's FailDevice idea). What was accepted really
 * reaches the file, so a later resume can be checked.
 */
class FailDevice : public QIODevice
{
    Q_OBJECT
public:
    FailDevice(std::unique_ptr<QFile> file, qint64 budget, QObject *parent = nullptr);
    ~FailDevice() override;

    bool isSequential() const override { return true; }
    void close() override;
    qint64 bytesAccepted() const { return m_accepted; }

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    std::unique_ptr<QFile> m_file;
    qint64 m_budget = 0;
    qint64 m_accepted = 0;
};

} // namespace PunchDrop::Test
