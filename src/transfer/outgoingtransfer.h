// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/coro/offthread.h"
#include "transfer/builtoffer.h"
#include "transfer/transferjob.h"

#include <QHash>
#include <QStringList>

#include <qcorotask.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace PunchDrop {

class DeviceIdentity;
class FileSource;

/*!
 * Sends files and folders (recursively, empty folders included) over a secured socket:
 * HELLO, OFFER, then per file HEADER → (START|RESUME) → SENDFROM, DATA…, END → VERDICT, with
 * HEADERs pipelined so many small files cost no round trip each, or (a peer that takes
 * "batch") runs of small files in FILES frames, each answered by VERDICTs (transferprotocol.h).
 *
 * The sender's half of the protocol as one handler per phase or message: prepareOffer,
 * onDecision (ACCEPT/DECLINE), then per file sendFile (HEADERs, awaitAnswer for START/RESUME,
 * openFile, streamFile with backpressure, END), onPeerMessage for what may arrive at any time
 * while sending (answers, VERDICTs, CANCEL, ERROR; listenWhile waits on them), and endSession. The
 * transfer's state lives in members, so every handler sees where the session stands.
 *
 * run() always ends with a result (also emitted as finished()); the result's allVerified() says
 * whether the receiver verified every file's SHA-256.
 */
class OutgoingTransfer : public TransferJob
{
    Q_OBJECT
public:
    OutgoingTransfer(QSslSocket *socket, const DeviceIdentity &self, QStringList paths,
        QObject *parent = nullptr);
    //! Sends an offer built beforehand (before connecting: the receiver's HELLO wait is short).
    OutgoingTransfer(QSslSocket *socket, const DeviceIdentity &self, BuiltOffer offer,
        QObject *parent = nullptr);
    ~OutgoingTransfer() override;

    //! One chunk read on the worker; the error travels with it (the source is the worker's).
    struct ReadChunk
    {
        QByteArray data;
        QString error; //!< when data is empty
    };
    //! A source file opened on the worker (and, for a resume, its prefix hashed).
    struct Opened
    {
        bool ok = false;
        QByteArray prefixDigest;
        QByteArray data; //!< small files: the whole content
        QByteArray digest; //!< small files: its digest
        QString error;
    };

    //! The files of one FILES frame, opened, read and hashed on the worker in one hop.
    struct ReadBatch
    {
        qsizetype first = 0; //!< file slot of the first
        QList<Opened> files; //!< all of them, or none with error
        QString error;
    };

private:
    //! The file whose HEADER was answered and which is being sent.
    struct Sending
    {
        qint64 index = 0; //!< in the offer
        qint64 size = 0;
        int slot = 0; //!< in the result's file list
        std::shared_ptr<FileSource> source;
        //! Fits one chunk and is not resumed: opened, read and hashed in one worker hop.
        bool small = false;
        Opened opened;
        qint64 offset = 0; //!< where SENDFROM starts it
        qint64 toRead = 0; //!< bytes not yet handed to the worker for reading
        //! Read-ahead on the worker, oldest first. A pending read dropped on an early return is
        //! harmless: it owns its source.
        std::deque<OffThread<ReadChunk>> reads;
    };

    QCoro::Task<TransferResult> runSteps() override;
    QCoro::Task<bool> closeSession(const TransferResult &result) override;

    QCoro::Task<Step> prepareOffer();
    QCoro::Task<Step> onDecision();
    void listFiles();

    /*!
     * The files from slot \a from on (file \a from continuing at \a continueAt after a rejoin),
     * the VERDICTs still due, then SESSIONEND.
     */
    QCoro::Task<Step> sendFrom(qsizetype from, std::optional<qint64> continueAt);
    /*!
     * After a rejoin: checks the receiver's REJOIN against what was sent, forgets everything
     * pipelined beyond it and says where sending goes on (\a from, \a continueAt).
     */
    Step resync(const Transfer::Rejoin &theirs, qsizetype *from, std::optional<qint64> *continueAt);
    //! File slot \a k, whose DATA had begun before a rejoin, from \a offset on.
    QCoro::Task<Step> continueFile(qsizetype k, qint64 offset);
    QCoro::Task<Step> sendFile(qsizetype k);
    //! Whether file slot \a k travels inside a FILES frame (canBatch(), small enough).
    bool inlined(qsizetype k) const;
    /*!
     * Files \a k, \a k + 1, … (as many as one FILES frame takes) in one FILES frame; \a next
     * is the slot after them. The next batch is read on the worker while this one goes out.
     */
    QCoro::Task<Step> sendBatch(qsizetype k, qsizetype *next);
    //! Starts reading the FILES frame that begins at file slot \a k on the worker.
    void readBatch(qsizetype k);
    //! File slot \a k after its answer: opened (openFile()), streamed, ended.
    QCoro::Task<Step> sendBody(
        qsizetype k, const std::optional<Transfer::Resume> &resume, bool rejoined);
    void sendHeaders(qsizetype k);
    QCoro::Task<Step> awaitAnswer(std::optional<Transfer::Resume> *resume);
    //! \a rejoined: the receiver holds resume->offset bytes from this session (no digest to
    //! compare, no SENDFROM).
    QCoro::Task<Step> openFile(
        qsizetype k, const std::optional<Transfer::Resume> &resume, bool rejoined);
    QCoro::Task<Step> streamFile();
    void readAhead();
    QCoro::Task<Step> waitForRoom();
    QCoro::Task<Step> endFile();

    //! Whatever may arrive at any time while sending: answers, VERDICTs, CANCEL, ERROR.
    Step onPeerMessage(const Transfer::Message &message);
    Step onAnswer(qint64 index, const Transfer::Message &answer);
    Step onVerdict(const Transfer::Verdict &verdict);

    //! Reads and handles what the receiver sends (onPeerMessage) while \a waiting() holds.
    QCoro::Task<Step> listenWhile(std::function<bool()> waiting);
    QCoro::Task<Step> endSession();

    QStringList m_paths;
    std::optional<BuiltOffer> m_prepared; //!< the offer when it was built before connecting

    // Session state, set by the handlers.
    Transfer::Offer m_offer;
    QStringList m_sources; //!< absolute source path per offer item
    TransferResult m_result;
    QList<qint64> m_files; //!< offer indices of the files
    QHash<qint64, int> m_slotOf; //!< offer index → position in m_result.files
    qint64 m_done = 0;
    int m_verdictsPending = 0;
    qsizetype m_nextHeader = 0;
    //! Answers to pipelined HEADERs arrive while earlier files are still being sent.
    std::deque<Transfer::Message> m_answers;
    qsizetype m_answersSeen = 0;
    qint64 m_sentFrom = 0; //!< file slots whose SENDFROM went out (the DATA had begun)
    std::optional<Sending> m_sending;
    //! The next FILES frame, being read on the worker (see sendBatch()).
    std::optional<OffThread<ReadBatch>> m_nextBatch;
};

} // namespace PunchDrop
