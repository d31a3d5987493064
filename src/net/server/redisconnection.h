// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/server/redisurl.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>

class QTcpSocket;
struct redisReader;

namespace PunchDrop {

//! One RESP2 reply, copied out of hiredis' reader (which owns nothing after the copy).
struct RedisReply
{
    enum class Type { Nil, Status, Error, Integer, String, Array };
    Type type = Type::Nil;
    qint64 integer = 0;
    QByteArray string; //!< Status, Error and String
    QList<RedisReply> elements; //!< Array

    bool isError() const { return type == Type::Error; }
    bool isNil() const { return type == Type::Nil; }
    //! An Error reply made here, not by Redis (not connected, connection lost, timed out).
    static RedisReply failure(const QString &why);
};

/*!
 * One connection to Redis, on the Qt event loop: a QTcpSocket (QSslSocket for rediss://),
 * commands written as RESP2 arrays, replies parsed by hiredis' reader and handed back in order.
 *
 * open() connects, then sends AUTH (when the URL has a password) and SELECT (database ≠ 0);
 * ready() follows when both are answered, lost() when anything fails, with a reason a person
 * can act on ("connection refused", "Redis refused the password"). Nothing reconnects here:
 * the owner (ServerCluster) decides when to try again.
 *
 * Commands issued while not ready fail at once with a RedisReply::failure(); so do the ones
 * in flight when the connection is lost. A reply later than \a replyTimeout means Redis is
 * hung or the path is: the connection is dropped (lost()) rather than waiting without bound.
 *
 * A subscriber connection (setSubscriber()) also gets Redis' pushes: every `message` array
 * that answers no command is reported by pushed().
 */
class RedisConnection : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const RedisReply &)>;

    RedisConnection(const RedisUrl &url, const QString &caFile, QObject *parent = nullptr);
    ~RedisConnection() override;

    void setSubscriber(bool subscriber) { m_subscriber = subscriber; }
    void setReplyTimeout(int ms) { m_replyTimeoutMs = ms; }

    void open();
    //! Closes at once; commands in flight fail. No lost() signal.
    void close();
    //! Writes what is queued (waiting at most \a ms, blocking: for a server that exits), then
    //! closes.
    void flushAndClose(int ms);
    bool isReady() const { return m_state == State::Ready; }

    //! Sends \a args (command and arguments); \a done (may be empty) gets the reply.
    void command(const QList<QByteArray> &args, Callback done = {});
    //! Commands written whose replies have not arrived.
    qsizetype inFlight() const { return qsizetype(m_pending.size()); }

    //! RESP2 encoding of one command (for tests and the fuzz-free path: this is all we write).
    static QByteArray encode(const QList<QByteArray> &args);

Q_SIGNALS:
    void ready();
    void lost(const QString &reason);
    void pushed(const PunchDrop::RedisReply &message);

private:
    enum class State { Closed, Connecting, Handshaking, Ready };
    struct Pending
    {
        Callback done;
        qint64 sentMs = 0;
        bool internal = false; //!< AUTH / SELECT of the handshake
    };
    void onConnected();
    void onReadyRead();
    void onReply(const RedisReply &reply);
    void fail(const QString &reason);
    void failPending(const QString &why);
    void checkDeadline();
    void send(const QList<QByteArray> &args, Callback done, bool internal);

    RedisUrl m_url;
    QString m_caFile;
    QTcpSocket *m_socket = nullptr;
    redisReader *m_reader = nullptr;
    State m_state = State::Closed;
    bool m_subscriber = false;
    int m_replyTimeoutMs = 5000;
    qint64 m_openedMs = 0;
    int m_handshakeLeft = 0; //!< AUTH / SELECT replies still awaited
    std::deque<Pending> m_pending;
    QElapsedTimer m_clock;
    QTimer m_deadline;
};

} // namespace PunchDrop
