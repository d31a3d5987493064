// SPDX-License-Identifier: GPL-3.0-or-later
#include "incomingtransfer.h"

#include "core/logging.h"
#include "net/deviceidentity.h"
#include "transfer/contactstore.h"
#include "transfer/offerdecider.h"
#include "transfer/offthread.h"
#include "transfer/safepath.h"

#include <QDir>
#include <QSslSocket>
#include <QStorageInfo>

#include <qcorofuture.h>

#include <deque>

namespace PunchDrop {

using namespace Transfer;

namespace {

struct Pending
{
    qint64 index = 0;
    int slot = 0;            //!< position in the result's file list
    qint64 answeredOffset = 0;
    std::shared_ptr<FileSink> sink;
};

struct Begun
{
    bool ok = false;
    TransferError code = TransferError::None;
    QString error;
};

} // namespace

IncomingTransfer::IncomingTransfer(QSslSocket *socket, const DeviceIdentity &self,
                                   DeviceId sender, QString senderName, ReceiveOptions options,
                                   QObject *parent)
    : TransferJob(socket, parent)
    , m_self(self.id())
    , m_sender(std::move(sender))
    , m_senderName(std::move(senderName))
    , m_options(std::move(options))
{
}

QCoro::Task<TransferResult> IncomingTransfer::run()
{
    TransferResult result = co_await runImpl();
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
        co_await m_channel.flush(std::chrono::milliseconds(2000));
    co_return finish(std::move(result));
}

QCoro::Task<TransferResult> IncomingTransfer::runImpl()
{
    setState(TransferSnapshot::State::Connecting);
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
    if (m_senderName.isEmpty())
        m_senderName = hello->deviceName;

    in = co_await m_channel.read(m_timeouts.hello);
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
    for (const OfferItem &item : wireOffer.items) {
        const SafePath::Sanitized s = SafePath::sanitize(item.relativePath);
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
            m_channel.send(Decline{QStringLiteral("the receiver has pinned a different key for "
                                                  "this name; compare the verification code")});
            co_return failure(TransferError::UntrustedPeer, trust.warning);
        }
        m_offer.firstContact = trust.trust == ContactStore::Trust::FirstContact;
        if (const auto contact = m_options.contacts->find(m_sender))
            autoAccept = contact->autoAccept;
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
    else if (m_options.decider)
        decision = co_await m_options.decider->decide(m_offer);
    if (m_cancelRequested)
        co_return failure(TransferError::Cancelled, QStringLiteral("cancelled"));
    if (decision == OfferDecision::Decline) {
        m_channel.send(Decline{QStringLiteral("declined by the user")});
        co_return failure(TransferError::Declined, QStringLiteral("declined"));
    }
    if (m_options.contacts) {
        QString error;
        if (!m_options.contacts->remember(m_sender, m_senderName, &error)
            || (decision == OfferDecision::AcceptAlways
                && !m_options.contacts->setAutoAccept(m_sender, true, &error)))
            qCWarning(lcTransfer) << "cannot update contacts:" << error;
    }
    m_channel.send(Accept{});
    setState(TransferSnapshot::State::Transferring);

    TransferResult result;
    result.bytesTotal = wireOffer.totalBytes;
    QList<qint64> files;
    for (qint64 i = 0; i < wireOffer.items.size(); ++i) {
        const OfferItem &item = wireOffer.items.at(i);
        QString error;
        if (item.isDirectory) {
            const QString dir = SafePath::resolve(m_options.downloadDir, safePaths.at(i), true, &error);
            if (dir.isEmpty() || (!QFileInfo(dir).isDir() && !QDir().mkdir(dir))) {
                co_return fatal(TransferError::WriteFailed,
                                error.isEmpty() ? QStringLiteral("cannot create %1").arg(dir) : error);
            }
            continue;
        }
        files.append(i);
        FileResult f;
        f.relativePath = item.relativePath;
        f.size = item.size;
        result.files.append(f);
    }

    std::deque<Pending> answered; // HEADERs answered, SENDFROM not yet seen
    std::optional<Pending> current;
    qint64 received = 0; // bytes of the current file
    qsizetype nextHeader = 0;
    int verdicts = 0;
    qint64 done = 0;
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
                co_return fatal(TransferError::Protocol, QStringLiteral("more DATA than announced"));
            auto sink = current->sink;
            QByteArray bytes = std::move(data->bytes);
            const qint64 length = bytes.size();
            const Begun wrote = co_await runOffThread(&m_pool, [sink, bytes = std::move(bytes)] {
                Begun b;
                b.ok = sink->write(bytes);
                b.code = sink->errorCode();
                b.error = sink->error();
                return b;
            });
            if (!wrote.ok) {
                qCWarning(lcTransfer) << wrote.error;
                TransferResult r = fatal(wrote.code, wrote.error);
                r.files = result.files;
                co_return r;
            }
            received += length;
            result.bytesTransferred += length;
            done += length;
            reportProgress(done, wireOffer.totalBytes);
        } else if (const auto *header = std::get_if<FileHeader>(&in.message)) {
            if (nextHeader >= files.size() || header->index != files.at(nextHeader)
                || header->size != wireOffer.items.at(header->index).size)
                co_return fatal(TransferError::Protocol, QStringLiteral("HEADER out of order"));
            const OfferItem &item = wireOffer.items.at(header->index);
            QString error;
            const QString target =
                    SafePath::resolve(m_options.downloadDir, safePaths.at(header->index), true, &error);
            if (target.isEmpty())
                co_return fatal(TransferError::UnsafePath, error);
            Pending p;
            p.index = header->index;
            p.slot = int(nextHeader);
            p.sink = std::make_shared<FileSink>(target, m_options.partDeviceFactory);
            const PartMeta meta{m_sender, item.relativePath, item.size,
                                item.modified.isValid() ? item.modified.toMSecsSinceEpoch() : 0};
            auto sink = p.sink;
            const FileSink::Held held =
                    co_await runOffThread(&m_pool, [sink, meta] { return sink->inspect(meta); });
            p.answeredOffset = held.offset;
            if (held.offset > 0)
                m_channel.send(Resume{p.index, held.offset, held.prefixSha256});
            else
                m_channel.send(Start{p.index});
            answered.push_back(p);
            ++nextHeader;
        } else if (const auto *from = std::get_if<SendFrom>(&in.message)) {
            if (current || answered.empty() || answered.front().index != from->index
                || (from->offset != 0 && from->offset != answered.front().answeredOffset))
                co_return fatal(TransferError::Protocol, QStringLiteral("unexpected SENDFROM"));
            current = answered.front();
            answered.pop_front();
            const OfferItem &item = wireOffer.items.at(current->index);
            const PartMeta meta{m_sender, item.relativePath, item.size,
                                item.modified.isValid() ? item.modified.toMSecsSinceEpoch() : 0};
            auto sink = current->sink;
            const qint64 offset = from->offset;
            const Begun begun = co_await runOffThread(&m_pool, [sink, offset, meta] {
                Begun b;
                b.ok = sink->begin(offset, meta);
                b.code = sink->errorCode();
                b.error = sink->error();
                return b;
            });
            if (!begun.ok)
                co_return fatal(begun.code, begun.error);
            received = offset;
            result.files[current->slot].resumedFrom = offset;
            done += offset;
        } else if (const auto *end = std::get_if<FileEnd>(&in.message)) {
            if (!current || end->index != current->index
                || received != wireOffer.items.at(current->index).size)
                co_return fatal(TransferError::Protocol, QStringLiteral("unexpected END"));
            const OfferItem &item = wireOffer.items.at(current->index);
            auto sink = current->sink;
            const QByteArray expected = end->sha256;
            const bool executable = item.executable;
            const QDateTime modified = item.modified;
            const FileSink::Finished fin = co_await runOffThread(
                    &m_pool, [sink, expected, executable, modified] {
                        return sink->finish(expected, executable, modified);
                    });
            FileResult &f = result.files[current->slot];
            f.localPath = fin.finalPath;
            f.sha256 = fin.sha256Hex;
            f.verified = fin.error == TransferError::None;
            f.error = fin.error;
            f.errorMessage = fin.message;
            if (!f.verified)
                qCWarning(lcTransfer) << "file failed:" << f.relativePath << fin.message;
            m_channel.send(Verdict{current->index, fin.error, fin.message});
            ++verdicts;
            current.reset();
            Q_EMIT fileFinished(f);
        } else if (std::holds_alternative<SessionEnd>(in.message)) {
            if (current || !answered.empty() || verdicts != files.size())
                co_return fatal(TransferError::Protocol, QStringLiteral("SESSIONEND too early"));
            m_channel.send(SessionEnd{});
            break;
        } else {
            co_return fatal(TransferError::Protocol,
                            QStringLiteral("unexpected %1").arg(frameTypeName(frameTypeOf(in.message))));
        }
    }
    reportProgress(done, wireOffer.totalBytes, true);
    int failed = 0;
    for (const FileResult &f : std::as_const(result.files)) {
        if (!f.verified) {
            ++failed;
            if (result.error == TransferError::None) {
                result.error = f.error;
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
