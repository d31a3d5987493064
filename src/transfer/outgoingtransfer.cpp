// SPDX-License-Identifier: GPL-3.0-or-later
#include "outgoingtransfer.h"

#include "core/logging.h"
#include "net/deviceidentity.h"
#include "transfer/filesource.h"
#include "transfer/offthread.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QSslSocket>

#include <qcorofuture.h>

namespace PunchDrop {

using namespace Transfer;

namespace {

struct BuiltOffer
{
    Offer offer;
    QStringList sources; //!< absolute source path per offer item
    QString error;
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
    if (out.offer.items.size() > kMaxOfferItems)
        out.error = QStringLiteral("too many files (%1, at most %2)")
                            .arg(out.offer.items.size())
                            .arg(kMaxOfferItems);
    return out;
}

struct Opened
{
    bool ok = false;
    QByteArray prefixSha256;
    QString error;
};

} // namespace

OutgoingTransfer::OutgoingTransfer(QSslSocket *socket, const DeviceIdentity &self,
                                   QStringList paths, QObject *parent)
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
    const BuiltOffer built = co_await runOffThread(&m_pool, [paths] { return buildOffer(paths); });
    if (!built.error.isEmpty())
        co_return fatal(TransferError::ReadFailed, built.error);

    m_channel.send(Hello{kProtocolVersion, {QStringLiteral("resume"), QStringLiteral("pipeline")},
                         m_deviceName});
    FrameChannel::Incoming in = co_await m_channel.read(m_timeouts.hello);
    if (in.status != FrameChannel::Status::Message)
        co_return readFailure(in);
    if (auto ended = peerEnded(in.message))
        co_return *ended;
    const auto *hello = std::get_if<Hello>(&in.message);
    if (!hello)
        co_return fatal(TransferError::Protocol, QStringLiteral("expected HELLO"));
    if (hello->version != kProtocolVersion)
        co_return fatal(TransferError::Version,
                        QStringLiteral("the peer speaks transfer protocol v%1, we speak v%2")
                                .arg(hello->version)
                                .arg(kProtocolVersion));

    const Offer &offer = built.offer;
    m_channel.send(offer);
    setState(TransferSnapshot::State::Waiting);
    in = co_await m_channel.read(m_timeouts.decision);
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
    for (const qint64 index : std::as_const(files)) {
        FileResult f;
        f.relativePath = offer.items.at(index).relativePath;
        f.localPath = built.sources.at(index);
        f.size = offer.items.at(index).size;
        slotOf.insert(index, int(result.files.size()));
        result.files.append(f);
    }
    qint64 done = 0;
    int verdictsPending = int(files.size());
    reportProgress(0, offer.totalBytes, true);

