// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <unordered_map>

class QSocketNotifier;

namespace PunchDrop {

/*!
 * Readiness of many descriptors behind one event-loop source.
 *
 * Qt's event loop polls (glib's or its own dispatcher): every QSocketNotifier is handed to the
 * kernel, and walked, on every turn. With 10 000 idle control connections that costs the
 * rendezvous server 300–400 µs per turn (docs/benchmarks-server.md). On Linux this class keeps
 * the descriptors in one epoll instance (level-triggered) and gives Qt a single notifier, for the
 * epoll descriptor: a turn costs O(ready descriptors), not O(watched). Elsewhere it keeps one
 * QSocketNotifier per descriptor and direction (Backend::Notifiers, today's behaviour), behind the
 * same interface.
 *
 * One poller per thread (forCurrentThread()); use it only from that thread.
 *
 * Dispatch: when the epoll descriptor is readable, the poller takes up to kBatch events at a
 * time without blocking (at most kMaxBatches batches per activation; level-triggered, so whatever
 * is left comes back on the next turn) and calls each owner's handler, once with Readable (also
 * for a hang-up or an error, so the owner's read sees it) and once with Writable, each only
 * while that interest is on. Handlers may watch, unwatch, close and delete anything, including
 * other owners later in the same batch: every event is looked up again by descriptor and by a
 * registration tag, so an event for a descriptor that was unwatched (and maybe closed and reused
 * by a new registration) inside the batch is dropped. An owner that is a destroyed QObject is
 * never called.
 *
 * Unwatch a descriptor before closing it: epoll forgets a closed descriptor by itself only when
 * no duplicate of it is left open, and the poller's table would keep the stale entry.
 *
 * Both interests are level-triggered, and an owner must act on what it is told: at the end of
 * the stream (or an error) turn reading off, unwatch or close, and keep write interest on only
 * while it has bytes to send. On Linux a neglected interest only spins the loop; with Qt's
 * Windows event dispatcher (WSAAsyncSelect) a closed socket, or a writable one with write
 * interest, is posted again on every re-registration and the loop never leaves one
 * processEvents() call (measured under Wine: an owner that kept reading a closed socket was
 * called 30,000 times in 20 s and no timer ran). ControlLink closes at the end and sets write
 * interest only while its queue is not empty.
 */
class FdPoller : public QObject
{
    Q_OBJECT
public:
    enum class Backend {
        Epoll, //!< Linux only: one epoll instance, one QSocketNotifier
        Notifiers, //!< a QSocketNotifier per descriptor and direction (every platform)
    };
    enum Event { Readable = 0x1, Writable = 0x2 };
    using Handler = std::function<void(Event)>;

    //! Events taken from the kernel per epoll_wait().
    static constexpr int kBatch = 256;
    //! epoll_wait() calls per activation of the epoll descriptor at most.
    static constexpr int kMaxBatches = 4;

    //! Epoll on Linux, Notifiers elsewhere.
    static Backend defaultBackend();
    //! The poller of the calling thread (default backend), created on first use. It lives as long
    //! as the thread: a QThread's is deleted when the thread finishes, the main thread's never.
    static FdPoller *forCurrentThread();

    explicit FdPoller(Backend backend = defaultBackend(), QObject *parent = nullptr);
    ~FdPoller() override;

    Backend backend() const { return m_backend; }
    //! False if the epoll instance could not be created (errorString() says why); watch() fails.
    bool isValid() const;
    QString errorString() const { return m_errorString; }

    /*!
     * Watches \a fd for readability (on at once; writability off) and calls \a handler, in this
     * thread, while \a owner exists. Replaces an earlier registration of \a fd. False (with
     * errorString()) if the kernel refuses the descriptor.
     */
    bool watch(qintptr fd, QObject *owner, Handler handler);
    //! Stops watching \a fd (no-op if it is not watched). Call it before closing \a fd.
    void unwatch(qintptr fd);
    void setReadInterest(qintptr fd, bool on);
    void setWriteInterest(qintptr fd, bool on);

    bool isWatched(qintptr fd) const { return m_entries.count(fd) != 0; }
    qsizetype watchedCount() const { return qsizetype(m_entries.size()); }

private:
    struct Entry
    {
        QPointer<QObject> owner;
        Handler handler;
        quint32 tag = 0; //!< a new value per registration: events of an old one are dropped
        bool read = true;
        bool write = false;
        bool inKernel = false; //!< Backend::Epoll: in the epoll set (not while both are off)
        std::unique_ptr<QSocketNotifier> readNotifier; //!< Backend::Notifiers
        std::unique_ptr<QSocketNotifier> writeNotifier;
    };

    bool updateKernel(qintptr fd, Entry &entry);
    void onEpollReadable();
    //! Calls the handler of \a fd for \a event if the registration \a tag is still the current
    //! one, the interest is on and the owner lives.
    void dispatch(qintptr fd, quint32 tag, Event event);
    void makeNotifiers(qintptr fd, Entry &entry);
    static void retire(std::unique_ptr<QSocketNotifier> &notifier);

    Backend m_backend;
    int m_epollFd = -1;
    QSocketNotifier *m_epollNotifier = nullptr;
    std::unordered_map<qintptr, Entry> m_entries;
    quint32 m_nextTag = 1;
    QString m_errorString;
};

} // namespace PunchDrop
