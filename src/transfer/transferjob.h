// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/security/securestream.h"
#include "net/wire/deviceid.h"
#include "transfer/framechannel.h"
#include "transfer/transferresult.h"
#include "transfer/transfersnapshot.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

class QSslSocket;

namespace PunchDrop {

//! Bounds on every wait of a transfer (tests shorten them).
struct TransferTimeouts
{
    std::chrono::milliseconds hello {30000}; //!< HELLO, SESSIONEND answers
    std::chrono::milliseconds decision {600000}; //!< the receiver's person deciding about an offer
    std::chrono::milliseconds idle {60000}; //!< silence while transferring
    /*!
     * How often this side sends KEEPALIVE while it waits on something local the peer cannot
     * see (a person deciding, a resume prefix being hashed); only to a peer whose HELLO
     * announced the "keepalive" capability. 0: never, and this side does not announce it.
     */
    std::chrono::milliseconds keepalive {Transfer::kKeepaliveIntervalMs};
    /*!
     * After the connection was lost mid-transfer (both sides announced "rejoin"): how long
     * this side waits for a new connection for the session (the relay taking over a dead
     * direct path) before it fails with the loss.
     */
    std::chrono::milliseconds rejoin {30000};
};

/*!
 * What OutgoingTransfer and IncomingTransfer share: the frame channel on the secured socket,
 * a worker thread for disk I/O and hashing, throttled progress, cancel, and the guarantee that
 * run() ends in exactly one reported result. The socket stays owned by the caller and must
 * outlive run(); it is already encrypted (SecureChannel::handshake).
 */
class TransferJob : public QObject
{
    Q_OBJECT
public:
    /*!
     * Backpressure: the sender writes its next record while fewer bytes than this wait in Qt's
     * write buffer. Where SecureStream hands records straight to the kernel, none at all: the
     * kernel's socket buffer is the queue, and a record queued behind others in Qt's buffer is
     * copied once more and reaches the kernel from memory long out of the CPU's cache (a relayed
     * 2 GiB cost its sender up to 2 CPU-s more so). Elsewhere every record goes through Qt,
     * which keeps up to 1 MiB.
     */
    static constexpr qint64 kWriteThreshold = SecureStream::kWritesDirect ? 1 : 1024 * 1024;
    static constexpr int kProgressIntervalMs = 100; //!< at most 10 progress signals/s

    ~TransferJob() override;

    void setTimeouts(const TransferTimeouts &timeouts) { m_timeouts = timeouts; }
    //! The name this device announces in HELLO.
    void setDeviceName(const QString &name) { m_deviceName = name; }
    /*!
     * The file digest this side offers in HELLO: Xxh3_128 (the default) announces "xxh3" and is
     * used when the peer announces it too; Sha256 asks for SHA-256 whatever the peer offers.
     */
    void setPreferredDigest(FileDigest::Algorithm digest) { m_preferredDigest = digest; }
    //! The session's file digest, known once HELLO was exchanged (Sha256 before).
    FileDigest::Algorithm digest() const { return m_digest; }

    /*!
     * The whole session: the protocol's steps (runSteps()), then what the session still holds
     * is let go (closeSession()), then the one result is reported (finished()).
     */
    QCoro::Task<TransferResult> run();

    //! Sends CANCEL to the peer and ends run() with TransferError::Cancelled.
    void cancel();

    TransferSnapshot::State state() const { return m_state; }
    //! The result once run() finished.
    const TransferResult &result() const { return m_result; }

    /*!
     * This session's verification code ("482 193", SessionCode): known to the receiver when
     * the OFFER arrived, to the sender when the receiver's REVEAL did; empty before.
     */
    QString verificationCode() const { return m_verificationCode; }

    /*!
     * The text that goes to the peer for a failure: English and free of local facts whatever
     * the UI language. Protocol, version and timeout errors keep \a detail (built from English
     * literals and the peer's own bytes); every other code gets a fixed sentence, because its
     * local message may name paths, free space or a translated system error.
     */
    static QString wireText(TransferError error, const QString &detail);

