// SPDX-License-Identifier: GPL-3.0-or-later
#include "outgoingtransfer.h"

#include "core/coro/offthread.h"
#include "core/logging.h"
#include "net/security/deviceidentity.h"
#include "transfer/filesource.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QSslSocket>

#include <deque>

namespace PunchDrop {

using namespace Transfer;

namespace {

struct BuiltOffer
{
    Offer offer;
    QStringList sources; //!< absolute source path per offer item
    QString error;
    bool tooLarge = false; //!< the OFFER would not fit one frame (error says why)
};

OfferItem itemFor(const QFileInfo &info, const QString &relative)
{
    OfferItem item;
    item.relativePath = relative;
    item.isDirectory = info.isDir();
    item.size = item.isDirectory ? 0 : info.size();
    item.executable = !item.isDirectory && info.isExecutable();
    item.modified = info.lastModified().toUTC();
    return item;
}

BuiltOffer buildOffer(const QStringList &paths)
{
    BuiltOffer out;
    const auto add = [&out](const QFileInfo &info, const QString &relative) {
        const OfferItem item = itemFor(info, relative);
        if (!item.isDirectory) {
            out.offer.totalBytes += item.size;
            ++out.offer.fileCount;
        }
        out.offer.items.append(item);
        out.sources.append(info.absoluteFilePath());
    };
    for (const QString &path : paths) {
        const QFileInfo root(path);
        if (!root.exists()) {
            out.error = QStringLiteral("%1 does not exist").arg(path);
            return out;
        }
        const QString name = root.isDir() && root.fileName().isEmpty()
            ? QDir(root.absoluteFilePath()).dirName()
            : root.fileName();
        if (!root.isDir()) {
            if (!root.isReadable()) {
                out.error = QStringLiteral("%1 is not readable").arg(path);
                return out;
            }
            add(root, name);
            continue;
        }
        add(root, name);
        // Symlinked folders are not followed (loops); symlinked files are sent as their content.
        QDirIterator it(root.absoluteFilePath(),
            QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot,
            QDirIterator::Subdirectories);
        QList<QFileInfo> entries;
        while (it.hasNext()) {
            it.next();
            const QFileInfo info = it.fileInfo();
            if (info.isSymLink() && info.isDir())
                continue;
            if (!info.isDir() && !info.isFile())
                continue; // sockets, fifos, devices
            entries.append(info);
        }
        std::sort(entries.begin(), entries.end(), [](const QFileInfo &a, const QFileInfo &b) {
            return a.absoluteFilePath() < b.absoluteFilePath();
        });
        const QDir base(root.absoluteFilePath());
        for (const QFileInfo &info : std::as_const(entries)) {
            if (!info.isDir() && !info.isReadable()) {
                out.error = QStringLiteral("%1 is not readable").arg(info.absoluteFilePath());
                return out;
            }
            add(info, name + QLatin1Char('/') + base.relativeFilePath(info.absoluteFilePath()));
        }
    }
    if (out.offer.items.size() > kMaxOfferItems) {
        out.error = QStringLiteral("too many files (%1, at most %2)")
                        .arg(out.offer.items.size())
                        .arg(kMaxOfferItems);
        return out;
    }
    // The whole OFFER is one frame: refuse here, with the numbers, rather than let the
    // receiver call it a malformed frame (~250 000 items of typical path length).
    const qint64 frameLength = encodeMessage(out.offer).size() - kLengthFieldSize;
    if (frameLength > kMaxFrameLength) {
        out.tooLarge = true;
        out.error = QStringLiteral("too many files to send at once: %1 items (%2 files) make "
                                   "an offer of %3 bytes, the limit is %4 bytes (about 250 000 "
                                   "items with short paths); send them in smaller parts")
                        .arg(out.offer.items.size())
                        .arg(out.offer.fileCount)
                        .arg(frameLength)
                        .arg(kMaxFrameLength);
    }
    return out;
}

//! Chunks the sender reads and hashes ahead of the one being sent (512 KiB with 256 KiB chunks).
constexpr std::size_t kReadsAhead = 2;

//! One chunk read on the worker; the error travels with it (the source is the worker's).
struct ReadChunk
{
    QByteArray data;
    QString error; //!< when data is empty
};

struct Opened
{
    bool ok = false;
    QByteArray prefixSha256;
    QByteArray data; //!< small files: the whole content
    QByteArray sha256; //!< small files: its hash
    QString error;
};

} // namespace

OutgoingTransfer::OutgoingTransfer(
    QSslSocket *socket, const DeviceIdentity &self, QStringList paths, QObject *parent)
    : TransferJob(socket, parent)
    , m_paths(std::move(paths))
{
    Q_UNUSED(self) // the identity is proven by the TLS handshake; kept for future signing
}

QCoro::Task<TransferResult> OutgoingTransfer::run()
{
    TransferResult result = co_await runImpl();
    if (!result.ok() && m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
        co_await m_channel.flush(std::chrono::milliseconds(2000));
    co_return finish(std::move(result));
}

QCoro::Task<TransferResult> OutgoingTransfer::runImpl()
{
    setState(TransferSnapshot::State::Connecting);
    const QStringList paths = m_paths;
    auto job1 = [paths] { return buildOffer(paths); };
    auto job1Task = runOffThread(&m_pool, std::move(job1));
    const BuiltOffer built = co_await job1Task;
    if (!built.error.isEmpty())
        co_return fatal(
            built.tooLarge ? TransferError::Protocol : TransferError::ReadFailed, built.error);

    auto greeting = exchangeHello();
    const std::optional<TransferResult> helloFailed = co_await greeting;
    if (helloFailed)
        co_return *helloFailed;

    const Offer &offer = built.offer;
    m_channel.send(offer);
    setState(TransferSnapshot::State::Waiting);
    // KEEPALIVEs while the receiver's person decides do not extend the decision deadline.
    FrameChannel::Incoming in
        = co_await m_channel.read(m_timeouts.decision, QDeadlineTimer(m_timeouts.decision));
    if (in.status != FrameChannel::Status::Message)
        co_return readFailure(in);
    if (auto ended = peerEnded(in.message))
        co_return *ended;
    if (const auto *decline = std::get_if<Decline>(&in.message)) {
        co_return failure(TransferError::Declined,
            decline->reason.isEmpty()
                ? QStringLiteral("the receiver declined")
                : QStringLiteral("the receiver declined: %1").arg(decline->reason));
    }
    if (!std::holds_alternative<Accept>(in.message))
        co_return fatal(TransferError::Protocol, QStringLiteral("expected ACCEPT or DECLINE"));
    setState(TransferSnapshot::State::Transferring);

    TransferResult result;
    result.bytesTotal = offer.totalBytes;
    QList<qint64> files; // offer indices of the files
    for (qint64 i = 0; i < offer.items.size(); ++i) {
        if (!offer.items.at(i).isDirectory)
            files.append(i);
    }
    QHash<qint64, int> slotOf; // offer index → position in result.files
    for (const qint64 fileIndex : std::as_const(files)) {
        FileResult entry;
        entry.relativePath = offer.items.at(fileIndex).relativePath;
        entry.localPath = built.sources.at(fileIndex);
        entry.size = offer.items.at(fileIndex).size;
        slotOf.insert(fileIndex, int(result.files.size()));
        result.files.append(entry);
    }
    qint64 done = 0;
    int verdictsPending = int(files.size());
    reportProgress(0, offer.totalBytes, true);

    // Answers to pipelined HEADERs arrive while earlier files are still being sent.
    std::deque<Message> answers;
    qsizetype answersSeen = 0;
    // Handles what may arrive at any time while sending: answers, VERDICTs, CANCEL, ERROR.
    const auto handleAsync = [&](const Message &message) -> std::optional<TransferResult> {
        if (auto ended = peerEnded(message))
            return ended;
        const auto *start = std::get_if<Start>(&message);
        const auto *resumeAnswer = std::get_if<Resume>(&message);
        if (start || resumeAnswer) {
            const qint64 answered = start ? start->index : resumeAnswer->index;
            if (answersSeen >= files.size() || files.at(answersSeen) != answered)
                return fatal(TransferError::Protocol, QStringLiteral("answer out of order"));
            ++answersSeen;
            answers.push_back(message);
            return std::nullopt;
        }
        if (const auto *v = std::get_if<Verdict>(&message)) {
            const auto slot = slotOf.constFind(v->index);
            if (slot == slotOf.constEnd())
                return fatal(
                    TransferError::Protocol, QStringLiteral("VERDICT for an unknown file"));
            FileResult &f = result.files[*slot];
            if (f.verified || f.error != TransferError::None || f.sha256.isEmpty())
                return fatal(TransferError::Protocol, QStringLiteral("unexpected VERDICT"));
            f.verified = v->ok();
            f.error = v->error;
            f.errorMessage = v->message;
            --verdictsPending;
            Q_EMIT fileFinished(f);
            return std::nullopt;
        }
        return fatal(TransferError::Protocol,
            QStringLiteral("unexpected %1 while sending").arg(frameTypeName(frameTypeOf(message))));
    };

    qsizetype nextHeader = 0;
    for (qsizetype k = 0; k < files.size(); ++k) {
        while (nextHeader < files.size() && nextHeader < k + kHeaderWindow) {
            const qint64 headerIndex = files.at(nextHeader);
            m_channel.send(FileHeader {headerIndex, offer.items.at(headerIndex).size});
            ++nextHeader;
        }
        const qint64 index = files.at(k);
        const qint64 size = offer.items.at(index).size;
        FileResult &fr = result.files[k];

        // The answer to this file's HEADER (answers come in HEADER order).
        while (answers.empty()) {
            in = co_await m_channel.read(m_timeouts.idle);
            if (in.status != FrameChannel::Status::Message)
                co_return readFailure(in);
            if (auto failed = handleAsync(in.message))
                co_return *failed;
        }
        std::optional<Resume> resume;
        if (const auto *r = std::get_if<Resume>(&answers.front())) {
            if (r->offset > size)
                co_return fatal(TransferError::Protocol, QStringLiteral("RESUME beyond the end"));
            resume = *r;
        }
        answers.pop_front();

        auto source = std::make_shared<FileSource>(built.sources.at(index));
        const qint64 resumeAt = resume ? resume->offset : 0;
        // A file that fits one chunk is opened, read and hashed in one worker hop: 10 000 small
        // files must not cost three thread hand-offs each.
        const bool small = !resume && size <= kMaxChunkSize;
        auto job2 = [source, size, resumeAt, small] {
            Opened o;
            if (!source->open(size)) {
                o.error = source->error();
                return o;
            }
            if (small) {
                if (size > 0) {
                    o.data = source->readChunk(size);
                    if (o.data.size() != size) {
                        o.error = source->error();
                        return o;
                    }
                }
                o.sha256 = source->finalHash();
            }
            if (resumeAt > 0) {
                o.prefixSha256 = source->hashPrefix(resumeAt);
                if (o.prefixSha256.isEmpty()) {
                    o.error = source->error();
                    return o;
                }
            }
            o.ok = true;
            return o;
        };
        // Hashing the resume prefix (minutes for many GB): the receiver waits for SENDFROM.
        std::optional<KeepaliveScope> alive;
        if (resumeAt > 0)
            alive.emplace(this);
        auto job2Task = runOffThread(&m_pool, std::move(job2));
        const Opened opened = co_await job2Task;
        alive.reset();
        if (!opened.ok)
            co_return fatal(TransferError::ReadFailed, opened.error);
        qint64 offset = 0;
        if (resume && opened.prefixSha256 == resume->prefixSha256) {
            offset = resume->offset;
        } else if (resume) {
            qCInfo(lcTransfer) << "resume prefix of" << fr.relativePath
                               << "does not match; sending it again from the start";
            auto job3 = [source] { return source->rewind(); };
            auto job3Task = runOffThread(&m_pool, std::move(job3));
            const bool rewound = co_await job3Task;
            if (!rewound)
                co_return fatal(TransferError::ReadFailed, source->error());
        }
        m_channel.send(SendFrom {index, offset});
        fr.resumedFrom = offset;
        done += offset;

        qint64 remaining = size - offset;
        // Read-ahead: up to kReadsAhead chunks are read and hashed on the worker (one thread,
        // so in file order) while earlier ones are encrypted and sent. A pending read that is
        // dropped on an early return is harmless: it owns its source.
        qint64 toRead = small ? 0 : remaining;
        std::deque<QCoro::Task<ReadChunk>> reads;
        const auto readAhead = [&] {
            while (toRead > 0 && reads.size() < kReadsAhead) {
                reads.push_back(runOffThread(&m_pool, [source] {
                    ReadChunk r {source->readChunk(kMaxChunkSize), {}};
                    if (r.data.isEmpty())
                        r.error = source->error();
                    return r;
                }));
                toRead -= qMin(toRead, kMaxChunkSize);
            }
        };
        readAhead();
        while (remaining > 0) {
            QByteArray chunk;
            if (small) {
                chunk = opened.data;
            } else {
                auto oldest = std::move(reads.front());
                reads.pop_front();
                ReadChunk read = co_await oldest;
                if (read.data.isEmpty())
                    co_return fatal(TransferError::ReadFailed, read.error);
                chunk = std::move(read.data);
            }
            remaining -= chunk.size();
            readAhead();
            // Backpressure: wait until the socket took most of what we wrote, and meanwhile
            // handle what the receiver says (VERDICTs, a disk-full ERROR, CANCEL).
            QDeadlineTimer stalled(m_timeouts.idle);
            quint64 heard = m_channel.framesReceived();
            for (;;) {
                for (in = m_channel.tryRead(); in.status == FrameChannel::Status::Message;
                     in = m_channel.tryRead()) {
                    if (auto stop = handleAsync(in.message))
                        co_return *stop;
                }
                if (in.status == FrameChannel::Status::Malformed)
                    co_return readFailure(in);
                if (m_channel.isInterrupted())
                    co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
                if (!m_channel.isOpen())
                    co_return failure(
                        TransferError::Network, QStringLiteral("the connection was lost"));
                if (m_channel.pendingWrite() < kWriteThreshold)
                    break;
                if (m_channel.framesReceived() != heard) {
                    // The receiver spoke (a VERDICT, a KEEPALIVE while it hashes a resume
                    // prefix): it is busy, not gone.
                    heard = m_channel.framesReceived();
                    stalled.setRemainingTime(m_timeouts.idle);
                }
                if (stalled.hasExpired()
                    || !co_await m_channel.waitForActivity(
                        std::chrono::milliseconds(qMax<qint64>(stalled.remainingTime(), 1))))
                    co_return failure(
                        TransferError::Timeout, QStringLiteral("the receiver stopped reading"));
            }
            m_channel.sendData(chunk);
            result.bytesTransferred += chunk.size();
            done += chunk.size();
            reportProgress(done, offer.totalBytes);
        }
        QByteArray sha = opened.sha256;
        if (!small) {
            auto job4 = [source] { return source->finalHash(); };
            auto job4Task = runOffThread(&m_pool, std::move(job4));
            sha = co_await job4Task;
        }
        fr.sha256 = QString::fromLatin1(sha.toHex());
        m_channel.send(FileEnd {index, sha});
    }

    while (verdictsPending > 0) {
        in = co_await m_channel.read(m_timeouts.idle);
        if (in.status != FrameChannel::Status::Message)
            co_return readFailure(in);
        if (auto late = handleAsync(in.message))
            co_return *late;
    }
    reportProgress(done, offer.totalBytes, true);
    m_channel.send(SessionEnd {});
    in = co_await m_channel.read(m_timeouts.hello);
    if (in.status == FrameChannel::Status::Message
        && !std::holds_alternative<SessionEnd>(in.message)) {
        if (auto ended = peerEnded(in.message))
            co_return *ended;
        co_return fatal(TransferError::Protocol, QStringLiteral("expected SESSIONEND"));
    }
    // Every verdict is in: a connection that closes instead of answering SESSIONEND is fine.

    int failed = 0;
    for (const FileResult &outcome : std::as_const(result.files)) {
        if (!outcome.verified) {
            ++failed;
            if (result.error == TransferError::None) {
                result.error = outcome.error == TransferError::None ? TransferError::Internal
                                                                    : outcome.error;
                result.message = outcome.errorMessage;
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
