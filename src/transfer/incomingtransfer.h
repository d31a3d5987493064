// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/coro/offthread.h"
#include "net/wire/deviceid.h"
#include "transfer/filesink.h"
#include "transfer/safepath.h"
#include "transfer/transferjob.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

#include <qcorotask.h>

#include <deque>
#include <memory>
#include <optional>

namespace PunchDrop {

class ContactStore;
class DeviceIdentity;
class OfferDecider;

struct ReceiveOptions
{
    QString downloadDir; //!< created if missing
    OfferDecider *decider = nullptr; //!< nullptr: decline everything not auto-accepted
    ContactStore *contacts = nullptr; //!< nullptr: no pinning (tests, one-shot CLI)
    //! Accept without asking from contacts marked "always accept" (the GUI setting "accept
    //! files from trusted contacts without asking"); false: every offer goes to the decider.
    bool honourAutoAccept = true;
    //! Extra free space to keep beyond the offer's size when checking before accepting.
    qint64 freeSpaceMargin = 16 * 1024 * 1024;
    //! How part files are opened (default: QFile). Tests inject failing devices.
    PartDeviceFactory partDeviceFactory;
    //! Called on the worker thread while a held part file's prefix is hashed for a resume
    //! (bytes hashed so far); optional. See FileSink::inspect.
    FileSink::InspectProgress inspectProgress;
};

/*!
 * Receives an offer over a secured socket into ReceiveOptions::downloadDir, safely: every path
 * is sanitised (SafePath), data goes to `<name>.pdpart` and is renamed into place only after its
 * SHA-256 verified, existing files are never overwritten, free space is checked before
 * accepting, interrupted files are resumed, and the decision goes through OfferDecider (or
 * the contact's auto-accept flag). A known contact name with a new key is refused.
 *
 * The receiver's half of the protocol as one handler per phase or message: HELLO (shared with
 * the sender, TransferJob::exchangeHello), onOffer → decide, then a loop that hands each frame
 * to onHeader, onSendFrom, onData, onFileEnd or onSessionEnd. The transfer's state lives in
 * members, so every handler sees where the session stands.
 *
 * run() always ends with a result (also emitted as finished()).
 */
class IncomingTransfer : public TransferJob
{
    Q_OBJECT
public:
    IncomingTransfer(QSslSocket *socket, const DeviceIdentity &self, DeviceId sender,
        QString senderName, ReceiveOptions options, QObject *parent = nullptr);
    ~IncomingTransfer() override;

    //! The offer as presented to the decider (valid once state() is Waiting).
    const IncomingOffer &offer() const { return m_offer; }

    //! What a worker-thread sink operation reports back.
    struct SinkStatus
    {
        bool ok = false;
        TransferError code = TransferError::None;
        QString error;
    };
    //! What storing FILES frames' files on the worker reports back.
    struct StoredBatch
    {
        //! The files put in place (or refused) by this job, in order: those held from earlier
        //! frames first, up to the first that was not written; none if it committed nothing.
        QList<FileSink::Finished> files;
        SinkStatus failure {true, TransferError::None, {}}; //!< why the rest was not written
    };
    /*!
     * FILES frames' files are held (written, sealed, unnamed) and put in place together once
     * this many wait, or this many bytes, or when nothing more is there to read: a commit's one
     * sync covers them all (where one call syncs many files: OwnedFile::kSyncAllIsOneCall;
     * elsewhere each frame is put in place as it comes). The files bound the descriptors held
     * open: kReservedDescriptors covers maxIncomingSessions transfers at once.
     */
    static constexpr qsizetype kHeldFiles = 256;
    static constexpr qint64 kHeldBytes = 32 * 1024 * 1024;
    static constexpr int kReservedDescriptors = 4096;

private:
    //! A file whose HEADER was answered (START/RESUME), then the one being received.
    struct Pending
    {
        qint64 index = 0;
        int slot = 0; //!< position in the result's file list
        qint64 answeredOffset = 0;
        std::shared_ptr<FileSink> sink;
        //! Fits one chunk: never resumed, collected in memory and written in one worker hop at
        //! END (10 000 small files must not cost four thread hand-offs each).
        bool small = false;
        QByteArray buffer;
    };
    struct FolderTime
    {
        QString path; //!< resolved, created (or already there) in the download folder
        QDateTime modified;
    };

