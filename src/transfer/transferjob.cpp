// SPDX-License-Identifier: GPL-3.0-or-later
#include "transferjob.h"

#include "core/logging.h"
#include "net/security/deviceidentity.h"
#include "net/security/securestream.h"
#include "net/wire/sessioncode.h"

#include <QSslCertificate>
#include <QSslSocket>

#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace PunchDrop {

using namespace Transfer;

namespace {

/*!
 * A transfer moves every byte through buffers of 256 KiB – 1 MiB (our chunks, Qt's socket ring
 * buffers, QSslSocket's decryption scratch buffer), allocated and freed thousands of times per
 * second on two threads. glibc's adaptive thresholds then keep handing the top of the heap back
 * to the kernel and faulting it in again page by page: measured on 512 MiB, ~200 000 page faults
 * and 0.8–1 s of system time per side instead of ~3 000 faults and 0.3 s, depending on little
 * more than the order of allocations. Fixed thresholds (allocations up to 4 MiB from the heap,
 * up to 32 MiB of free heap kept) make the cost flat. Process-wide, once, glibc only; memory
 * stays bounded by the transfer's own bounds (peak RSS is measured in docs/benchmarks-transfer.md).
 */
void keepStreamingBuffersMapped()
{
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
        mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
    });
#endif
}

} // namespace