    /*!
     * Whether this side announces "move" and "rejoin" in its HELLO (default: yes): it follows
     * a peer that moves the session to another connection, and carries the session on over a
     * new connection when its connection is lost. Set before run().
     */
    void setOfferMove(bool offer) { m_offerMove = offer; }
    /*!
     * Whether this side announces "batch" in its HELLO (default: yes): small files then travel
     * many to a FILES frame when the peer announces it too. Set before run() (tests turn it off
     * to speak to the per-file flow of an older peer).
     */
    void setOfferBatch(bool offer) { m_offerBatch = offer; }
    //! Both HELLOs listed "batch": files of at most kMaxChunkSize bytes travel in FILES frames.
    bool canBatch() const { return m_canBatch; }
    //! Both HELLOs listed "move": the session can move to another connection (moveTo()).
    bool canMove() const { return m_canMove; }
    /*!
     * Moves the session to \a next, an authenticated connection to the same peer that the peer
     * holds too (FrameChannel::moveTo). False (and \a next is dropped) when the session cannot
     * move now: no "move" on both sides, a move still under way, or the connection is gone.
     */
    bool moveTo(std::unique_ptr<QSslSocket> next);
    //! Both HELLOs listed "rejoin": a lost connection can be replaced (rejoin()).
    bool canRejoin() const { return m_canRejoin; }
    /*!
     * Carries the session on over \a next, a new authenticated connection to the same peer
     * for this session, after the current one was lost, or while this side has not noticed
     * yet (the peer has: the current connection is dropped now). Both sides then exchange
     * REJOIN and continue from what the receiver holds. False (and \a next is dropped) when
     * the session cannot rejoin: no "rejoin" on both sides, not yet accepted, over, or too
     * many rejoins.
     */
    bool rejoin(std::unique_ptr<QSslSocket> next);
    //! No new connection will come for the lost one (\a why): the session ends with its loss.
    void abandonRejoin(const QString &why);
    //! Between connectionLost() and the end of that wait.
    bool isAwaitingRejoin() const { return m_awaitingRejoin; }
    //! The frame channel's connections so far and the DATA bytes each carried (diagnostics,
    //! the CLI's done event).
    const FrameChannel &channel() const { return m_channel; }
    //! After run(): the connections the session moved to, to be closed gracefully.
    std::vector<std::unique_ptr<QSslSocket>> takeMovedConnections()
    {
        return m_channel.takeMovedConnections();
    }
    //! Whether the peer's HELLO announced "keepalive" (known once HELLO was exchanged).
    bool peerAcceptsKeepalive() const { return m_peerAcceptsKeepalive; }
    //! KEEPALIVE frames this side sent / received (diagnostics and tests).
    quint64 keepalivesSent() const { return m_keepalivesSent; }
    quint64 keepalivesReceived() const { return m_channel.keepalivesReceived(); }

Q_SIGNALS:
    void progress(qint64 done, qint64 total, double bytesPerSecond);
    void fileFinished(const PunchDrop::FileResult &file);
    void stateChanged(PunchDrop::TransferSnapshot::State state);
    //! The session's verification code became known (see verificationCode()).
    void verificationCodeKnown(const QString &code);
    //! A file continues from \a bytes the receiver already held; \a total sums them over the
    //! files of this session so far (a retry that resumes, not one that starts over).
    void resumed(qint64 total);
    /*!
     * The connection was lost after ACCEPT and the session waits (TransferTimeouts::rejoin)
     * for rejoin() or abandonRejoin(): the side that made the connection finds a new one.
     */
    void connectionLost();
    //! Emitted once, when run() has its result.
    void finished(const PunchDrop::TransferResult &result);

protected:
    //! Counts \a bytes already present at the receiver for the file that starts now.
    void noteResumed(qint64 bytes);
    /*!
     * What a protocol step hands back: nullopt to go on, or the result the transfer ends with.
     * Steps are member coroutines; each takes a QPointer to the job before its first co_await
     * and checks it after every one, because some waits (the worker thread, the person deciding)
     * finish after the job may have been deleted. A deleted job ends with deleted() and touches
     * nothing.
     */
    using Step = std::optional<TransferResult>;

    TransferJob(QSslSocket *socket, QObject *parent);

