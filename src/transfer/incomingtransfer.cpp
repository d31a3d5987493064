// SPDX-License-Identifier: GPL-3.0-or-later
#include "incomingtransfer.h"

#include "core/coro/offthread.h"
#include "core/filetimes.h"
#include "core/logging.h"
#include "core/ownedfile.h"
#include "core/socket/reusablesocket.h"
#include "net/security/deviceidentity.h"
#include "transfer/contactstore.h"
#include "transfer/offerdecider.h"
#include "transfer/safepath.h"

#include <QCoreApplication>
#include <QDir>
#include <QHash>
#include <QSslSocket>
#include <QStorageInfo>

namespace PunchDrop {

using namespace Transfer;

namespace {

//! DATA chunks the receiver keeps queued for the worker while it reads on: with 256 KiB chunks
//! 1 MiB, on top of the socket's 1 MiB read buffer. Deeper queues measured no faster on 2 shared
//! cores (the worker, always busy, then loses CPU to other processes in bigger slices).
constexpr std::size_t kWritesInFlight = 4;

using SinkStatus = IncomingTransfer::SinkStatus;

SinkStatus statusOf(const FileSink &sink, bool ok)
{
    return SinkStatus {ok, sink.errorCode(), sink.error()};
}

struct SmallWrite
{
    SinkStatus begun;
    FileSink::Finished finished;
};

//! One file of a FILES frame, checked against the offer, for the worker.
struct WholeFile
{
    QString target;
    PartMeta meta;
    QByteArray bytes;
    QByteArray digest;
    bool executable = false;
    QDateTime modified;
};

using StoredBatch = IncomingTransfer::StoredBatch;

} // namespace

/*!
 * FILES frames' files on the worker thread. Each frame's files are written and sealed as the
 * frame comes (unnamed, where the filesystem allows); they are synced together and renamed
 * into place only when the transfer commits, so one sync (on a real disk a journal commit and a
 * device flush, a millisecond or more) covers many frames, never one per frame: 1,000 files of
 * 256 KiB are a frame each. Nothing gets its final name before it is on disk.
 * Used by one job at a time (the transfer's worker runs its jobs in order).
 */
class IncomingTransfer::BatchStore
{
public:
    BatchStore(PartDeviceFactory factory, FileDigest::Algorithm algorithm, QString downloadRoot)
        : m_factory(std::move(factory))
        , m_algorithm(algorithm)
        , m_downloadRoot(std::move(downloadRoot))
    { }

    /*!
     * Writes and seals \a files, held with those of earlier frames. With \a commit, and when
     * a file cannot be written (disk full: the files after it are not tried), everything held is
     * synced and put in place, and reported in order.
     */
    StoredBatch store(const QList<WholeFile> &files, bool commit)
    {
        SinkStatus failure {true, TransferError::None, {}};
        // Each folder of the frame held open once: its files are made in it by descriptor.
        QHash<QStringView, std::shared_ptr<OwnedFolder>> folders;
        m_sinks.reserve(m_sinks.size() + size_t(files.size()));
        m_sealed.reserve(m_sealed.size() + files.size());
        for (const WholeFile &file : files) {
            const QStringView folderPath
                = QStringView(file.target).left(file.target.lastIndexOf(QLatin1Char('/')));
            auto folder = folders.find(folderPath);
            if (folder == folders.end()) {
                // The download folder itself may be a symlink the user made; none below it is.
                folder = folders.insert(folderPath,
                    OwnedFolder::open(folderPath.toString(), folderPath == m_downloadRoot));
            }
            auto sink = std::make_unique<FileSink>(file.target, m_factory, m_algorithm);
            if (!sink->writeWhole(file.meta, file.bytes, *folder)) {
                failure = statusOf(*sink, false);
                break;
            }
            FileSink::Finished fin; // an error here (a wrong digest) is that file's verdict
            sink->seal(file.digest, file.executable, file.modified, &fin);
            m_sealed.append(fin);
            m_sinks.push_back(std::move(sink));
        }
        if (!commit && failure.ok)
            return {};
        StoredBatch out = placeAll();
        out.failure = failure;
        return out;
    }

private:
    //! One sync for all held files (FileSink::syncAll), then each renamed into place.
    StoredBatch placeAll()
    {
        std::vector<FileSink *> sealed;
        sealed.reserve(m_sinks.size());
        for (qsizetype i = 0; i < m_sealed.size(); ++i) {
            if (m_sealed.at(i).error == TransferError::None)
                sealed.push_back(m_sinks.at(size_t(i)).get());
        }
        FileSink::syncAll(sealed);
        StoredBatch out;
        out.files = std::exchange(m_sealed, {});
        for (qsizetype i = 0; i < out.files.size(); ++i) {
            if (out.files.at(i).error == TransferError::None)
                out.files[i] = m_sinks.at(size_t(i))->place(out.files.at(i));
        }
        m_sinks.clear();
        return out;
    }