    QCoro::Task<TransferResult> runSteps() override;
    QCoro::Task<bool> closeSession(const TransferResult &result) override;

    // Phases before the first file, in order.
    QCoro::Task<Step> onOffer();
    Step checkTrust(bool *autoAccept);
    Step checkDiskSpace();
    QCoro::Task<Step> decide(bool autoAccept);
    Step createFolders();

    // The per-file messages; each returns a result only when the transfer ends there.
    QCoro::Task<Step> receiveFiles();
    /*!
     * The connection was lost (\a lost): waits for a new one for the session (awaitRejoin),
     * tells the sender what this side holds and sends the VERDICTs it missed again.
     */
    QCoro::Task<Step> rejoinSession(const TransferResult &lost);
    QCoro::Task<Step> onMessage(Transfer::Message &message);
    QCoro::Task<Step> onHeader(const Transfer::FileHeader &header);
    QCoro::Task<Step> onSendFrom(const Transfer::SendFrom &from);
    QCoro::Task<Step> onData(Transfer::Data &data);
    QCoro::Task<Step> onFileEnd(const Transfer::FileEnd &end);
    //! FILES: checks each file against the offer, stores them all in one worker hop, answers
    //! their VERDICTs in one record.
    QCoro::Task<Step> onBatch(Transfer::FileBatch &batch);
    //! Awaits FILES frames being stored: the oldest ones while more than \a keep are queued or
    //! done, then sends their VERDICTs.
    QCoro::Task<Step> awaitBatches(std::size_t keep);
    //! Records what happened to the file in \a slot, emits fileFinished() and returns its
    //! VERDICT (to send).
    Transfer::Verdict fileDone(qsizetype slot, const FileSink::Finished &fin);
    QCoro::Task<Step> onSessionEnd();

    //! Awaits queued chunk writes: the oldest ones while more than \a keep are queued or done.
    QCoro::Task<Step> awaitWrites(std::size_t keep);
    //! Bytes already in the part files this offer's files would resume (free-space check).
    qint64 heldBytes() const;
    //! The metadata a part file is checked against: the same for inspect, begin and write.
    PartMeta partMeta(qint64 index) const;
    TransferResult writeFailed(const SinkStatus &wrote);
    //! Gives each folder the modification time of the offer (worker thread). Returns what
    //! failed (metadata only: the files are verified and in place, so this never fails a
    //! transfer).
    static QStringList restoreFolderTimes(const QList<FolderTime> &folders);
    void countReceived(qint64 bytes);

    DeviceId m_self;
    DeviceId m_sender;
    QString m_senderName;
    ReceiveOptions m_options;
    IncomingOffer m_offer;

    // Session state, set by onOffer and the file handlers.
    Transfer::Offer m_wireOffer;
    QStringList m_safePaths; //!< sanitised relative path per offer item
    SafePath::Resolver m_resolver; //!< m_safePaths → absolute paths in the download folder
    TransferResult m_result;
    QList<qint64> m_files; //!< offer indices of the files, in order
    QList<FolderTime> m_folderTimes; //!< applied at the end: writing files into a folder touches it
    std::deque<Pending> m_answered; //!< HEADERs answered, SENDFROM not yet seen
    std::optional<Pending> m_current;
    qint64 m_received = 0; //!< bytes of the current file
    qsizetype m_nextHeader = 0;
    int m_verdicts = 0;
    qint64 m_done = 0;
    bool m_sessionEnded = false;
    bool m_honourExecutable = false; //!< the sender was a known contact before this offer
    //! Chunk writes queued on the worker, oldest first (see onData); a write that is done wakes
    //! nothing until it is awaited. Dropping a pending one is safe: the job owns its sink and
    //! bytes, and ~TransferJob waits for the worker.
    std::deque<OffThread<SinkStatus>> m_writes;
    //! FILES frames being stored on the worker while the next one is read and checked.
    class BatchStore;
    std::shared_ptr<BatchStore> m_store; //!< used by worker jobs only
    std::deque<OffThread<StoredBatch>> m_batches;
    qsizetype m_heldFiles = 0; //!< files handed to m_store since the last commit was asked
    qint64 m_heldBytes = 0;
    //! Files handed to the store and not yet answered (a job still runs or holds them).
    bool storing() const { return !m_batches.empty() || m_heldFiles > 0; }
    //! Asks the store to put everything it holds in place (after the jobs already queued).
    void commitHeld();
};

} // namespace PunchDrop