    //! The protocol of one direction, from HELLO to its end; the result the session ends with.
    virtual QCoro::Task<TransferResult> runSteps() = 0;
    /*!
     * After runSteps(), before finished(): releases what the session holds (sources, sinks,
     * queued frames) so that nothing touches a file once the result is out. False if the job
     * was deleted meanwhile.
     */
    virtual QCoro::Task<bool> closeSession(const TransferResult &result) = 0;

    void setState(TransferSnapshot::State state);
    void emitProgress(qint64 done, qint64 total);
    void flushProgress();
    /*!
     * Reports \a done of \a total bytes: at once when \a force or when the last report is
     * kProgressIntervalMs old, otherwise when that interval ends (a count is delayed, never
     * dropped: a transfer that stalls after a burst still shows what it moved). finish()
     * reports a delayed count first.
     */
    void reportProgress(qint64 done, qint64 total, bool force = false);
    //! Sets state and emits finished(); returns \a result for co_return.
    TransferResult finish(TransferResult result);
    static TransferResult failure(TransferError error, const QString &message);
    //! The failure for a read that did not produce a message.
    TransferResult readFailure(const FrameChannel::Incoming &in);
    //! Sends ERROR to the peer, then returns the failure.
    TransferResult fatal(TransferError error, const QString &message);
    //! What a step returns when the job was deleted while it waited (never reported).
    static TransferResult deleted();
    /*!
     * At the end of a session: lets the frames still queued (a final ERROR or CANCEL, the last
     * ACK) leave, for up to 2 s, if the socket is still connected. False if the job was deleted
     * meanwhile (the caller then touches nothing).
     */
    QCoro::Task<bool> flushQueued();
    /*!
     * Once every file has its outcome: the first failed file's error becomes the transfer's
     * (Internal if it has none) and the message says "N of M files failed: <first reason>".
     */
    static void tallyFailedFiles(TransferResult &result);
    //! The result for a CANCEL or ERROR message from the peer, if \a message is one.
    static std::optional<TransferResult> peerEnded(const Transfer::Message &message);
    enum class Side { Sender, Receiver };
    /*!
     * Both sides open with HELLO: sends ours and reads the peer's, within TransferTimeouts::hello
     * in all (KEEPALIVE does not extend it). The receiver's HELLO commits to its session-code
     * nonce; the sender requires that commitment. A failure result (timeout, CANCEL/ERROR, not
     * a HELLO, another protocol version, no commitment) or nullopt, with the peer's announced
     * name in m_peerDeviceName.
     */
    QCoro::Task<std::optional<TransferResult>> exchangeHello(Side side);
    /*!
     * Receiver, right after a valid OFFER and before anyone decides: sends REVEAL and learns the
     * code (verificationCode()). A failure result when the OFFER carries no nonce.
     */
    std::optional<TransferResult> revealCode(const QByteArray &senderNonce);
    /*!
     * Sender, right after its OFFER: reads the receiver's REVEAL (within the HELLO timeout),
     * checks that it opens the HELLO's commitment and learns the code. A failure result
     * otherwise (also for CANCEL/ERROR/DECLINE in its place).
     */
    QCoro::Task<std::optional<TransferResult>> readCode();
    /*!
     * Reads the next message of the greeting (HELLO, OFFER, REVEAL) into \a in within
     * TransferTimeouts::hello in all (KEEPALIVE does not extend it). A failure result (timeout,
     * closed, malformed, CANCEL/ERROR from the peer) or nullopt.
     */
    QCoro::Task<std::optional<TransferResult>> readGreeting(FrameChannel::Incoming *in);
    /*!
     * Reads the next message into \a in (FrameChannel::read: \a idle of silence at most, never
     * past \a overall). The result the session ends with when none came (timeout, closed,
     * malformed), when it is the peer's CANCEL or ERROR, or when the job was deleted meanwhile
     * (deleted(): the caller returns it and touches nothing); nullopt with a message in \a in.
     */
    QCoro::Task<std::optional<TransferResult>> readMessage(FrameChannel::Incoming *in,
        std::chrono::milliseconds idle,
        QDeadlineTimer overall = QDeadlineTimer(QDeadlineTimer::Forever));
    /*!
     * From now on (the transfer phase, after ACCEPT) a lost connection is not the end when
     * both sides announced "rejoin": the steps hand such a failure to awaitRejoin().
     */
    void armRejoin() { m_rejoinArmed = true; }
    //! \a lost (a failure a step returned) can be healed by a new connection.
    bool rejoinable(const TransferResult &lost) const;
    /*!
     * After \a lost: waits for rejoin() (connectionLost() tells the engine), then sends
     * \a ours as the new connection's first frame and reads the peer's REJOIN into \a theirs.
     * A failure result when no connection came (\a lost, with why), or the peer's first frame
     * is not REJOIN; nullopt when the session goes on.
     */
    QCoro::Task<std::optional<TransferResult>> awaitRejoin(
        const TransferResult &lost, Transfer::Rejoin ours, Transfer::Rejoin *theirs);
    //! A failure unless \a digest has the size of the session's digest (RESUME, END).
    std::optional<TransferResult> checkDigestSize(const QByteArray &digest);
    //! This side's session-code nonce (the sender puts it in its OFFER).
    QByteArray codeNonce() const { return m_codeNonce; }

