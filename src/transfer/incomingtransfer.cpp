// SPDX-License-Identifier: GPL-3.0-or-later
#include "incomingtransfer.h"

#include "core/coro/offthread.h"
#include "core/logging.h"
#include "net/security/deviceidentity.h"
#include "transfer/contactstore.h"
#include "transfer/offerdecider.h"
#include "transfer/safepath.h"

#include <QDir>
#include <QSslSocket>
#include <QStorageInfo>

#include <chrono>
#include <deque>
#include <filesystem>

namespace PunchDrop {

using namespace Transfer;

namespace {

struct Pending
{
    qint64 index = 0;
    int slot = 0; //!< position in the result's file list
    qint64 answeredOffset = 0;
    std::shared_ptr<FileSink> sink;
    //! Fits one chunk: never resumed, collected in memory and written in one worker hop at END
    //! (10 000 small files must not cost four thread hand-offs each).
    bool small = false;
    QByteArray buffer;
};

//! DATA chunks the receiver keeps queued for the worker while it reads on: with 256 KiB chunks
//! 1 MiB, on top of the socket's 1 MiB read buffer. Deeper queues measured no faster on 2 shared
//! cores (the worker, always busy, then loses CPU to other processes in bigger slices).
constexpr std::size_t kWritesInFlight = 4;

struct Begun
{
    bool ok = false;
    TransferError code = TransferError::None;
    QString error;
};
struct SmallWrite
{
    Begun begun;
    FileSink::Finished finished;
};

struct FolderTime
{
    QString path; //!< resolved, created (or already there) in the download folder
    QDateTime modified;
};

//! Gives each folder the modification time of the offer. Returns what failed (metadata only:
//! the files are verified and in place, so this never fails a transfer).
QStringList restoreFolderTimes(const QList<FolderTime> &folders)
{
    QStringList errors;
    // Deepest first (the offer lists parents first); a folder's own time is not changed by
    // setting its children's, but this order stays right if that ever changes.
    for (auto it = folders.crbegin(); it != folders.crend(); ++it) {
        const auto since = std::chrono::sys_time<std::chrono::milliseconds>(
            std::chrono::milliseconds(it->modified.toMSecsSinceEpoch()));
        std::error_code error;
        std::filesystem::last_write_time(QFileInfo(it->path).filesystemFilePath(),
            std::chrono::file_clock::from_sys(since), error);
        if (error)
            errors.append(
                QStringLiteral("%1: %2").arg(it->path, QString::fromStdString(error.message())));
    }
    return errors;
}

} // namespace

IncomingTransfer::IncomingTransfer(QSslSocket *socket, const DeviceIdentity &self, DeviceId sender,
    QString senderName, ReceiveOptions options, QObject *parent)
    : TransferJob(socket, parent)
    , m_self(self.id())
    , m_sender(std::move(sender))
    , m_senderName(std::move(senderName))
    , m_options(std::move(options))
{ }

QCoro::Task<TransferResult> IncomingTransfer::run()
{
    TransferResult result = co_await runImpl();
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
        co_await m_channel.flush(std::chrono::milliseconds(2000));
    // A session that ended early may leave chunk writes queued (write-behind). The worker runs
    // jobs in order, so this empty job finishes after them: when finished() is emitted the part
    // file holds everything it will hold and nothing touches it any more.
    auto barrier = runOffThread(&m_pool, [] { return true; });
    co_await barrier;
    co_return finish(std::move(result));
}

QCoro::Task<TransferResult> IncomingTransfer::runImpl()
{
    setState(TransferSnapshot::State::Connecting);
    auto greeting = exchangeHello();
    const std::optional<TransferResult> helloFailed = co_await greeting;
    if (helloFailed)
        co_return *helloFailed;
    if (m_senderName.isEmpty())
        m_senderName = m_peerDeviceName;

    FrameChannel::Incoming in = co_await m_channel.read(m_timeouts.hello);
    if (in.status != FrameChannel::Status::Message)
        co_return readFailure(in);
    if (auto ended = peerEnded(in.message))
        co_return *ended;
    const auto *offerMessage = std::get_if<Offer>(&in.message);
    if (!offerMessage)
        co_return fatal(TransferError::Protocol, QStringLiteral("expected OFFER"));
    const Offer wireOffer = *offerMessage;

    // Every path must be safe before anything is decided or written.
    QStringList safePaths;
    for (const OfferItem &offered : wireOffer.items) {
        const SafePath::Sanitized s = SafePath::sanitize(offered.relativePath);
        if (!s.ok()) {
            qCWarning(lcTransfer) << "refusing offer from" << m_sender.shortString() << s.error;
            co_return fatal(TransferError::UnsafePath, s.error);
        }
        safePaths.append(s.relativePath);
    }

    m_offer.sender = m_sender;
    m_offer.senderName = m_senderName;
    m_offer.items = wireOffer.items;
    m_offer.totalBytes = wireOffer.totalBytes;
    m_offer.fileCount = wireOffer.fileCount;
    bool autoAccept = false;
    if (m_options.contacts) {
        const ContactStore::TrustCheck trust = m_options.contacts->check(m_sender, m_senderName);
        if (trust.trust == ContactStore::Trust::KeyChanged) {
            qCWarning(lcTransfer) << trust.warning;
            m_channel.send(Decline {QStringLiteral("the receiver has pinned a different key for "
                                                   "this name; compare the verification code")});
            co_return failure(TransferError::UntrustedPeer, trust.warning);
        }
        m_offer.firstContact = trust.trust == ContactStore::Trust::FirstContact;
        if (const auto contact = m_options.contacts->find(m_sender))
            autoAccept = m_options.honourAutoAccept && contact->autoAccept;
    } else {
        m_offer.firstContact = true;
    }
    if (m_offer.firstContact)
        m_offer.verificationCode = verificationCode(m_sender, m_self);

    if (!QDir().mkpath(m_options.downloadDir))
        co_return fatal(TransferError::WriteFailed,
            QStringLiteral("cannot create the download folder %1").arg(m_options.downloadDir));
    const QStorageInfo storage(m_options.downloadDir);
    if (storage.isValid()
        && storage.bytesAvailable() < wireOffer.totalBytes + m_options.freeSpaceMargin) {
        co_return fatal(TransferError::DiskFull,
            QStringLiteral("not enough free space in %1: %2 bytes needed, %3 available")
                .arg(m_options.downloadDir)
                .arg(wireOffer.totalBytes)
                .arg(storage.bytesAvailable()));
    }

    setState(TransferSnapshot::State::Waiting);
    OfferDecision decision = OfferDecision::Decline;
    if (autoAccept)
        decision = OfferDecision::Accept;
    else if (m_options.decider) {
        // Named task: no temporaries with destructors inside a co_await expression (GCC 12).
        // The sender (and a relay in between) sees nothing while the person decides.
        const KeepaliveScope alive(this);
        auto decisionTask = m_options.decider->decide(m_offer);
        decision = co_await decisionTask;
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

    TransferResult result;
    result.bytesTotal = wireOffer.totalBytes;
    QList<qint64> files;
    QList<FolderTime> folderTimes; // applied at the end: writing files into a folder touches it
    for (qint64 i = 0; i < wireOffer.items.size(); ++i) {
        const OfferItem &entry = wireOffer.items.at(i);
        QString dirError;
        if (entry.isDirectory) {
            const QString dir
                = SafePath::resolve(m_options.downloadDir, safePaths.at(i), true, &dirError);
            if (dir.isEmpty() || (!QFileInfo(dir).isDir() && !QDir().mkdir(dir))) {
                co_return fatal(TransferError::WriteFailed,
                    dirError.isEmpty() ? QStringLiteral("cannot create %1").arg(dir) : dirError);
            }
            if (entry.modified.isValid())
                folderTimes.append({dir, entry.modified});
            continue;
        }
        files.append(i);
        FileResult fileResult;
        fileResult.relativePath = entry.relativePath;
        fileResult.size = entry.size;
        result.files.append(fileResult);
    }

    std::deque<Pending> answered; // HEADERs answered, SENDFROM not yet seen
    std::optional<Pending> current;
    qint64 received = 0; // bytes of the current file
    qsizetype nextHeader = 0;
    int verdicts = 0;
    qint64 done = 0;
    // Chunk writes queued on the worker, oldest first (see DATA below). Destroying a pending
    // task is safe: the job owns its sink and bytes, and ~TransferJob waits for the worker.
    std::deque<QCoro::Task<Begun>> writes;
    const auto writeFailed = [&](const Begun &wrote) {
        qCWarning(lcTransfer) << wrote.error;
        TransferResult r = fatal(wrote.code, wrote.error);
        r.files = result.files;
        return r;
    };
    reportProgress(0, wireOffer.totalBytes, true);

    // On any failure below, the part file of the current item is simply closed when its sink
    // goes away: what was written stays, with its metadata, for a later resume.
    for (;;) {
        in = co_await m_channel.read(m_timeouts.idle);
        if (in.status != FrameChannel::Status::Message)
            co_return readFailure(in);
        if (auto ended = peerEnded(in.message))
            co_return *ended;
        if (auto *data = std::get_if<Data>(&in.message)) {
            if (!current)
                co_return fatal(TransferError::Protocol, QStringLiteral("DATA outside a file"));
            const qint64 size = wireOffer.items.at(current->index).size;
            if (received + data->bytes.size() > size)
                co_return fatal(
                    TransferError::Protocol, QStringLiteral("more DATA than announced"));
            const qint64 length = data->bytes.size();
            if (current->small) {
                current->buffer.append(data->bytes);
                m_channel.chunks()->give(std::move(data->bytes)); // copied: back to the pool
                received += length;
                result.bytesTransferred += length;
                done += length;
                reportProgress(done, wireOffer.totalBytes);
                continue;
            }
            // Write-behind: the chunk is queued on the worker (one thread, so writes stay in
            // order) and we go on reading and decrypting the next ones. At most
            // kWritesInFlight chunks wait; then we wait for the oldest, the socket's buffer
            // fills and TCP slows the sender down. A failed write is seen a few chunks later
            // at the latest; the chunks queued behind it fail too and change nothing.
            auto writeSink = current->sink;
            QByteArray bytes = std::move(data->bytes);
            auto job1
                = [writeSink, chunks = m_channel.chunks(), bytes = std::move(bytes)]() mutable {
                      Begun b;
                      b.ok = writeSink->write(bytes);
                      b.code = writeSink->errorCode();
                      b.error = writeSink->error();
                      chunks->give(std::move(bytes)); // the next DATA frame is read into it
                      return b;
                  };
            writes.push_back(runOffThread(&m_pool, std::move(job1)));
            received += length;
            result.bytesTransferred += length;
            done += length;
            reportProgress(done, wireOffer.totalBytes);
            while (
                !writes.empty() && (writes.size() >= kWritesInFlight || writes.front().isReady())) {
                auto oldest = std::move(writes.front());
                writes.pop_front();
                const Begun wrote = co_await oldest;
                if (!wrote.ok)
                    co_return writeFailed(wrote);
            }
        } else if (const auto *header = std::get_if<FileHeader>(&in.message)) {
            if (nextHeader >= files.size() || header->index != files.at(nextHeader)
                || header->size != wireOffer.items.at(header->index).size)
                co_return fatal(TransferError::Protocol, QStringLiteral("HEADER out of order"));
            const OfferItem &headerItem = wireOffer.items.at(header->index);
            QString pathError;
            const QString target = SafePath::resolve(
                m_options.downloadDir, safePaths.at(header->index), true, &pathError);
            if (target.isEmpty())
                co_return fatal(TransferError::UnsafePath, pathError);
            Pending p;
            p.index = header->index;
            p.slot = int(nextHeader);
            p.sink = std::make_shared<FileSink>(target, m_options.partDeviceFactory);
            const PartMeta headerMeta {m_sender, headerItem.relativePath, headerItem.size,
                headerItem.modified.isValid() ? headerItem.modified.toMSecsSinceEpoch() : 0};
            p.small = headerItem.size <= kMaxChunkSize;
            FileSink::Held held;
            if (!p.small) {
                // Hashing a held prefix of many GB takes minutes: keep the sender waiting.
                const KeepaliveScope alive(this);
                auto headerSink = p.sink;
                auto job2 = [headerSink, headerMeta, observer = m_options.inspectProgress] {
                    return headerSink->inspect(headerMeta, observer);
                };
                auto job2Task = runOffThread(&m_pool, std::move(job2));
                held = co_await job2Task;
            }
            p.answeredOffset = held.offset;
            if (held.offset > 0)
                m_channel.send(Resume {p.index, held.offset, held.prefixSha256});
            else
                m_channel.send(Start {p.index});
            answered.push_back(p);
            ++nextHeader;
        } else if (const auto *from = std::get_if<SendFrom>(&in.message)) {
            if (current || answered.empty() || answered.front().index != from->index
                || (from->offset != 0 && from->offset != answered.front().answeredOffset))
                co_return fatal(TransferError::Protocol, QStringLiteral("unexpected SENDFROM"));
            current = answered.front();
            answered.pop_front();
            const OfferItem &beginItem = wireOffer.items.at(current->index);
            const PartMeta beginMeta {m_sender, beginItem.relativePath, beginItem.size,
                beginItem.modified.isValid() ? beginItem.modified.toMSecsSinceEpoch() : 0};
            const qint64 offset = from->offset;
            if (current->small) {
                received = 0;
                continue;
            }
            auto beginSink = current->sink;
            auto job3 = [beginSink, offset, beginMeta] {
                Begun b;
                b.ok = beginSink->begin(offset, beginMeta);
                b.code = beginSink->errorCode();
                b.error = beginSink->error();
                return b;
            };
            const KeepaliveScope alive(this); // reopening a large part file may take a while
            auto job3Task = runOffThread(&m_pool, std::move(job3));
            const Begun begun = co_await job3Task;
            if (!begun.ok)
                co_return fatal(begun.code, begun.error);
            received = offset;
            result.files[current->slot].resumedFrom = offset;
            done += offset;
        } else if (const auto *end = std::get_if<FileEnd>(&in.message)) {
            if (!current || end->index != current->index
                || received != wireOffer.items.at(current->index).size)
                co_return fatal(TransferError::Protocol, QStringLiteral("unexpected END"));
            while (!writes.empty()) { // every byte of the file written before it is checked
                auto oldest = std::move(writes.front());
                writes.pop_front();
                const Begun wrote = co_await oldest;
                if (!wrote.ok)
                    co_return writeFailed(wrote);
            }
            const OfferItem &endItem = wireOffer.items.at(current->index);
            auto endSink = current->sink;
            const QByteArray expected = end->sha256;
            const bool executable = endItem.executable;
            const QDateTime modified = endItem.modified;
            FileSink::Finished fin;
            if (current->small) {
                const PartMeta smallMeta {m_sender, endItem.relativePath, endItem.size,
                    endItem.modified.isValid() ? endItem.modified.toMSecsSinceEpoch() : 0};
                QByteArray content = std::move(current->buffer);
                auto job5 = [endSink, smallMeta, content, expected, executable, modified] {
                    SmallWrite w;
                    w.begun.ok = endSink->begin(0, smallMeta)
                        && (content.isEmpty() || endSink->write(content));
                    w.begun.code = endSink->errorCode();
                    w.begun.error = endSink->error();
                    if (w.begun.ok)
                        w.finished = endSink->finish(expected, executable, modified);
                    return w;
                };
                auto job5Task = runOffThread(&m_pool, std::move(job5));
                const SmallWrite written = co_await job5Task;
                if (!written.begun.ok)
                    co_return fatal(written.begun.code, written.begun.error);
                fin = written.finished;
            } else {
                auto job4 = [endSink, expected, executable, modified] {
                    return endSink->finish(expected, executable, modified);
                };
                auto job4Task = runOffThread(&m_pool, std::move(job4));
                fin = co_await job4Task;
            }
            FileResult &finished = result.files[current->slot];
            finished.localPath = fin.finalPath;
            finished.sha256 = fin.sha256Hex;
            finished.verified = fin.error == TransferError::None;
            finished.error = fin.error;
            finished.errorMessage = fin.message;
            if (!finished.verified)
                qCWarning(lcTransfer) << "file failed:" << finished.relativePath << fin.message;
            m_channel.send(Verdict {current->index, fin.error, fin.message});
            ++verdicts;
            current.reset();
            Q_EMIT fileFinished(finished);
        } else if (std::holds_alternative<SessionEnd>(in.message)) {
            if (current || !answered.empty() || verdicts != files.size())
                co_return fatal(TransferError::Protocol, QStringLiteral("SESSIONEND too early"));
            // Every file is in place: now the folders' own times can be set for good.
            if (!folderTimes.isEmpty()) {
                auto job6 = [folderTimes] { return restoreFolderTimes(folderTimes); };
                auto job6Task = runOffThread(&m_pool, std::move(job6));
                const QStringList timeErrors = co_await job6Task;
                for (const QString &timeError : timeErrors)
                    qCWarning(lcTransfer) << "cannot restore the folder time:" << timeError;
            }
            m_channel.send(SessionEnd {});
            break;
        } else {
            co_return fatal(TransferError::Protocol,
                QStringLiteral("unexpected %1").arg(frameTypeName(frameTypeOf(in.message))));
        }
    }
    reportProgress(done, wireOffer.totalBytes, true);
    int failed = 0;
    for (const FileResult &fr : std::as_const(result.files)) {
        if (!fr.verified) {
            ++failed;
            if (result.error == TransferError::None) {
                result.error = fr.error;
                result.message = fr.errorMessage;
            }
        }
    }
    if (failed > 0)
        result.message = QStringLiteral("%1 of %2 files failed: %3")
                             .arg(failed)
                             .arg(result.files.size())
                             .arg(result.message);
    co_return result;
}

} // namespace PunchDrop
