// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/socket/fdpoller.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>

#include <cerrno>
#include <cstring>

#ifdef Q_OS_LINUX
#include <sys/epoll.h>
#include <unistd.h>
#endif

namespace PunchDrop {

namespace {
thread_local FdPoller *t_poller = nullptr;

#ifdef Q_OS_LINUX
quint64 packEvent(qintptr fd, quint32 tag)
{
    return (quint64(tag) << 32) | quint32(fd);
}
#endif
} // namespace

FdPoller::Backend FdPoller::defaultBackend()
{
#ifdef Q_OS_LINUX
    return Backend::Epoll;
#else
    return Backend::Notifiers;
#endif
}

FdPoller *FdPoller::forCurrentThread()
{
    if (t_poller)
        return t_poller;
    auto *poller = new FdPoller;
    t_poller = poller;
    QThread *thread = QThread::currentThread();
    // A QThread's poller goes with the thread (deferred deletes run after finished()); the main
    // thread's lives until the process ends, like the owners it serves.
    const QCoreApplication *app = QCoreApplication::instance();
    if (thread && (!app || thread != app->thread()))
        connect(thread, &QThread::finished, poller, &QObject::deleteLater);
    return poller;
}

FdPoller::FdPoller(Backend backend, QObject *parent)
    : QObject(parent)
    , m_backend(backend)
{
#ifdef Q_OS_LINUX
    if (m_backend != Backend::Epoll)
        return;
    m_epollFd = epoll_create1(EPOLL_CLOEXEC);
    if (m_epollFd < 0) {
        m_errorString
            = QStringLiteral("epoll_create1: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        qCWarning(lcNet).noquote() << "FdPoller:" << m_errorString;
        return;
    }
    m_epollNotifier = new QSocketNotifier(m_epollFd, QSocketNotifier::Read, this);
    connect(m_epollNotifier, &QSocketNotifier::activated, this, &FdPoller::onEpollReadable);
#else
    if (m_backend == Backend::Epoll) {
        m_backend = Backend::Notifiers; // no epoll here
        qCWarning(lcNet) << "FdPoller: epoll is Linux only, using a notifier per descriptor";
    }
#endif
}

FdPoller::~FdPoller()
{
    if (t_poller == this)
        t_poller = nullptr;
    m_entries.clear(); // their notifiers first
    delete m_epollNotifier;
#ifdef Q_OS_LINUX
    if (m_epollFd >= 0)
        ::close(m_epollFd);
#endif
}

bool FdPoller::isValid() const
{
    return m_backend == Backend::Notifiers || m_epollFd >= 0;
}

bool FdPoller::watch(qintptr fd, QObject *owner, Handler handler)
{
    if (fd < 0 || !owner || !handler) {
        m_errorString = QStringLiteral("watch: no descriptor, owner or handler");
        return false;
    }
    if (!isValid())
        return false;
    const bool replacing = m_entries.count(fd) != 0;
    if (replacing)
        unwatch(fd);
    Entry &entry = m_entries[fd];
    entry.owner = owner;
    entry.handler = std::move(handler);
    entry.tag = m_nextTag++;
    if (m_nextTag == 0)
        m_nextTag = 1;
    if (m_backend == Backend::Notifiers) {
        makeNotifiers(fd, entry);
        return true;
    }
    if (!updateKernel(fd, entry)) {
        m_entries.erase(fd);
        return false;
    }
    return true;
}

void FdPoller::unwatch(qintptr fd)
{
    const auto it = m_entries.find(fd);
    if (it == m_entries.end())
        return;
#ifdef Q_OS_LINUX
    if (m_backend == Backend::Epoll && it->second.inKernel) // EBADF if already closed: fine
        (void)epoll_ctl(m_epollFd, EPOLL_CTL_DEL, int(fd), nullptr);
#endif
    // This may run inside one of these notifiers' own activated(): not deleted here.
    retire(it->second.readNotifier);
    retire(it->second.writeNotifier);
    m_entries.erase(it);
}

void FdPoller::setReadInterest(qintptr fd, bool on)
{
    const auto it = m_entries.find(fd);
    if (it == m_entries.end() || it->second.read == on)
        return;
    it->second.read = on;
    if (m_backend == Backend::Notifiers)
        it->second.readNotifier->setEnabled(on);
    else
        updateKernel(fd, it->second);
}

void FdPoller::setWriteInterest(qintptr fd, bool on)
{
    const auto it = m_entries.find(fd);
    if (it == m_entries.end() || it->second.write == on)
        return;
    it->second.write = on;
    if (m_backend == Backend::Notifiers)
        it->second.writeNotifier->setEnabled(on);
    else
        updateKernel(fd, it->second);
}

bool FdPoller::updateKernel(qintptr fd, Entry &entry)
{
#ifdef Q_OS_LINUX
    if (!entry.read && !entry.write) {
        // Out of the set: epoll reports a hang-up or an error whatever was asked for, and
        // level-triggered it would come back on every turn with nobody to handle it.
        if (entry.inKernel)
            (void)epoll_ctl(m_epollFd, EPOLL_CTL_DEL, int(fd), nullptr);
        entry.inKernel = false;
        return true;
    }
    epoll_event event {};
    event.events = (entry.read ? EPOLLIN : 0u) | (entry.write ? EPOLLOUT : 0u);
    event.data.u64 = packEvent(fd, entry.tag);
    if (epoll_ctl(m_epollFd, entry.inKernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, int(fd), &event)
        == 0) {
        entry.inKernel = true;
        return true;
    }
    m_errorString
        = QStringLiteral("epoll_ctl(%1): %2").arg(fd).arg(QString::fromLocal8Bit(strerror(errno)));
    qCWarning(lcNet).noquote() << "FdPoller:" << m_errorString;
    return false;
#else
    Q_UNUSED(fd);
    Q_UNUSED(entry);
    return false;
#endif
}

void FdPoller::onEpollReadable()
{
#ifdef Q_OS_LINUX
    QPointer<FdPoller> guard(this);
    epoll_event events[kBatch];
    for (int batch = 0; batch < kMaxBatches; ++batch) {
        int n = 0;
        do {
            n = epoll_wait(m_epollFd, events, kBatch, 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0)
            return;
        for (int i = 0; i < n; ++i) {
            const auto fd = qintptr(quint32(events[i].data.u64 & 0xffffffffu));
            const auto tag = quint32(events[i].data.u64 >> 32);
            const quint32 what = events[i].events;
            // A hang-up or an error is reported through the read path (recv() returns it).
            if (what & (EPOLLIN | EPOLLHUP | EPOLLERR))
                dispatch(fd, tag, Readable);
            if (!guard)
                return;
            if (what & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                dispatch(fd, tag, Writable);
            if (!guard)
                return;
        }
        if (n < kBatch)
            return;
    }
#endif
}

void FdPoller::dispatch(qintptr fd, quint32 tag, Event event)
{
    const auto it = m_entries.find(fd);
    if (it == m_entries.end() || it->second.tag != tag)
        return; // unwatched (perhaps closed and reused) earlier in this batch
    const Entry &entry = it->second;
    if (!(event == Readable ? entry.read : entry.write))
        return;
    if (!entry.owner) {
        qCWarning(lcNet) << "FdPoller: descriptor" << fd << "outlived its owner; unwatched";
        unwatch(fd);
        return;
    }
    // Copied: the handler may unwatch this descriptor, which destroys the entry.
    const Handler handler = entry.handler;
    handler(event);
}

void FdPoller::makeNotifiers(qintptr fd, Entry &entry)
{
    const quint32 tag = entry.tag;
    entry.readNotifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read);
    connect(entry.readNotifier.get(), &QSocketNotifier::activated, this,
        [this, fd, tag] { dispatch(fd, tag, Readable); });
    entry.writeNotifier = std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Write);
    entry.writeNotifier->setEnabled(false);
    connect(entry.writeNotifier.get(), &QSocketNotifier::activated, this,
        [this, fd, tag] { dispatch(fd, tag, Writable); });
}

void FdPoller::retire(std::unique_ptr<QSocketNotifier> &notifier)
{
    if (!notifier)
        return;
    notifier->setEnabled(false);
    notifier.release()->deleteLater();
}

} // namespace PunchDrop