    /*!
     * While one lives, KEEPALIVE goes to the peer every TransferTimeouts::keepalive (if the
     * peer accepts it). Hold one around every wait on something local that the peer cannot
     * see. KEEPALIVE is sent from the event loop as one whole frame, so it never lands inside
     * another frame (FrameChannel writes each frame in one go).
     */
    class KeepaliveScope
    {
    public:
        explicit KeepaliveScope(TransferJob *job);
        ~KeepaliveScope();
        KeepaliveScope(const KeepaliveScope &) = delete;
        KeepaliveScope &operator=(const KeepaliveScope &) = delete;

    private:
        QPointer<TransferJob> m_job;
    };

    QPointer<QSslSocket> m_socket;
    FrameChannel m_channel;
    QThreadPool m_pool;
    TransferTimeouts m_timeouts;
    QString m_deviceName;
    bool m_cancelRequested = false;
    /*!
     * Set by cancel() and on destruction. Long jobs on the worker (hashing a resume prefix of
     * many GB) poll it between blocks: a cancel or quit must not wait for them to finish.
     */
    std::shared_ptr<std::atomic_bool> m_cancelFlag = std::make_shared<std::atomic_bool>(false);
    QString m_peerDeviceName; //!< from the peer's HELLO

private:
    void sendKeepalive();
    void setVerificationCode(const QString &code);
    //! Both device IDs as this TLS session authenticated them (sender first).
    std::pair<DeviceId, DeviceId> sessionIds(Side self) const;

    QByteArray m_codeNonce;
    QByteArray m_peerCodeCommitment;
    QString m_verificationCode;
    qint64 m_resumed = 0;

    QTimer m_keepaliveTimer;
    int m_keepaliveScopes = 0;
    bool m_peerAcceptsKeepalive = false;
    bool m_offerMove = true;
    bool m_canMove = false;
    bool m_canRejoin = false;
    bool m_offerBatch = true;
    bool m_canBatch = false; //!< both HELLOs listed "batch": small files go in FILES frames
    bool m_rejoinArmed = false;
    int m_rejoins = 0; //!< connections that replaced a lost one so far
    bool m_awaitingRejoin = false;
    std::unique_ptr<QSslSocket> m_rejoinSocket; //!< handed over by rejoin(), not yet in use
    QString m_rejoinRefusal; //!< abandonRejoin()'s reason
    quint64 m_keepalivesSent = 0;
    FileDigest::Algorithm m_preferredDigest = FileDigest::Algorithm::Xxh3_128;
    FileDigest::Algorithm m_digest = FileDigest::Algorithm::Sha256;
    TransferSnapshot::State m_state = TransferSnapshot::State::Connecting;
    TransferResult m_result;
    bool m_finished = false;
    QElapsedTimer m_clock; //!< restarted at the first progress report (the rate's start)
    qint64 m_lastProgressMs = -1;
    qint64 m_startDone = -1;
    QTimer m_progressTimer; //!< ends the interval of a delayed report
    qint64 m_pendingDone = -1; //!< a delayed report's count, -1 when none waits
    qint64 m_pendingTotal = 0;
};

} // namespace PunchDrop
