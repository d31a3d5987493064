// SPDX-License-Identifier: GPL-3.0-or-later
#include "outgoingtransfer.h"

#include "core/coro/offthread.h"
#include "core/logging.h"
#include "net/security/deviceidentity.h"
#include "transfer/builtoffer.h"
#include "transfer/filesource.h"

#include <QDeadlineTimer>
#include <QSslSocket>

#include <deque>

namespace PunchDrop {

using namespace Transfer;

namespace {

using Opened = OutgoingTransfer::Opened;

//! Opens \a source on the worker; a small file is read and hashed whole, a resumed one has its
//! first \a resumeAt bytes hashed.
Opened openSource(
    FileSource &source, qint64 size, qint64 resumeAt, bool small, const std::atomic_bool *cancel)
{
    Opened o;
    if (small) {
        if (!source.readWhole(size, &o.data)) {
            o.error = source.error();
            return o;
        }
        o.digest = source.finalHash();
    } else if (!source.open(size)) {
        o.error = source.error();
        return o;
    }
    if (resumeAt > 0) {
        o.prefixDigest = source.hashPrefix(resumeAt, cancel);
        if (o.prefixDigest.isEmpty()) {
            o.error = source.error();
            return o;
        }
    }
    o.ok = true;
    return o;
}

//! Chunks the sender reads and hashes ahead of the one being sent (512 KiB with 256 KiB chunks).
constexpr std::size_t kReadsAhead = 2;

} // namespace

OutgoingTransfer::OutgoingTransfer(
    QSslSocket *socket, const DeviceIdentity &self, QStringList paths, QObject *parent)
    : TransferJob(socket, parent)
    , m_paths(std::move(paths))
{
    Q_UNUSED(self) // the identity is proven by the TLS handshake; kept for future signing
}

OutgoingTransfer::OutgoingTransfer(
    QSslSocket *socket, const DeviceIdentity &self, BuiltOffer offer, QObject *parent)
    : OutgoingTransfer(socket, self, QStringList(), parent)
{
    m_prepared = std::move(offer);
}

OutgoingTransfer::~OutgoingTransfer() = default;

QCoro::Task<bool> OutgoingTransfer::closeSession(const TransferResult &result)
{
    m_sending.reset(); // the source closes once the reads still queued for it are done
    if (result.ok())
        co_return true;
    auto flushing = flushQueued(); // the ERROR or CANCEL that ended it
    co_return co_await flushing;
}

QCoro::Task<TransferResult> OutgoingTransfer::runSteps()
{
    const QPointer<TransferJob> alive(this);
    setState(TransferSnapshot::State::Connecting);
    auto preparing = prepareOffer();
    if (const Step failed = co_await preparing; !alive || failed)
        co_return alive ? *failed : deleted();
    auto greeting = exchangeHello(Side::Sender);
    if (const Step failed = co_await greeting; !alive || failed)
        co_return alive ? *failed : deleted();
    auto deciding = onDecision();
    if (const Step declined = co_await deciding; !alive || declined)
        co_return alive ? *declined : deleted();

    listFiles();
    reportProgress(0, m_offer.totalBytes, true);
    armRejoin();
    qsizetype from = 0;
    std::optional<qint64> continueAt; // after a rejoin: file `from` goes on from there
    for (;;) {
        auto sending = sendFrom(from, continueAt);
        const Step stopped = co_await sending;
        if (!alive)
            co_return deleted();
        if (!stopped)
            break;
        if (!rejoinable(*stopped))
            co_return *stopped;
        // The connection was lost: a new one carries the session on from what the receiver
        // holds (frames in flight on the old one are gone).
        Rejoin theirs;
        const auto verdictsIn = qint64(m_files.size()) - m_verdictsPending;
        auto rejoining = awaitRejoin(*stopped, Rejoin {verdictsIn, -1}, &theirs);
        if (const Step failed = co_await rejoining; !alive || failed)
            co_return alive ? *failed : deleted();
        if (const Step bad = resync(theirs, &from, &continueAt))
            co_return *bad;
    }
    tallyFailedFiles(m_result);
    co_return m_result;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::sendFrom(
    qsizetype from, std::optional<qint64> continueAt)
{
    const QPointer<TransferJob> alive(this);
    for (qsizetype k = from; k < m_files.size();) {
        qsizetype next = k + 1;
        auto sending = k == from && continueAt ? continueFile(k, *continueAt)
            : inlined(k)                       ? sendBatch(k, &next)
                                               : sendFile(k);
        if (const Step stopped = co_await sending; !alive || stopped)
            co_return alive ? stopped : deleted();
        k = next;
    }
    auto verdicts = listenWhile([this] { return m_verdictsPending > 0; });
    if (const Step stopped = co_await verdicts; !alive || stopped)
        co_return alive ? stopped : deleted();
    reportProgress(m_done, m_offer.totalBytes, true);
    auto ending = endSession();
    co_return co_await ending;
}

TransferJob::Step OutgoingTransfer::resync(
    const Rejoin &theirs, qsizetype *from, std::optional<qint64> *continueAt)
{
    const qint64 verdictsIn = qint64(m_files.size()) - m_verdictsPending;
    // The receiver cannot hold more than was sent, nor fewer verdicts than it sent us.
    if (theirs.files < verdictsIn || theirs.files > m_sentFrom
        || (theirs.offset >= 0
            && (theirs.files >= m_sentFrom
                || theirs.offset > m_offer.items.at(m_files.at(theirs.files)).size)))
        return fatal(TransferError::Protocol, QStringLiteral("REJOIN beyond what was sent"));
    // Everything pipelined after the receiver's point is forgotten and sent again.
    m_sending.reset();
    m_nextBatch.reset();
    m_answers.clear();
    const qsizetype next = qsizetype(theirs.files) + (theirs.offset >= 0 ? 1 : 0);
    m_nextHeader = next;
    m_answersSeen = next;
    m_sentFrom = next;
    m_done = qMax<qint64>(theirs.offset, 0);
    for (qsizetype k = 0; k < qsizetype(theirs.files); ++k)
        m_done += m_offer.items.at(m_files.at(k)).size;
    reportProgress(m_done, m_offer.totalBytes, true);
    *from = qsizetype(theirs.files);
    *continueAt = theirs.offset >= 0 ? std::optional<qint64>(theirs.offset) : std::nullopt;
    return std::nullopt;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::continueFile(qsizetype k, qint64 offset)
{
    const QPointer<TransferJob> alive(this);
    sendHeaders(k); // the pipeline ahead of it, as for any file
    // Named: sendBody() and openFile() hold a reference to it across their waits.
    const std::optional<Resume> held = Resume {m_files.at(k), offset, {}};
    auto sending = sendBody(k, held, true);
    co_return co_await sending;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::sendBody(
    qsizetype k, const std::optional<Resume> &resume, bool rejoined)
{
    const QPointer<TransferJob> alive(this);
    auto opening = openFile(k, resume, rejoined);
    if (const Step stopped = co_await opening; !alive || stopped)
        co_return alive ? stopped : deleted();
    auto streaming = streamFile();
    if (const Step stopped = co_await streaming; !alive || stopped)
        co_return alive ? stopped : deleted();
    auto ending = endFile();
    co_return co_await ending;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::prepareOffer()
{
    const QPointer<TransferJob> alive(this);
    BuiltOffer built;
    if (m_prepared) {
        built = std::move(*m_prepared); // built before connecting (TransferEngine)
        m_prepared.reset();
    } else {
        auto build = [paths = m_paths] { return BuiltOffer::build(paths); };
        auto building = runOffThread(&m_pool, std::move(build));
        built = co_await building;
        if (!alive)
            co_return deleted();
    }
    if (!built.error.isEmpty())
        co_return fatal(
            built.tooLarge ? TransferError::Protocol : TransferError::ReadFailed, built.error);
    m_offer = std::move(built.offer);
    m_sources = std::move(built.sources);
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::onDecision()
{
    const QPointer<TransferJob> alive(this);
    m_offer.codeNonce = codeNonce(); // only now: the receiver has committed to its nonce
    m_channel.send(m_offer);
    setState(TransferSnapshot::State::Waiting);
    auto revealing = readCode();
    if (const Step failed = co_await revealing; !alive || failed)
        co_return alive ? *failed : deleted();
    // KEEPALIVEs while the receiver's person decides do not extend the decision deadline.
    FrameChannel::Incoming in;
    auto reading = readMessage(&in, m_timeouts.decision, QDeadlineTimer(m_timeouts.decision));
    if (const Step ended = co_await reading)
        co_return ended; // also when deleted: nothing is touched
    if (const auto *decline = std::get_if<Decline>(&in.message)) {
        co_return failure(TransferError::Declined,
            decline->reason.isEmpty()
                ? QStringLiteral("the receiver declined")
                : QStringLiteral("the receiver declined: %1").arg(decline->reason));
    }
    if (!std::holds_alternative<Accept>(in.message))
        co_return fatal(TransferError::Protocol, QStringLiteral("expected ACCEPT or DECLINE"));
    setState(TransferSnapshot::State::Transferring);
    co_return std::nullopt;
}

void OutgoingTransfer::listFiles()
{
    m_result.bytesTotal = m_offer.totalBytes;
    for (qint64 i = 0; i < m_offer.items.size(); ++i) {
        const OfferItem &item = m_offer.items.at(i);
        if (item.isDirectory)
            continue;
        m_files.append(i);
        FileResult entry;
        entry.relativePath = item.relativePath;
        entry.localPath = m_sources.at(i);
        entry.size = item.size;
        m_slotOf.insert(i, int(m_result.files.size()));
        m_result.files.append(entry);
    }
    m_verdictsPending = int(m_files.size());
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::sendFile(qsizetype k)
{
    const QPointer<TransferJob> alive(this);
    sendHeaders(k);
    std::optional<Resume> resume;
    auto answering = awaitAnswer(&resume);
    if (const Step stopped = co_await answering; !alive || stopped)
        co_return alive ? stopped : deleted();
    auto sending = sendBody(k, resume, false);
    co_return co_await sending;
}

void OutgoingTransfer::sendHeaders(qsizetype k)
{
    // Files go in order: no HEADER overtakes the FILES frame of a small file ahead of it.
    while (m_nextHeader < m_files.size() && m_nextHeader < k + kHeaderWindow
        && !inlined(m_nextHeader)) {
        const qint64 headerIndex = m_files.at(m_nextHeader);
        m_channel.send(FileHeader {headerIndex, m_offer.items.at(headerIndex).size});
        ++m_nextHeader;
    }
}

bool OutgoingTransfer::inlined(qsizetype k) const
{
    return canBatch() && m_offer.items.at(m_files.at(k)).size <= kMaxChunkSize;
}

void OutgoingTransfer::readBatch(qsizetype k)
{
    QList<std::pair<QString, qint64>> sources;
    qint64 bytes = 0;
    for (qsizetype j = k; j < m_files.size() && inlined(j) && sources.size() < kBatchFiles; ++j) {
        const qint64 index = m_files.at(j);
        const qint64 size = m_offer.items.at(index).size;
        if (!sources.isEmpty() && bytes + size > kBatchBytes)
            break;
        bytes += size;
        sources.append({m_sources.at(index), size});
    }
    auto read = [k, sources = std::move(sources), algorithm = digest()] {
        ReadBatch batch;
        batch.first = k;
        batch.files.reserve(sources.size());
        for (const auto &[path, size] : sources) {
            FileSource source(path, algorithm);
            Opened opened = openSource(source, size, 0, true, nullptr);
            if (!opened.ok) {
                batch.files.clear();
                batch.error = opened.error;
                break;
            }
            batch.files.append(std::move(opened));
        }
        return batch;
    };
    m_nextBatch = startOffThread(&m_pool, std::move(read));
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::sendBatch(qsizetype k, qsizetype *next)
{
    const QPointer<TransferJob> alive(this);
    if (!m_nextBatch)
        readBatch(k);
    auto reading = m_nextBatch->result();
    m_nextBatch.reset();
    const ReadBatch batch = co_await reading;
    if (!alive)
        co_return deleted();
    if (m_cancelRequested)
        co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
    if (!batch.error.isEmpty())
        co_return fatal(TransferError::ReadFailed, batch.error);
    if (batch.first != k || batch.files.isEmpty())
        co_return fatal(TransferError::Internal, QStringLiteral("a batch out of order"));
    const qsizetype end = k + batch.files.size();
    if (end < m_files.size() && inlined(end))
        readBatch(end); // read while this one is encrypted and sent
    auto waiting = waitForRoom();
    if (const Step stopped = co_await waiting; !alive || stopped)
        co_return alive ? stopped : deleted();
    FileBatch frame;
    frame.files.reserve(batch.files.size());
    for (qsizetype j = k; j < end; ++j) {
        const Opened &opened = batch.files.at(j - k);
        frame.files.append(InlineFile {m_files.at(j), opened.digest, opened.data});
        FileResult &f = m_result.files[j];
        f.digest = QString::fromLatin1(opened.digest.toHex());
        f.digestAlgorithm = digest();
        m_result.bytesTransferred += opened.data.size();
        m_done += opened.data.size();
    }
    m_channel.send(frame);
    // No HEADERs, no answers for these: the pipeline goes on after them.
    m_nextHeader = m_answersSeen = m_sentFrom = end;
    reportProgress(m_done, m_offer.totalBytes);
    *next = end;
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::awaitAnswer(std::optional<Resume> *resume)
{
    const QPointer<TransferJob> alive(this);
    // The answer to this file's HEADER (answers come in HEADER order).
    auto listening = listenWhile([this] { return m_answers.empty(); });
    if (const Step stopped = co_await listening; !alive || stopped)
        co_return alive ? stopped : deleted();
    if (const auto *r = std::get_if<Resume>(&m_answers.front()))
        *resume = *r;
    m_answers.pop_front();
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::openFile(
    qsizetype k, const std::optional<Resume> &resume, bool rejoined)
{
    const QPointer<TransferJob> alive(this);
    const qint64 index = m_files.at(k);
    const qint64 size = m_offer.items.at(index).size;
    if (resume && resume->offset > size)
        co_return fatal(TransferError::Protocol, QStringLiteral("RESUME beyond the end"));
    if (auto wrongSize = resume && !rejoined ? checkDigestSize(resume->prefixDigest) : std::nullopt)
        co_return *wrongSize;
    const qint64 resumeAt = resume ? resume->offset : 0;
    Sending &file = m_sending.emplace();
    file.index = index;
    file.size = size;
    file.slot = int(k);
    file.source = std::make_shared<FileSource>(m_sources.at(index), digest());
    // A file that fits one chunk is opened, read and hashed in one worker hop: 10 000 small
    // files must not cost three thread hand-offs each.
    file.small = !resume && size <= kMaxChunkSize;
    auto open = [source = file.source, size, resumeAt, small = file.small, cancel = m_cancelFlag] {
        return openSource(*source, size, resumeAt, small, cancel.get());
    };
    // Hashing the resume prefix (minutes for many GB): the receiver waits for SENDFROM. A
    // cancel (or quit) stops it between two blocks (m_cancelFlag).
    std::optional<KeepaliveScope> keepalive;
    if (resumeAt > 0)
        keepalive.emplace(this);
    auto opening = runOffThread(&m_pool, std::move(open));
    Opened opened = co_await opening;
    if (!alive)
        co_return deleted();
    keepalive.reset();
    if (m_cancelRequested)
        co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
    if (!opened.ok)
        co_return fatal(TransferError::ReadFailed, opened.error);
    qint64 offset = 0;
    if (rejoined) {
        // The receiver holds these bytes from this session: the prefix was hashed to go on
        // with the file's digest, not to be compared. No SENDFROM: its DATA had begun.
        m_sending->opened = std::move(opened);
        m_sending->offset = resume->offset;
        m_sending->toRead = size - resume->offset;
        co_return std::nullopt;
    }
    if (resume && opened.prefixDigest == resume->prefixDigest) {
        offset = resume->offset;
    } else if (resume) {
        qCInfo(lcTransfer) << "resume prefix of" << m_result.files.at(k).relativePath
                           << "does not match; sending it again from the start";
        auto rewind = [source = m_sending->source] { return source->rewind(); };
        auto rewinding = runOffThread(&m_pool, std::move(rewind));
        const bool rewound = co_await rewinding;
        if (!alive)
            co_return deleted();
        if (!rewound)
            co_return fatal(TransferError::ReadFailed, m_sending->source->error());
    }
    m_sending->opened = std::move(opened);
    m_sending->offset = offset;
    m_channel.send(SendFrom {index, offset});
    m_sentFrom = qMax<qint64>(m_sentFrom, k + 1);
    m_result.files[k].resumedFrom = offset;
    m_done += offset;
    noteResumed(offset);
    m_sending->toRead = m_sending->small ? 0 : size - offset;
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::streamFile()
{
    const QPointer<TransferJob> alive(this);
    qint64 remaining = m_sending->size - m_sending->offset;
    readAhead();
    while (remaining > 0) {
        QByteArray chunk;
        if (m_sending->small) {
            chunk = m_sending->opened.data;
        } else {
            auto oldest = m_sending->reads.front().result();
            m_sending->reads.pop_front();
            ReadChunk read = co_await oldest;
            if (!alive)
                co_return deleted();
            if (read.data.isEmpty())
                co_return fatal(TransferError::ReadFailed, read.error);
            chunk = std::move(read.data);
        }
        remaining -= chunk.size();
        readAhead();
        auto waiting = waitForRoom();
        if (const Step stopped = co_await waiting; !alive || stopped)
            co_return alive ? stopped : deleted();
        m_channel.sendData(chunk);
        m_result.bytesTransferred += chunk.size();
        m_done += chunk.size();
        reportProgress(m_done, m_offer.totalBytes);
    }
    co_return std::nullopt;
}

void OutgoingTransfer::readAhead()
{
    // Up to kReadsAhead chunks are read and hashed on the worker (one thread, so in file order)
    // while earlier ones are encrypted and sent.
    Sending &file = *m_sending;
    while (file.toRead > 0 && file.reads.size() < kReadsAhead) {
        auto read = [source = file.source] {
            ReadChunk r {source->readChunk(kMaxChunkSize), {}};
            if (r.data.isEmpty())
                r.error = source->error();
            return r;
        };
        file.reads.push_back(startOffThread(&m_pool, std::move(read)));
        file.toRead -= qMin(file.toRead, kMaxChunkSize);
    }
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::waitForRoom()
{
    const QPointer<TransferJob> alive(this);
    // Backpressure: wait until the socket took most of what we wrote, and meanwhile handle what
    // the receiver says (VERDICTs, a disk-full ERROR, CANCEL).
    QDeadlineTimer stalled(m_timeouts.idle);
    quint64 heard = m_channel.framesReceived();
    for (;;) {
        FrameChannel::Incoming in = m_channel.tryRead();
        for (; in.status == FrameChannel::Status::Message; in = m_channel.tryRead()) {
            if (auto stop = onPeerMessage(in.message))
                co_return stop;
        }
        if (in.status == FrameChannel::Status::Malformed)
            co_return readFailure(in);
        if (m_channel.isInterrupted())
            co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
        if (!m_channel.isOpen())
            co_return failure(TransferError::Network, QStringLiteral("the connection was lost"));
        if (m_channel.pendingWrite() < kWriteThreshold)
            co_return std::nullopt;
        if (m_channel.framesReceived() != heard) {
            // The receiver spoke (a VERDICT, a KEEPALIVE while it hashes a resume prefix): it is
            // busy, not gone.
            heard = m_channel.framesReceived();
            stalled.setRemainingTime(m_timeouts.idle);
        }
        if (stalled.hasExpired())
            co_return failure(
                TransferError::Timeout, QStringLiteral("the receiver stopped reading"));
        auto waiting = m_channel.waitForActivity(
            std::chrono::milliseconds(qMax<qint64>(stalled.remainingTime(), 1)));
        const bool active = co_await waiting;
        if (!alive)
            co_return deleted();
        if (!active)
            co_return failure(
                TransferError::Timeout, QStringLiteral("the receiver stopped reading"));
    }
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::endFile()
{
    const QPointer<TransferJob> alive(this);
    QByteArray digestBytes = m_sending->opened.digest;
    if (!m_sending->small) {
        auto hash = [source = m_sending->source] { return source->finalHash(); };
        auto hashing = runOffThread(&m_pool, std::move(hash));
        digestBytes = co_await hashing;
        if (!alive)
            co_return deleted();
    }
    m_result.files[m_sending->slot].digest = QString::fromLatin1(digestBytes.toHex());
    m_result.files[m_sending->slot].digestAlgorithm = digest();
    m_channel.send(FileEnd {m_sending->index, digestBytes});
    m_sending.reset();
    co_return std::nullopt;
}

TransferJob::Step OutgoingTransfer::onPeerMessage(const Message &message)
{
    if (auto ended = peerEnded(message))
        return ended;
    if (const auto *start = std::get_if<Start>(&message))
        return onAnswer(start->index, message);
    if (const auto *resume = std::get_if<Resume>(&message))
        return onAnswer(resume->index, message);
    if (const auto *verdict = std::get_if<Verdict>(&message))
        return onVerdict(*verdict);
    return fatal(TransferError::Protocol,
        QStringLiteral("unexpected %1 while sending").arg(frameTypeName(frameTypeOf(message))));
}

TransferJob::Step OutgoingTransfer::onAnswer(qint64 index, const Message &answer)
{
    // Only to a HEADER that went out (a file sent in FILES gets none).
    if (m_answersSeen >= m_nextHeader || m_files.at(m_answersSeen) != index)
        return fatal(TransferError::Protocol, QStringLiteral("answer out of order"));
    ++m_answersSeen;
    m_answers.push_back(answer);
    return std::nullopt;
}

TransferJob::Step OutgoingTransfer::onVerdict(const Verdict &verdict)
{
    const auto slot = m_slotOf.constFind(verdict.index);
    if (slot == m_slotOf.constEnd())
        return fatal(TransferError::Protocol, QStringLiteral("VERDICT for an unknown file"));
    FileResult &f = m_result.files[*slot];
    if (f.verified || f.error != TransferError::None || f.digest.isEmpty())
        return fatal(TransferError::Protocol, QStringLiteral("unexpected VERDICT"));
    f.verified = verdict.ok();
    f.error = verdict.error;
    f.errorMessage = verdict.message;
    --m_verdictsPending;
    Q_EMIT fileFinished(f);
    return std::nullopt;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::listenWhile(std::function<bool()> waiting)
{
    const QPointer<TransferJob> alive(this);
    while (waiting()) {
        auto reading = m_channel.read(m_timeouts.idle);
        const FrameChannel::Incoming in = co_await reading;
        if (!alive)
            co_return deleted();
        if (in.status != FrameChannel::Status::Message)
            co_return readFailure(in);
        if (auto stop = onPeerMessage(in.message))
            co_return stop;
    }
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> OutgoingTransfer::endSession()
{
    const QPointer<TransferJob> alive(this);
    m_channel.send(SessionEnd {});
    auto reading = m_channel.read(m_timeouts.hello);
    const FrameChannel::Incoming in = co_await reading;
    if (!alive)
        co_return deleted();
    if (in.status == FrameChannel::Status::Message
        && !std::holds_alternative<SessionEnd>(in.message)) {
        if (auto ended = peerEnded(in.message))
            co_return ended;
        co_return fatal(TransferError::Protocol, QStringLiteral("expected SESSIONEND"));
    }
    // Every verdict is in: a connection that closes instead of answering SESSIONEND is fine.
    co_return std::nullopt;
}

} // namespace PunchDrop