TransferJob::TransferJob(QSslSocket *socket, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_channel(socket)
{
    // One worker: disk operations of a transfer are strictly ordered.
    m_pool.setMaxThreadCount(1);
    keepStreamingBuffersMapped();
    m_clock.start();
    connect(&m_keepaliveTimer, &QTimer::timeout, this, &TransferJob::sendKeepalive);
    m_progressTimer.setSingleShot(true);
    connect(&m_progressTimer, &QTimer::timeout, this, &TransferJob::flushProgress);
}

TransferJob::KeepaliveScope::KeepaliveScope(TransferJob *job)
    : m_job(job)
{
    if (job->m_keepaliveScopes++ == 0 && job->m_peerAcceptsKeepalive
        && job->m_timeouts.keepalive.count() > 0) {
        job->m_keepaliveTimer.start(job->m_timeouts.keepalive);
    }
}

TransferJob::KeepaliveScope::~KeepaliveScope()
{
    if (m_job && --m_job->m_keepaliveScopes == 0)
        m_job->m_keepaliveTimer.stop();
}

void TransferJob::sendKeepalive()
{
    if (m_finished || m_cancelRequested || !m_channel.isOpen())
        return;
    m_channel.send(KeepAlive {});
    ++m_keepalivesSent;
    qCDebug(lcTransfer) << "keepalive sent";
}

TransferJob::~TransferJob()
{
    m_cancelFlag->store(true); // a prefix still being hashed stops at its next block
    m_pool.waitForDone();
}

void TransferJob::cancel()
{
    if (m_finished || m_cancelRequested)
        return;
    m_cancelRequested = true;
    m_cancelFlag->store(true);
    qCInfo(lcTransfer) << "cancelling transfer";
    m_channel.send(Cancel {QStringLiteral("cancelled by the user")});
    m_channel.interrupt(); // also ends a wait for a new connection (awaitRejoin)
}

void TransferJob::setState(TransferSnapshot::State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void TransferJob::reportProgress(qint64 done, qint64 total, bool force)
{
    if (m_startDone < 0) {
        m_startDone = done;
        m_clock.restart();
        m_lastProgressMs = -1;
    }
    // Read after the restart: the clock counted the wait for the person's answer before it, and
    // a time from the old clock held every report back for as long as that wait had lasted.
    const qint64 now = m_clock.elapsed();
    if (!force && m_lastProgressMs >= 0 && now - m_lastProgressMs < kProgressIntervalMs) {
        m_pendingDone = done;
        m_pendingTotal = total;
        if (!m_progressTimer.isActive())
            m_progressTimer.start(int(kProgressIntervalMs - (now - m_lastProgressMs)));
        return;
    }
    emitProgress(done, total);
}

void TransferJob::emitProgress(qint64 done, qint64 total)
{
    m_progressTimer.stop();
    m_pendingDone = -1;
    m_lastProgressMs = m_clock.elapsed();
    const double seconds = qMax<qint64>(m_lastProgressMs, 1) / 1000.0;
    Q_EMIT progress(done, total, double(done - m_startDone) / seconds);
}

void TransferJob::flushProgress()
{
    if (m_pendingDone >= 0)
        emitProgress(m_pendingDone, m_pendingTotal);
}

TransferResult TransferJob::finish(TransferResult result)
{
    // The row's last count before its end ("Cancelled after 48.3 MiB of …", not the count of
    // up to one interval earlier).
    flushProgress();
    if (m_cancelRequested && !result.ok())
        result.error = TransferError::Cancelled, result.message = QStringLiteral("cancelled");
    m_finished = true;
    m_result = result;
    switch (result.error) {
    case TransferError::None:
        setState(TransferSnapshot::State::Done);
        break;
    case TransferError::Cancelled:
        setState(TransferSnapshot::State::Cancelled);
        break;
    case TransferError::Declined:
        setState(TransferSnapshot::State::Declined);
        break;
    default:
        setState(TransferSnapshot::State::Failed);
        break;
    }
    if (result.ok())
        qCInfo(lcTransfer) << "transfer finished:" << result.files.size() << "files,"
                           << result.bytesTransferred << "bytes on this connection";
    else
        qCInfo(lcTransfer) << "transfer ended:" << transferErrorName(result.error)
                           << result.message;
    Q_EMIT finished(m_result);
    return result;
}

TransferResult TransferJob::failure(TransferError error, const QString &message)
{
    TransferResult r;
    r.error = error;
    r.message = message;
    return r;
}

TransferResult TransferJob::deleted()
{
    return failure(TransferError::Cancelled, QStringLiteral("the transfer was deleted"));
}

QCoro::Task<TransferResult> TransferJob::run()
{
    const QPointer<TransferJob> alive(this);
    auto stepping = runSteps();
    TransferResult result = co_await stepping;
    if (!alive)
        co_return result;
    auto closing = closeSession(result);
    if (!co_await closing)
        co_return result;
    co_return finish(std::move(result));
}

bool TransferJob::moveTo(std::unique_ptr<QSslSocket> next)
{
    if (!m_canMove || !next || m_channel.isMoving() || !m_channel.isOpen())
        return false;
    m_channel.moveTo(std::move(next));
    return true;
}

namespace {
//! Connections that may replace lost ones in one session: a path that keeps dying ends it.
constexpr int kMaxRejoins = 8;
} // namespace

bool TransferJob::rejoin(std::unique_ptr<QSslSocket> next)
{
    if (!m_canRejoin || !m_rejoinArmed || m_finished || m_cancelRequested || !next || m_rejoinSocket
        || m_rejoins >= kMaxRejoins)
        return false;
    m_rejoinSocket = std::move(next);
    m_rejoinRefusal.clear();
    // A peer that rejoins has lost the connection we may still be waiting on.
    m_channel.breakConnection(QStringLiteral("the peer carries the session on over a new "
                                             "connection"));
    return true;
}

void TransferJob::abandonRejoin(const QString &why)
{
    if (m_rejoinSocket)
        return;
    m_rejoinRefusal = why.isEmpty() ? QStringLiteral("no new connection") : why;
    m_channel.breakConnection(m_rejoinRefusal); // wakes the wait
}

bool TransferJob::rejoinable(const TransferResult &lost) const
{
    return m_canRejoin && m_rejoinArmed && !m_cancelRequested && m_rejoins < kMaxRejoins
        && (lost.error == TransferError::Network || lost.error == TransferError::Timeout);
}

QCoro::Task<std::optional<TransferResult>> TransferJob::awaitRejoin(
    const TransferResult &lost, Rejoin ours, Rejoin *theirs)
{
    const QPointer<TransferJob> alive(this);
    qCInfo(lcTransfer).noquote() << "connection lost mid-transfer (" << lost.message
                                 << ") - waiting for a new connection for the session";
    m_awaitingRejoin = true;
    if (!m_rejoinSocket) {
        m_rejoinRefusal.clear();
        Q_EMIT connectionLost();
    }
    const QDeadlineTimer deadline(m_timeouts.rejoin);
    while (alive && !m_rejoinSocket && m_rejoinRefusal.isEmpty() && !m_cancelRequested) {
        const qint64 left = deadline.remainingTime();
        if (left == 0)
            break;
        auto waiting = m_channel.waitForActivity(std::chrono::milliseconds(left));
        co_await waiting;
    }
    if (!alive)
        co_return deleted();
    m_awaitingRejoin = false;
    if (m_cancelRequested)
        co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
    if (!m_rejoinSocket) {
        TransferResult ended = lost;
        ended.message = QStringLiteral("%1; no new connection took over: %2")
                            .arg(lost.message,
                                m_rejoinRefusal.isEmpty() ? QStringLiteral("none came in time")
                                                          : m_rejoinRefusal);
        co_return ended;
    }
    ++m_rejoins;
    m_socket = m_rejoinSocket.get();
    m_channel.rejoin(std::move(m_rejoinSocket));
    m_channel.send(ours);
    FrameChannel::Incoming in;
    auto reading = readGreeting(&in);
    if (const Step failed = co_await reading; !alive || failed)
        co_return alive ? *failed : deleted();
    const auto *rejoined = std::get_if<Rejoin>(&in.message);
    if (!rejoined)
        co_return fatal(TransferError::Protocol, QStringLiteral("expected REJOIN"));
    *theirs = *rejoined;
    qCInfo(lcTransfer) << "session carried on over a new connection: the peer holds"
                       << rejoined->files << "files, offset" << rejoined->offset;
    co_return std::nullopt;
}

QCoro::Task<bool> TransferJob::flushQueued()
{
    const QPointer<TransferJob> alive(this);
    if (m_channel.isOpen()) {
        auto flushing = m_channel.flush(std::chrono::milliseconds(2000));
        co_await flushing;
    }
    co_return !alive.isNull();
}

void TransferJob::tallyFailedFiles(TransferResult &result)
{
    int failed = 0;
    for (const FileResult &file : std::as_const(result.files)) {
        if (file.verified)
            continue;
        ++failed;
        if (result.error == TransferError::None) {
            result.error = file.error == TransferError::None ? TransferError::Internal : file.error;
            result.message = file.errorMessage;
        }
    }
    if (failed > 0)
        result.message = QStringLiteral("%1 of %2 files failed: %3")
                             .arg(failed)
                             .arg(result.files.size())
                             .arg(result.message);
}

TransferResult TransferJob::readFailure(const FrameChannel::Incoming &in)
{
    switch (in.status) {
    case FrameChannel::Status::Interrupted:
        return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
    case FrameChannel::Status::Timeout:
        return failure(TransferError::Timeout, QStringLiteral("the peer did not answer in time"));
    case FrameChannel::Status::Closed:
        return failure(
            TransferError::Network, QStringLiteral("the connection was lost: %1").arg(in.error));
    case FrameChannel::Status::Malformed:
        return fatal(TransferError::Protocol, QStringLiteral("malformed frame: %1").arg(in.error));
    case FrameChannel::Status::Message:
        break;
    }
    return failure(TransferError::Internal, QStringLiteral("unexpected read status"));
}

TransferResult TransferJob::fatal(TransferError error, const QString &message)
{
    m_channel.send(Error {error, wireText(error, message)});
    return failure(error, message);
}

QString TransferJob::wireText(TransferError error, const QString &detail)
{
    switch (error) {
    case TransferError::Protocol:
    case TransferError::Version:
    case TransferError::Timeout:
        return detail.left(kMaxTextBytes / 4);
    case TransferError::None:
        return {};
    case TransferError::Declined:
        return QStringLiteral("declined");
    case TransferError::Cancelled:
        return QStringLiteral("cancelled");
    case TransferError::Integrity:
        return QStringLiteral("the data does not match its SHA-256");
    case TransferError::DiskFull:
        return QStringLiteral("the receiver does not have enough free space");
    case TransferError::WriteFailed:
        return QStringLiteral("the receiver cannot write the files");
    case TransferError::ReadFailed:
        return QStringLiteral("the sender cannot read the files");
    case TransferError::UnsafePath:
        return QStringLiteral("the offer contains a path the receiver refuses");
    case TransferError::Network:
        return QStringLiteral("network error");
    case TransferError::UntrustedPeer:
        return QStringLiteral("untrusted peer");
    case TransferError::Busy:
        return QStringLiteral("the receiver is busy with other incoming transfers; try again "
                              "later");
    case TransferError::UnexpectedPeer: // local only; never reaches a frame
    case TransferError::Internal:
        break;
    }
    return QStringLiteral("internal error");
}

void TransferJob::setVerificationCode(const QString &code)
{
    m_verificationCode = code;
    qCInfo(lcTransfer).noquote() << "session verification code" << code;
    Q_EMIT verificationCodeKnown(code);
}

void TransferJob::noteResumed(qint64 bytes)
{
    if (bytes <= 0)
        return;
    m_resumed += bytes;
    Q_EMIT resumed(m_resumed);
}

std::pair<DeviceId, DeviceId> TransferJob::sessionIds(Side self) const
{
    if (!m_socket)
        return {};
    const SecureStream *stream = SecureStream::of(m_socket);
    if (!stream)
        return {};
    const DeviceId local = stream->localId();
    const DeviceId peer = stream->peerId();
    return self == Side::Sender ? std::pair {local, peer} : std::pair {peer, local};
}

std::optional<TransferResult> TransferJob::revealCode(const QByteArray &senderNonce)
{
    if (senderNonce.size() != SessionCode::kNonceSize)
        return fatal(TransferError::Protocol, QStringLiteral("the OFFER carries no code nonce"));
    m_channel.send(Reveal {m_codeNonce});
    const auto [sender, receiver] = sessionIds(Side::Receiver);
    const QString code = SessionCode::derive(sender, receiver, senderNonce, m_codeNonce);
    if (code.isEmpty())
        return failure(TransferError::Internal, QStringLiteral("no verification code"));
    setVerificationCode(code);
    return std::nullopt;
}

QCoro::Task<std::optional<TransferResult>> TransferJob::readGreeting(FrameChannel::Incoming *in)
{
    // One deadline for each step of the greeting: KEEPALIVE (which restarts the idle period of
    // a read) must not let a peer that never says HELLO hold the session open (issue 12, L2).
    auto reading = readMessage(in, m_timeouts.hello, QDeadlineTimer(m_timeouts.hello));
    co_return co_await reading;
}

QCoro::Task<std::optional<TransferResult>> TransferJob::readMessage(
    FrameChannel::Incoming *in, std::chrono::milliseconds idle, QDeadlineTimer overall)
{
    const QPointer<TransferJob> alive(this);
    auto reading = m_channel.read(idle, overall);
    *in = co_await reading;
    if (!alive)
        co_return deleted();
    if (in->status != FrameChannel::Status::Message)
        co_return readFailure(*in);
    if (auto ended = peerEnded(in->message))
        co_return *ended;
    co_return std::nullopt;
}

QCoro::Task<std::optional<TransferResult>> TransferJob::readCode()
{
    const QPointer<TransferJob> alive(this);
    FrameChannel::Incoming in;
    auto reading = readGreeting(&in);
    const Step failed = co_await reading;
    if (!alive || failed)
        co_return alive ? *failed : deleted();
    const auto *reveal = std::get_if<Reveal>(&in.message);
    if (!reveal)
        co_return fatal(TransferError::Protocol, QStringLiteral("expected REVEAL"));
    // A nonce other than the committed one means the receiver chose it after seeing ours:
    // exactly what the commitment is there to prevent.
    if (!SessionCode::opens(m_peerCodeCommitment, reveal->nonce))
        co_return fatal(TransferError::UntrustedPeer,
            QStringLiteral("the receiver's code nonce does not match its commitment"));
    const auto [sender, receiver] = sessionIds(Side::Sender);
    const QString code = SessionCode::derive(sender, receiver, m_codeNonce, reveal->nonce);
    if (code.isEmpty())
        co_return failure(TransferError::Internal, QStringLiteral("no verification code"));
    setVerificationCode(code);
    co_return std::nullopt;
}

QCoro::Task<std::optional<TransferResult>> TransferJob::exchangeHello(Side side)
{
    const QPointer<TransferJob> alive(this);
    QStringList capabilities {capabilityResume(), capabilityPipeline()};
    if (m_timeouts.keepalive.count() > 0)
        capabilities.append(capabilityKeepalive());
    if (m_preferredDigest == FileDigest::Algorithm::Xxh3_128)
        capabilities.append(capabilityXxh3());
    if (m_offerMove) {
        capabilities.append(capabilityMove());
        capabilities.append(capabilityRejoin());
        m_channel.allowMove();
    }
    if (m_offerBatch)
        capabilities.append(capabilityBatch());
    m_codeNonce = SessionCode::newNonce();
    Hello hello {kProtocolVersion, capabilities, m_deviceName, {}};
    if (side == Side::Receiver)
        hello.codeCommitment = SessionCode::commitment(m_codeNonce);
    m_channel.send(hello);
    FrameChannel::Incoming in;
    auto reading = readGreeting(&in);
    const Step failed = co_await reading;
    if (!alive || failed)
        co_return alive ? *failed : deleted();
    const auto *peerHello = std::get_if<Hello>(&in.message);
    if (!peerHello)
        co_return fatal(TransferError::Protocol, QStringLiteral("expected HELLO"));
    if (peerHello->version != kProtocolVersion)
        co_return fatal(TransferError::Version,
            QStringLiteral("the peer speaks transfer protocol v%1, we speak v%2")
                .arg(peerHello->version)
                .arg(kProtocolVersion));
    if (side == Side::Sender && peerHello->codeCommitment.size() != SessionCode::kNonceSize)
        co_return fatal(TransferError::Protocol,
            QStringLiteral("the receiver's HELLO carries no code commitment"));
    m_peerCodeCommitment = peerHello->codeCommitment;
    m_peerDeviceName = peerHello->deviceName;
    m_peerAcceptsKeepalive = peerHello->capabilities.contains(capabilityKeepalive());
    m_canMove = m_offerMove && peerHello->capabilities.contains(capabilityMove());
    m_canRejoin = m_offerMove && peerHello->capabilities.contains(capabilityRejoin());
    m_canBatch = m_offerBatch && peerHello->capabilities.contains(capabilityBatch());
    m_digest = capabilities.contains(capabilityXxh3())
            && peerHello->capabilities.contains(capabilityXxh3())
        ? FileDigest::Algorithm::Xxh3_128
        : FileDigest::Algorithm::Sha256;
    co_return std::nullopt;
}

std::optional<TransferResult> TransferJob::checkDigestSize(const QByteArray &digest)
{
    if (digest.size() == FileDigest::size(m_digest))
        return std::nullopt;
    return fatal(TransferError::Protocol,
        QStringLiteral("a %1-byte digest where the session uses %2")
            .arg(digest.size())
            .arg(FileDigest::name(m_digest)));
}

std::optional<TransferResult> TransferJob::peerEnded(const Message &message)
{
    if (const auto *c = std::get_if<Cancel>(&message)) {
        return failure(TransferError::Cancelled,
            c->reason.isEmpty() ? QStringLiteral("the peer cancelled")
                                : QStringLiteral("the peer cancelled: %1").arg(c->reason));
    }
    if (const auto *e = std::get_if<Error>(&message)) {
        return failure(e->code == TransferError::None ? TransferError::Internal : e->code,
            QStringLiteral("the peer reported: %1").arg(e->message));
    }
    return std::nullopt;
}

} // namespace PunchDrop