    // Handles what may arrive at any time while sending: VERDICTs, CANCEL, ERROR.
    const auto handleAsync = [&](const Message &message) -> std::optional<TransferResult> {
        if (auto ended = peerEnded(message))
            return ended;
        if (const auto *v = std::get_if<Verdict>(&message)) {
            const auto slot = slotOf.constFind(v->index);
            if (slot == slotOf.constEnd())
                return fatal(TransferError::Protocol, QStringLiteral("VERDICT for an unknown file"));
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
        return fatal(TransferError::Protocol, QStringLiteral("unexpected %1 while sending")
                                                      .arg(frameTypeName(frameTypeOf(message))));
    };

    qsizetype nextHeader = 0;
    for (qsizetype k = 0; k < files.size(); ++k) {
        while (nextHeader < files.size() && nextHeader < k + kHeaderWindow) {
            const qint64 index = files.at(nextHeader);
            m_channel.send(FileHeader{index, offer.items.at(index).size});
            ++nextHeader;
        }
        const qint64 index = files.at(k);
        const qint64 size = offer.items.at(index).size;
        FileResult &fr = result.files[k];

        // The answer to this file's HEADER (answers come in HEADER order).
        std::optional<Resume> resume;
        for (;;) {
            in = co_await m_channel.read(m_timeouts.idle);
            if (in.status != FrameChannel::Status::Message)
                co_return readFailure(in);
            if (const auto *s = std::get_if<Start>(&in.message)) {
                if (s->index != index)
                    co_return fatal(TransferError::Protocol, QStringLiteral("START out of order"));
                break;
            }
            if (const auto *r = std::get_if<Resume>(&in.message)) {
                if (r->index != index || r->offset > size)
                    co_return fatal(TransferError::Protocol, QStringLiteral("bad RESUME"));
                resume = *r;
                break;
            }
            if (auto end = handleAsync(in.message))
                co_return *end;
        }

        auto source = std::make_shared<FileSource>(built.sources.at(index));
        const qint64 resumeAt = resume ? resume->offset : 0;
        const Opened opened = co_await runOffThread(&m_pool, [source, size, resumeAt] {
            Opened o;
            if (!source->open(size)) {
                o.error = source->error();
                return o;
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
        });
        if (!opened.ok)
            co_return fatal(TransferError::ReadFailed, opened.error);
        qint64 offset = 0;
        if (resume && opened.prefixSha256 == resume->prefixSha256) {
            offset = resume->offset;
        } else if (resume) {
            qCInfo(lcTransfer) << "resume prefix of" << fr.relativePath
                               << "does not match; sending it again from the start";
            const bool rewound = co_await runOffThread(&m_pool, [source] { return source->rewind(); });
            if (!rewound)
                co_return fatal(TransferError::ReadFailed, source->error());
        }
        m_channel.send(SendFrom{index, offset});
        fr.resumedFrom = offset;
        done += offset;

        qint64 remaining = size - offset;
        const auto readNext = [this, source] {
            return runOffThread(&m_pool, [source] { return source->readChunk(kMaxChunkSize); });
        };
        QFuture<QByteArray> next;
        if (remaining > 0)
            next = readNext();
        while (remaining > 0) {
            const QByteArray chunk = co_await next;
            if (chunk.isEmpty())
                co_return fatal(TransferError::ReadFailed, source->error());
            remaining -= chunk.size();
            if (remaining > 0)
                next = readNext(); // read ahead while this chunk goes out
            // Backpressure: wait until the socket took most of what we wrote, and meanwhile
            // handle what the receiver says (VERDICTs, a disk-full ERROR, CANCEL).
            const QDeadlineTimer stalled(m_timeouts.idle);
            for (;;) {
                for (in = m_channel.tryRead(); in.status == FrameChannel::Status::Message;
                     in = m_channel.tryRead()) {
                    if (auto end = handleAsync(in.message))
                        co_return *end;
                }
                if (in.status == FrameChannel::Status::Malformed)
                    co_return readFailure(in);
                if (m_channel.isInterrupted())
                    co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
                if (!m_channel.isOpen())
                    co_return failure(TransferError::Network, QStringLiteral("the connection was lost"));
                if (m_channel.pendingWrite() < kWriteThreshold)
                    break;
                if (stalled.hasExpired()
                    || !co_await m_channel.waitForActivity(
                            std::chrono::milliseconds(qMax<qint64>(stalled.remainingTime(), 1))))
                    co_return failure(TransferError::Timeout, QStringLiteral("the receiver stopped reading"));
            }
            m_channel.sendData(chunk);
            result.bytesTransferred += chunk.size();
            done += chunk.size();
            reportProgress(done, offer.totalBytes);
        }
        const QByteArray sha = co_await runOffThread(&m_pool, [source] { return source->finalHash(); });
        fr.sha256 = QString::fromLatin1(sha.toHex());
        m_channel.send(FileEnd{index, sha});
    }

    while (verdictsPending > 0) {
        in = co_await m_channel.read(m_timeouts.idle);
        if (in.status != FrameChannel::Status::Message)
            co_return readFailure(in);
        if (auto end = handleAsync(in.message))
            co_return *end;
    }
    reportProgress(done, offer.totalBytes, true);
    m_channel.send(SessionEnd{});
    in = co_await m_channel.read(m_timeouts.hello);
    if (in.status == FrameChannel::Status::Message && !std::holds_alternative<SessionEnd>(in.message)) {
        if (auto ended = peerEnded(in.message))
            co_return *ended;
        co_return fatal(TransferError::Protocol, QStringLiteral("expected SESSIONEND"));
    }
    // Every verdict is in: a connection that closes instead of answering SESSIONEND is fine.

    int failed = 0;
    for (const FileResult &f : std::as_const(result.files)) {
        if (!f.verified) {
            ++failed;
            if (result.error == TransferError::None) {
                result.error = f.error == TransferError::None ? TransferError::Internal : f.error;
                result.message = f.errorMessage;
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
