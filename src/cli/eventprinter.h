// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/pathkind.h"
#include "net/wire/portmapprotocol.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QString>
#include <QTimer>

#include <cstdio>

namespace PunchDrop {
struct PathReport;
}

namespace PunchDrop::Cli {

/*!
 * What `send` / `receive` / `peers` print. With --json: one JSON object per line on stdout, each
 * with an "event" key (registered, recipient, path, offer, progress, file, done, error, peers).
 * Without: short human lines on stderr and, on a terminal, one self-overwriting progress line with
 * rate and ETA. Progress is throttled here so a fast transfer does not flood the terminal or a
 * pipe.
 */
class EventPrinter
{
public:
    explicit EventPrinter(bool json, FILE *out = stdout, FILE *err = stderr);

    void registered(const QString &deviceId, const QString &natType, const QString &publicEndpoint,
        const QString &server);
    /*!
     * The `path` event about \a peer: its kind and method are the stable texts of the path
     * (pathkind.h); "family" is "ipv4" or "ipv6"; "mapper", for PathKind::DirectPortMap, how the
     * gateway was asked; "upgraded_from", the path the session left for this one; and
     * "downgraded_from", the path the session lost for this one (a direct path that died,
     * replaced by the relay).
     */
    void path(const PathReport &report, const QString &peer);
    /*!
     * An incoming offer; \a firstContact: the code is shown as something to compare;
     * \a nameWarning: a contact that claims another contact's name (JSON "name_warning").
     */
    void offer(const QString &peer, int files, int folders, qint64 totalBytes,
        const QString &verificationCode, bool firstContact, const QString &nameWarning = {});
    //! The sender's side of the session code, while it waits for the answer.
    void verificationCode(const QString &peer, const QString &code);
    /*!
     * Who a send goes to (JSON event "recipient": name, device_id, first_contact). People see a
     * line only for a first contact: the key is not pinned yet, so the session's verification
     * code (printed once the receiver has revealed its part) is worth comparing.
     */
    void recipient(const QString &name, const QString &deviceId, bool firstContact);
    //! Throttled; \a force prints regardless (the final 100 %).
    void progress(qint64 bytes, qint64 total, double bytesPerSecond, bool force = false);
    //! \a resumedFrom: bytes that were already at the receiver from an earlier, interrupted
    //! attempt (JSON "resumed_from", 0 for a fresh file).
    //! A verified file: \a digest names the algorithm ("xxh3-128", "sha256"), \a hash is hex.
    void file(const QString &name, qint64 size, const QString &digest, const QString &hash,
        qint64 resumedFrom = 0);
    //! \a bytes: the offered total; \a transferred: payload bytes that crossed the connection
    //! this time (JSON "transferred"; less than \a bytes when files resumed).
    //! \a relayBytes / \a directBytes: of \a transferred, what went through the relay and
    //! what went directly (JSON "relay_bytes", "direct_bytes").
    void done(qint64 files, qint64 bytes, qint64 elapsedMs, qint64 transferred,
        qint64 relayBytes = 0, qint64 directBytes = 0);
    void error(const QString &code, const QString &message);
    //! Human mode only. Written through DisplayText::forTerminal: no escape sequence a peer
    //! put in a name or a message reaches the terminal.
    void info(const QString &text);
    void raw(const QJsonObject &event); //!< JSON mode: as is; human mode: ignored

    static QString formatBytes(qint64 bytes);
    static QString formatDuration(qint64 seconds);

private:
    //! \a soon: may wait for the end of this event-loop turn (a burst of "file" events, one
    //! per small file, costs one write, not one each); otherwise written out at once.
    void emitJson(QJsonObject event, bool soon = false);
    //! One line of JSON (without the newline) to the output, as emitJson() does.
    void writeJsonLine(const QByteArray &line, bool soon);
    void endProgressLine();

    bool m_json;
    bool m_tty;
    FILE *m_out;
    FILE *m_err;
    QElapsedTimer m_lastProgress;
    bool m_progressLineOpen = false;
    QTimer m_flush; //!< flushes what emitJson(…, true) left in the stream's buffer
};

} // namespace PunchDrop::Cli