    PartDeviceFactory m_factory;
    FileDigest::Algorithm m_algorithm;
    QString m_downloadRoot;
    std::vector<std::unique_ptr<FileSink>> m_sinks; //!< written and sealed, not yet placed
    QList<FileSink::Finished> m_sealed; //!< their seal() results (an error: not placed)
};

IncomingTransfer::IncomingTransfer(QSslSocket *socket, const DeviceIdentity &self, DeviceId sender,
    QString senderName, ReceiveOptions options, QObject *parent)
    : TransferJob(socket, parent)
    , m_self(self.id())
    , m_sender(std::move(sender))
    , m_senderName(std::move(senderName))
    , m_options(std::move(options))
    , m_resolver(m_options.downloadDir)
{ }

IncomingTransfer::~IncomingTransfer() = default;

QCoro::Task<bool> IncomingTransfer::closeSession(const TransferResult &)
{
    const QPointer<TransferJob> alive(this);
    // On a failure the current part file is simply closed when its sink goes away (after the
    // writes still queued for it): what was written stays, with its metadata, for a resume.
    m_writes.clear();
    // Files received whole and verified but still held are put in place all the same (as the
    // frames the worker is storing are); the session cannot report them any more.
    if (m_heldFiles > 0)
        commitHeld();
    m_batches.clear();
    m_current.reset();
    m_answered.clear();
    auto flushing = flushQueued();
    if (!co_await flushing)
        co_return false;
    // A session that ended early may leave chunk writes queued (write-behind). The worker runs
    // jobs in order, so this empty job finishes after them: when finished() is emitted the part
    // file holds everything it will hold and nothing touches it any more.
    auto barrier = runOffThread(&m_pool, [] { return true; });
    co_await barrier;
    co_return !alive.isNull();
}

QCoro::Task<TransferResult> IncomingTransfer::runSteps()
{
    const QPointer<TransferJob> alive(this);
    setState(TransferSnapshot::State::Connecting);
    auto greeting = exchangeHello(Side::Receiver);
    if (const Step failed = co_await greeting; !alive || failed)
        co_return alive ? *failed : deleted();
    if (m_senderName.isEmpty())
        m_senderName = m_peerDeviceName;
    auto offering = onOffer();
    if (const Step ended = co_await offering; !alive || ended)
        co_return alive ? *ended : deleted();
    auto receiving = receiveFiles();
    if (const Step ended = co_await receiving; !alive || ended)
        co_return alive ? *ended : deleted();
    reportProgress(m_done, m_wireOffer.totalBytes, true);
    tallyFailedFiles(m_result);
    co_return m_result;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::onOffer()
{
    const QPointer<TransferJob> alive(this);
    // As for HELLO: KEEPALIVE does not extend the wait for the OFFER.
    FrameChannel::Incoming in;
    auto offerRead = readGreeting(&in);
    if (const Step failed = co_await offerRead; !alive || failed)
        co_return alive ? *failed : deleted();
    const auto *offerMessage = std::get_if<Offer>(&in.message);
    if (!offerMessage)
        co_return fatal(TransferError::Protocol, QStringLiteral("expected OFFER"));
    m_wireOffer = *offerMessage;

    // Every path must be safe before anything is decided or written.
    for (const OfferItem &offered : std::as_const(m_wireOffer.items)) {
        const SafePath::Sanitized s = SafePath::sanitize(offered.relativePath);
        if (!s.ok()) {
            qCWarning(lcTransfer) << "refusing offer from" << m_sender.shortString() << s.error;
            co_return fatal(TransferError::UnsafePath, s.error);
        }
        m_safePaths.append(s.relativePath);
    }
    if (auto codeFailed = revealCode(m_wireOffer.codeNonce))
        co_return *codeFailed;

    m_offer.sender = m_sender;
    m_offer.senderName = m_senderName;
    m_offer.items = m_wireOffer.items;
    m_offer.totalBytes = m_wireOffer.totalBytes;
    m_offer.fileCount = m_wireOffer.fileCount;
    bool autoAccept = false;
    if (auto refused = checkTrust(&autoAccept))
        co_return refused;
    if (auto refused = checkDiskSpace())
        co_return refused;
    auto deciding = decide(autoAccept);
    const Step declined = co_await deciding;
    if (!alive)
        co_return deleted();
    if (declined)
        co_return declined;
    co_return createFolders();
}

TransferJob::Step IncomingTransfer::checkTrust(bool *autoAccept)
{
    if (!m_options.contacts) {
        m_offer.firstContact = true;
    } else {
        const ContactStore::TrustCheck trust = m_options.contacts->check(m_sender, m_senderName);
        if (trust.trust == ContactStore::Trust::KeyChanged) {
            qCWarning(lcTransfer) << trust.warning;
            m_channel.send(Decline {QStringLiteral("the receiver has pinned a different key for "
                                                   "this name; compare the verification code")});
            return failure(TransferError::UntrustedPeer, trust.warning);
        }
        m_offer.firstContact = trust.trust == ContactStore::Trust::FirstContact;
        // A contact claiming another contact's name is shown under its own, with a warning.
        m_offer.senderName = trust.shownName;
        m_offer.nameWarning = trust.nameWarning;
        if (const auto contact = m_options.contacts->find(m_sender))
            *autoAccept = m_options.honourAutoAccept && contact->autoAccept;
    }
    m_offer.verificationCode = verificationCode();
    // The executable bit is the sender's word: honoured only for a device the user had
    // already accepted before this offer, never for a first contact (a stranger).
    m_honourExecutable = !m_offer.firstContact;
    return std::nullopt;
}

TransferJob::Step IncomingTransfer::checkDiskSpace()
{
    if (!QDir().mkpath(m_options.downloadDir))
        return fatal(TransferError::WriteFailed,
            QStringLiteral("cannot create the download folder %1").arg(m_options.downloadDir));
    const QStorageInfo storage(m_options.downloadDir);
    if (!storage.isValid())
        return std::nullopt;
    // Bytes a resume will continue are on the disk already: a 40 GB file interrupted at 39 GB
    // needs 1 GB more, not 40.
    const qint64 needed = m_wireOffer.totalBytes - heldBytes();
    if (storage.bytesAvailable() < needed + m_options.freeSpaceMargin) {
        return fatal(TransferError::DiskFull,
            QCoreApplication::translate(
                "IncomingTransfer", "not enough free space in %1: %2 bytes needed, %3 available")
                .arg(m_options.downloadDir)
                .arg(needed)
                .arg(storage.bytesAvailable()));
    }
    return std::nullopt;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::decide(bool autoAccept)
{
    const QPointer<TransferJob> alive(this);
    setState(TransferSnapshot::State::Waiting);
    OfferDecision decision = OfferDecision::Decline;
    if (autoAccept) {
        decision = OfferDecision::Accept;
    } else if (m_options.decider) {
        // Named task: no temporaries with destructors inside a co_await expression (GCC 12).
        // The sender (and a relay in between) sees nothing while the person decides.
        const KeepaliveScope keepalive(this);
        auto decisionTask = m_options.decider->decide(m_offer);
        decision = co_await decisionTask;
        // The decider outlives the job: a prompt answered after the job was deleted lands here.
        if (!alive)
            co_return deleted();
    }
    if (m_cancelRequested)
        co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
    if (decision == OfferDecision::Decline) {
        m_channel.send(Decline {QStringLiteral("declined by the user")});
        co_return failure(TransferError::Declined, QStringLiteral("declined"));
    }
    if (m_options.contacts) {
        QString contactError;
        if (!m_options.contacts->remember(m_sender, m_senderName, &contactError)
            || (decision == OfferDecision::AcceptAlways
                && !m_options.contacts->setAutoAccept(m_sender, true, &contactError)))
            qCWarning(lcTransfer) << "cannot update contacts:" << contactError;
    }
    m_channel.send(Accept {});
    setState(TransferSnapshot::State::Transferring);
    co_return std::nullopt;
}

TransferJob::Step IncomingTransfer::createFolders()
{
    m_result.bytesTotal = m_wireOffer.totalBytes;
    for (qint64 i = 0; i < m_wireOffer.items.size(); ++i) {
        const OfferItem &entry = m_wireOffer.items.at(i);
        if (!entry.isDirectory) {
            m_files.append(i);
            FileResult fileResult;
            fileResult.relativePath = entry.relativePath;
            fileResult.size = entry.size;
            m_result.files.append(fileResult);
            continue;
        }
        QString dirError;
        const QString dir
            = SafePath::resolve(m_options.downloadDir, m_safePaths.at(i), true, &dirError);
        if (dir.isEmpty() || (!QFileInfo(dir).isDir() && !QDir().mkdir(dir))) {
            return fatal(TransferError::WriteFailed,
                dirError.isEmpty() ? QStringLiteral("cannot create %1").arg(dir) : dirError);
        }
        if (entry.modified.isValid())
            m_folderTimes.append({dir, entry.modified});
    }
    return std::nullopt;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::receiveFiles()
{
    const QPointer<TransferJob> alive(this);
    reportProgress(0, m_wireOffer.totalBytes, true);
    armRejoin();
    while (!m_sessionEnded) {
        if (storing() && m_channel.readable() == 0) {
            // Nothing more to read now: the sender may be waiting for these VERDICTs.
            auto storing = awaitBatches(0);
            if (const Step stop = co_await storing; !alive || stop)
                co_return alive ? stop : deleted();
        }
        FrameChannel::Incoming in;
        auto reading = readMessage(&in, m_timeouts.idle);
        if (const Step ended = co_await reading) {
            if (!alive || !rejoinable(*ended))
                co_return ended; // also when deleted: nothing is touched
            auto rejoining = rejoinSession(*ended);
            if (const Step failed = co_await rejoining; !alive || failed)
                co_return alive ? failed : deleted();
            continue;
        }
        auto handling = onMessage(in.message);
        const Step stop = co_await handling;
        if (!alive)
            co_return deleted();
        if (stop)
            co_return stop;
    }
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::rejoinSession(const TransferResult &lost)
{
    const QPointer<TransferJob> alive(this);
    // FILES frames read before the loss are stored (and counted) first.
    auto storing = awaitBatches(0);
    if (const Step stop = co_await storing; !alive || stop)
        co_return alive ? stop : deleted();
    // What this side holds decides where the session goes on. A file whose DATA had begun
    // continues at what arrived (its part file and running digest stay); a small one, kept in
    // memory, starts over with its HEADER, like every HEADER answered but not yet begun.
    Rejoin ours {m_verdicts, -1};
    if (m_current && !m_current->small)
        ours.offset = m_received;
    else
        m_current.reset();
    m_answered.clear();
    m_nextHeader = qsizetype(m_verdicts) + (ours.offset >= 0 ? 1 : 0);
    Rejoin theirs;
    auto rejoining = awaitRejoin(lost, ours, &theirs);
    if (const Step failed = co_await rejoining; !alive || failed)
        co_return alive ? failed : deleted();
    if (theirs.files > m_verdicts || theirs.offset != -1)
        co_return fatal(TransferError::Protocol, QStringLiteral("REJOIN beyond what was sent"));
    // The VERDICTs the sender did not get (lost in flight), again.
    for (qint64 slot = theirs.files; slot < m_verdicts; ++slot) {
        const FileResult &f = m_result.files.at(slot);
        m_channel.send(Verdict {m_files.at(slot), f.error, wireText(f.error, f.errorMessage)});
    }
    if (ours.offset < 0) {
        // m_done counted the bytes of the file that starts over.
        m_done = 0;
        for (qint64 slot = 0; slot < m_verdicts; ++slot)
            m_done += m_result.files.at(slot).size;
        reportProgress(m_done, m_wireOffer.totalBytes, true);
    }
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::onMessage(Message &message)
{
    const QPointer<TransferJob> alive(this);
    if (storing() && !std::holds_alternative<FileBatch>(message)) {
        // Files are answered in order: the FILES frames before this message come first.
        auto storing = awaitBatches(0);
        if (const Step stop = co_await storing; !alive || stop)
            co_return alive ? stop : deleted();
    }
    QCoro::Task<Step> handling;
    if (auto *data = std::get_if<Data>(&message))
        handling = onData(*data);
    else if (const auto *header = std::get_if<FileHeader>(&message))
        handling = onHeader(*header);
    else if (const auto *from = std::get_if<SendFrom>(&message))
        handling = onSendFrom(*from);
    else if (const auto *end = std::get_if<FileEnd>(&message))
        handling = onFileEnd(*end);
    else if (auto *batch = std::get_if<FileBatch>(&message))
        handling = onBatch(*batch);
    else if (std::holds_alternative<SessionEnd>(message))
        handling = onSessionEnd();
    else
        co_return fatal(TransferError::Protocol,
            QStringLiteral("unexpected %1").arg(frameTypeName(frameTypeOf(message))));
    const Step stop = co_await handling;
    if (!alive)
        co_return deleted();
    co_return stop;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::onHeader(const FileHeader &header)
{
    const QPointer<TransferJob> alive(this);
    if (m_nextHeader >= m_files.size() || header.index != m_files.at(m_nextHeader)
        || header.size != m_wireOffer.items.at(header.index).size)
        co_return fatal(TransferError::Protocol, QStringLiteral("HEADER out of order"));
    QString pathError;
    const QString target = m_resolver.resolve(m_safePaths.at(header.index), &pathError);
    if (target.isEmpty())
        co_return fatal(TransferError::UnsafePath, pathError);
    Pending p;
    p.index = header.index;
    p.slot = int(m_nextHeader);
    p.sink = std::make_shared<FileSink>(target, m_options.partDeviceFactory, digest());
    p.small = m_wireOffer.items.at(header.index).size <= kMaxChunkSize;
    FileSink::Held held;
    if (!p.small) {
        // Hashing a held prefix of many GB takes minutes: keep the sender waiting.
        const KeepaliveScope keepalive(this);
        // A cancel (or quit) stops the hashing between two blocks (m_cancelFlag).
        auto inspect
            = [sink = p.sink, meta = partMeta(p.index), observer = m_options.inspectProgress,
                  cancel = m_cancelFlag] { return sink->inspect(meta, observer, cancel.get()); };
        auto inspecting = runOffThread(&m_pool, std::move(inspect));
        held = co_await inspecting;
        if (!alive)
            co_return deleted();
        if (m_cancelRequested)
            co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
    }
    p.answeredOffset = held.offset;
    if (held.offset > 0)
        m_channel.send(Resume {p.index, held.offset, held.prefixDigest});
    else
        m_channel.send(Start {p.index});
    m_answered.push_back(p);
    ++m_nextHeader;
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::onSendFrom(const SendFrom &from)
{
    const QPointer<TransferJob> alive(this);
    if (m_current || m_answered.empty() || m_answered.front().index != from.index
        || (from.offset != 0 && from.offset != m_answered.front().answeredOffset))
        co_return fatal(TransferError::Protocol, QStringLiteral("unexpected SENDFROM"));
    m_current = m_answered.front();
    m_answered.pop_front();
    const qint64 offset = from.offset;
    if (m_current->small) {
        m_received = 0;
        co_return std::nullopt;
    }
    auto begin = [sink = m_current->sink, offset, meta = partMeta(m_current->index)] {
        const bool ok = sink->begin(offset, meta);
        return statusOf(*sink, ok);
    };
    const KeepaliveScope keepalive(this); // reopening a large part file may take a while
    auto beginning = runOffThread(&m_pool, std::move(begin));
    const SinkStatus begun = co_await beginning;
    if (!alive)
        co_return deleted();
    if (!begun.ok)
        co_return fatal(begun.code, begun.error);
    m_received = offset;
    m_result.files[m_current->slot].resumedFrom = offset;
    m_done += offset;
    noteResumed(offset);
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::onData(Data &data)
{
    if (!m_current)
        co_return fatal(TransferError::Protocol, QStringLiteral("DATA outside a file"));
    const qint64 size = m_wireOffer.items.at(m_current->index).size;
    const qint64 length = data.bytes.size();
    if (m_received + length > size)
        co_return fatal(TransferError::Protocol, QStringLiteral("more DATA than announced"));
    if (m_current->small) {
        m_current->buffer.append(data.bytes);
        m_channel.chunks()->give(std::move(data.bytes)); // copied: back to the pool
        countReceived(length);
        co_return std::nullopt;
    }
    // Write-behind: the chunk is queued on the worker (one thread, so writes stay in order) and
    // we go on reading and decrypting the next ones. At most kWritesInFlight chunks wait; then
    // we wait for the oldest, the socket's buffer fills and TCP slows the sender down. A failed
    // write is seen a few chunks later at the latest; the chunks queued behind it fail too and
    // change nothing.
    auto write = [sink = m_current->sink, chunks = m_channel.chunks(),
                     bytes = std::move(data.bytes)]() mutable {
        const bool ok = sink->write(bytes);
        chunks->give(std::move(bytes)); // the next DATA frame is read into it
        return statusOf(*sink, ok);
    };
    m_writes.push_back(startOffThread(&m_pool, std::move(write)));
    countReceived(length);
    auto writing = awaitWrites(kWritesInFlight - 1);
    co_return co_await writing;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::awaitWrites(std::size_t keep)
{
    const QPointer<TransferJob> alive(this);
    while (!m_writes.empty() && (m_writes.size() > keep || m_writes.front().isReady())) {
        auto oldest = m_writes.front().result();
        m_writes.pop_front();
        const SinkStatus wrote = co_await oldest;
        if (!alive)
            co_return deleted();
        if (!wrote.ok)
            co_return writeFailed(wrote);
    }
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::onFileEnd(const FileEnd &end)
{
    const QPointer<TransferJob> alive(this);
    if (!m_current || end.index != m_current->index
        || m_received != m_wireOffer.items.at(m_current->index).size)
        co_return fatal(TransferError::Protocol, QStringLiteral("unexpected END"));
    if (auto wrongSize = checkDigestSize(end.digest))
        co_return *wrongSize;
    auto writing = awaitWrites(0); // every byte of the file written before it is checked
    const Step writeEnded = co_await writing;
    if (!alive)
        co_return deleted();
    if (writeEnded)
        co_return writeEnded;
    FileSink::Finished fin;
    const bool executable = m_wireOffer.items.at(m_current->index).executable && m_honourExecutable;
    if (m_current->small) {
        auto writeSmall = [sink = m_current->sink, meta = partMeta(m_current->index), executable,
                              content = std::move(m_current->buffer), expected = end.digest,
                              item = m_wireOffer.items.at(m_current->index)] {
            SmallWrite w;
            const bool ok = sink->begin(0, meta) && (content.isEmpty() || sink->write(content));
            w.begun = statusOf(*sink, ok);
            if (ok)
                w.finished = sink->finish(expected, executable, item.modified);
            return w;
        };
        auto writingSmall = runOffThread(&m_pool, std::move(writeSmall));
        const SmallWrite written = co_await writingSmall;
        if (!alive)
            co_return deleted();
        if (!written.begun.ok)
            co_return fatal(written.begun.code, written.begun.error);
        fin = written.finished;
    } else {
        auto finish = [sink = m_current->sink, expected = end.digest, executable,
                          item = m_wireOffer.items.at(m_current->index)] {
            return sink->finish(expected, executable, item.modified);
        };
        auto finishing = runOffThread(&m_pool, std::move(finish));
        fin = co_await finishing;
        if (!alive)
            co_return deleted();
    }
    m_channel.send(fileDone(m_current->slot, fin));
    m_current.reset();
    co_return std::nullopt;
}

Verdict IncomingTransfer::fileDone(qsizetype slot, const FileSink::Finished &fin)
{
    FileResult &finished = m_result.files[slot];
    finished.localPath = fin.finalPath;
    finished.digest = fin.digestHex;
    finished.digestAlgorithm = digest();
    finished.verified = fin.error == TransferError::None;
    finished.error = fin.error;
    finished.errorMessage = fin.message;
    if (!finished.verified)
        qCWarning(lcTransfer) << "file failed:" << finished.relativePath << fin.message;
    ++m_verdicts;
    Q_EMIT fileFinished(finished);
    return Verdict {m_files.at(slot), fin.error, wireText(fin.error, fin.message)};
}

QCoro::Task<TransferJob::Step> IncomingTransfer::onBatch(FileBatch &batch)
{
    const QPointer<TransferJob> alive(this);
    if (!canBatch() || m_current || !m_answered.empty())
        co_return fatal(TransferError::Protocol, QStringLiteral("unexpected FILES"));
    const qsizetype first = m_nextHeader;
    if (first + batch.files.size() > m_files.size())
        co_return fatal(TransferError::Protocol, QStringLiteral("FILES beyond the offer"));
    // Every entry checked before anything (a folder included) is created for any of them.
    for (qsizetype k = 0; k < batch.files.size(); ++k) {
        const InlineFile &file = batch.files.at(k);
        const qint64 index = m_files.at(first + k);
        const qint64 size = m_wireOffer.items.at(index).size;
        if (file.index != index || file.bytes.size() != size || size > kMaxChunkSize)
            co_return fatal(TransferError::Protocol,
                QStringLiteral("FILES out of order or not of the offered size"));
        if (auto wrongSize = checkDigestSize(file.digest))
            co_return *wrongSize;
    }
    QList<WholeFile> files;
    files.reserve(batch.files.size());
    qint64 bytes = 0;
    for (InlineFile &file : batch.files) {
        const qint64 index = file.index;
        const OfferItem &item = m_wireOffer.items.at(index);
        QString pathError;
        QString target = m_resolver.resolve(m_safePaths.at(index), &pathError);
        if (target.isEmpty())
            co_return fatal(TransferError::UnsafePath, pathError);
        bytes += file.bytes.size();
        files.append(WholeFile {std::move(target), partMeta(index), std::move(file.bytes),
            std::move(file.digest), item.executable && m_honourExecutable, item.modified});
    }
    m_nextHeader += files.size();
    m_heldFiles += files.size();
    m_heldBytes += bytes;
    // Stored on the worker while the next FILES frame is read, decrypted and checked here; put
    // in place with the frames before it once enough are held, or nothing more is there now.
    const bool commit = !OwnedFile::kSyncAllIsOneCall || m_heldFiles >= kHeldFiles
        || m_heldBytes >= kHeldBytes || m_channel.readable() == 0;
    if (commit)
        m_heldFiles = m_heldBytes = 0;
    if (!m_store) {
        ReusableSocket::reserveDescriptors(kReservedDescriptors); // 1,024 is a common default
        m_store = std::make_shared<BatchStore>(
            m_options.partDeviceFactory, digest(), m_resolver.root());
    }
    auto store = [store = m_store, files = std::move(files), commit] {
        return store->store(files, commit);
    };
    m_batches.push_back(startOffThread(&m_pool, std::move(store)));
    auto storing = awaitBatches(1);
    co_return co_await storing;
}

void IncomingTransfer::commitHeld()
{
    m_heldFiles = m_heldBytes = 0;
    auto commit = [store = m_store] { return store->store({}, true); };
    m_batches.push_back(startOffThread(&m_pool, std::move(commit)));
}

QCoro::Task<TransferJob::Step> IncomingTransfer::awaitBatches(std::size_t keep)
{
    const QPointer<TransferJob> alive(this);
    if (keep == 0 && m_heldFiles > 0)
        commitHeld(); // every file answered: the held ones too
    while (!m_batches.empty() && (m_batches.size() > keep || m_batches.front().isReady())) {
        auto oldest = m_batches.front().result();
        m_batches.pop_front();
        const StoredBatch stored = co_await oldest;
        if (!alive)
            co_return deleted();
        if (stored.files.isEmpty() && stored.failure.ok)
            continue; // held for a later commit
        QList<Message> verdicts;
        verdicts.reserve(stored.files.size());
        qint64 bytes = 0;
        for (const FileSink::Finished &fin : stored.files) {
            // Answered in order: the next file without a verdict is this one.
            const qsizetype slot = m_verdicts;
            bytes += m_wireOffer.items.at(m_files.at(slot)).size;
            verdicts.append(fileDone(slot, fin));
        }
        m_channel.sendAll(verdicts); // one record
        m_result.bytesTransferred += bytes;
        m_done += bytes;
        reportProgress(m_done, m_wireOffer.totalBytes);
        if (!stored.failure.ok) {
            m_batches.clear(); // the worker finishes them; their files stay without a verdict
            m_heldFiles = m_heldBytes = 0;
            co_return writeFailed(stored.failure);
        }
    }
    co_return std::nullopt;
}

QCoro::Task<TransferJob::Step> IncomingTransfer::onSessionEnd()
{
    const QPointer<TransferJob> alive(this);
    if (m_current || !m_answered.empty() || m_verdicts != m_files.size())
        co_return fatal(TransferError::Protocol, QStringLiteral("SESSIONEND too early"));
    // Every file is in place: now the folders' own times can be set for good.
    if (!m_folderTimes.isEmpty()) {
        auto restore = [folders = m_folderTimes] { return restoreFolderTimes(folders); };
        auto restoring = runOffThread(&m_pool, std::move(restore));
        const QStringList timeErrors = co_await restoring;
        if (!alive)
            co_return deleted();
        for (const QString &timeError : timeErrors)
            qCWarning(lcTransfer) << "cannot restore the folder time:" << timeError;
    }
    m_channel.send(SessionEnd {});
    m_sessionEnded = true;
    co_return std::nullopt;
}

QStringList IncomingTransfer::restoreFolderTimes(const QList<FolderTime> &folders)
{
    QStringList errors;
    // Deepest first (the offer lists parents first); a folder's own time is not changed by
    // setting its children's, but this order stays right if that ever changes.
    for (auto it = folders.crbegin(); it != folders.crend(); ++it) {
        QString error;
        if (!FileTimes::setModified(it->path, it->modified, &error))
            errors.append(QStringLiteral("%1: %2").arg(it->path, error));
    }
    return errors;
}

qint64 IncomingTransfer::heldBytes() const
{
    qint64 held = 0;
    for (qint64 i = 0; i < m_wireOffer.items.size(); ++i) {
        const OfferItem &item = m_wireOffer.items.at(i);
        if (item.isDirectory || item.size <= kMaxChunkSize) // small files are never resumed
            continue;
        QString error;
        const QString target
            = SafePath::resolve(m_options.downloadDir, m_safePaths.at(i), false, &error);
        if (!target.isEmpty())
            held += FileSink::heldBytes(target, partMeta(i));
    }
    return held;
}

PartMeta IncomingTransfer::partMeta(qint64 index) const
{
    const OfferItem &item = m_wireOffer.items.at(index);
    return PartMeta {m_sender, item.relativePath, item.size,
        item.modified.isValid() ? item.modified.toMSecsSinceEpoch() : 0};
}

TransferResult IncomingTransfer::writeFailed(const SinkStatus &wrote)
{
    qCWarning(lcTransfer) << wrote.error;
    TransferResult r = fatal(wrote.code, wrote.error);
    r.files = m_result.files;
    return r;
}

void IncomingTransfer::countReceived(qint64 bytes)
{
    m_received += bytes;
    m_result.bytesTransferred += bytes;
    m_done += bytes;
    reportProgress(m_done, m_wireOffer.totalBytes);
}

} // namespace PunchDrop
