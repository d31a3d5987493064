// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/coro/wakeup.h"
#include "net/security/deviceidentity.h"
#include "net/wire/deviceid.h"
#include "net/wire/endpoint.h"
#include "net/wire/portguess.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>

#include <qcorotask.h>

#include <chrono>
#include <memory>

class QSslSocket;

namespace PunchDrop {

class DeferredTlsServer;

//! Named, injectable timing of a punch (tests shorten them instead of sleeping).
struct PunchTimings
{
    //! One connect() attempt; a SYN that the peer's NAT drops is retransmitted by the kernel
    //! within it, so a peer starting a little later still meets our SYN_SENT socket.
    std::chrono::milliseconds attemptTimeout {1000};
    //! Pause after a refused attempt (RST) before a fresh socket tries again.
    std::chrono::milliseconds retryDelay {100};
    //! No authenticated direct path this long after the scheduled start → give up (relay).
    std::chrono::milliseconds deadline {4000};
    //! TLS handshake on a candidate connection.
    std::chrono::milliseconds handshakeTimeout {3000};
    //! The responder waits this much past the deadline for the initiator's choice.
    std::chrono::milliseconds selectGrace {1500};
    //! The deadline when only a port mapping can connect (the NATs rule out a punch): one
    //! connect attempt plus the TLS handshake, all a gateway whose mapping does not forward
    //! (a "lying" one) may cost before the relay.
    std::chrono::milliseconds mappedDeadline {2000};
    //! Port guessing (PunchPlan::guess): the sockets of one side are opened over this much time,
    //! in small batches, so no NAT table or SYN rate limit sees a burst.
    std::chrono::milliseconds guessSpread {500};
    //! The deadline when guessing: the spread, a SYN retransmission (1 s) of every socket,
    //! and the TLS handshake of the socket that met its peer.
    std::chrono::milliseconds guessDeadline {3000};
    //! Happy eyeballs (RFC 8305's connection attempt delay): with an IPv6 candidate, the IPv4
    //! candidates are dialled this much later, so a working IPv6 path wins the selection.
    std::chrono::milliseconds ipv4Delay {250};
};

//! Port guessing's default budget: sockets per side. 512 × 512 over the 64,512 ports a Linux
//! NAT allocates from hit with a chance of 98 % (guessOdds); 256 × 256 only 64 %.
constexpr int kDefaultGuessBudget = 512;
//! The ports a guess is drawn from (Linux, most routers: every unprivileged port).
constexpr quint16 kGuessFirstPort = 1024;
constexpr quint16 kGuessLastPort = 65535;

//! What the rendezvous server's "go" told us, reduced to what punching needs.
struct PunchPlan
{
    DeviceId peer;
    bool initiator = true; //!< initiator = TLS client and the one who selects the path
    quint16 localPort = 0; //!< P: the port our control connection uses
    //! the peer's port mapping (if any) first, then its public endpoints (IPv6, IPv4), then its
    //! private ones. IPv6 candidates are dialled from P in IPv6, IPv4 ones from P in IPv4.
    QList<Endpoint> candidates;
    std::chrono::milliseconds startIn {0};
    /*!
     * Port guessing (portguess.h), alongside the candidates: Spread dials \a guessTarget from
     * \a guessBudget fresh ports; Probe dials \a guessBudget distinct ports between
     * \a guessFirstPort and \a guessLastPort of \a guessTarget's address, all from localPort.
     */
    PortGuess guess = PortGuess::None;
    Endpoint guessTarget {};
    int guessBudget = kDefaultGuessBudget;
    quint16 guessFirstPort = kGuessFirstPort;
    quint16 guessLastPort = kGuessLastPort;
};

struct PunchResult
{
    std::unique_ptr<QSslSocket> socket; //!< encrypted, peer verified, selected; null on failure
    Endpoint remote;
    bool viaAccept = false; //!< the winning connection came in through our listener
    bool viaGuess = false; //!< the winning connection is one of the port-guessing sockets
    int guesses = 0; //!< port-guessing sockets opened
    qint64 elapsedMs = 0; //!< from the scheduled start
    int attempts = 0;
    int refused = 0;
    int timedOut = 0;
    QString failure; //!< why no direct path formed (empty on success)
    //! A candidate completed TLS with a key other than the expected one (the last such device):
    //! that connection was dropped, never selected. Set whether or not a path formed.
    DeviceId unexpectedPeer;

    bool ok() const { return socket != nullptr; }
};

/*!
 * TCP hole punching from local port P (seeds 000/001, nat-lab-facts §2.5/2.6).
 *
 * At the scheduled start it listens on P (in IPv4, and in IPv6 when a candidate is IPv6) and
 * dials every candidate from P, IPv4 ones PunchTimings::ipv4Delay after IPv6 ones, each attempt
 * with a
 * fresh native socket (SO_REUSEADDR + SO_REUSEPORT, ReusableSocket), retrying after a refusal
 * until the deadline. Every connection that forms — by simultaneous open, by our connect() or
 * through the listener — gets a mutual TLS handshake pinned to the expected DeviceId. The
 * initiator selects the first verified connection by sending kSelectByte over it; the responder
 * takes the first verified connection on which that byte arrives. All other sockets are closed.
 *
 * With PunchPlan::guess it also opens the port-guessing sockets of its part (portguess.h): one
 * attempt each, never retried, closed at the deadline unless one met its peer.
 *
 * Lifetime: run() must be awaited to its end before the object is destroyed; when it returns,
 * every socket except the winner is aborted, which resumes and ends the helper coroutines.
 */
class HolePuncher : public QObject
{
    Q_OBJECT
public:
    static constexpr char kSelectByte = 'S';

    HolePuncher(const DeviceIdentity &identity, PunchPlan plan, PunchTimings timings,
        QObject *parent = nullptr);
    ~HolePuncher() override;

    QCoro::Task<PunchResult> run();

Q_SIGNALS:
    void winnerFound();

private:
    //! Where a candidate connection came from.
    enum class Origin { Dialled, Accepted, Guessed };

    //! Dials \a target from P until connected or the deadline.
    QCoro::Task<> dialLoop(Endpoint target);
    //! PunchTimings::retryDelay, or less: finishCandidates() ends it.
    QCoro::Task<> retryPause();
    //! The IPv4 candidates \a targets, PunchTimings::ipv4Delay after the IPv6 ones, unless a
    //! path formed meanwhile.
    QCoro::Task<> dialAfterIpv6(QList<Endpoint> targets);
    //! Opens the port-guessing sockets of PunchPlan::guess, paced over guessSpread.
    QCoro::Task<> guessDials();
    //! One port-guessing socket: connected → verified; otherwise left to the deadline.
    QCoro::Task<> guessAttempt(QSslSocket *socket, Endpoint target);
    //! A fresh socket from \a port (0: whichever connect() picks), in m_sockets, dialling
    //! \a target; null when the system refused one.
    QSslSocket *dial(quint16 port, const Endpoint &target);
    QCoro::Task<> verifyCandidate(QSslSocket *socket, Endpoint remote, Origin origin);
    void onIncoming(DeferredTlsServer *listener);
    void finishCandidates();
    std::chrono::milliseconds remaining(std::chrono::milliseconds extra = {}) const;

    DeviceIdentity m_identity;
    PunchPlan m_plan;
    PunchTimings m_timings;
    QElapsedTimer m_clock; //!< started at the scheduled start
    DeferredTlsServer *m_listener = nullptr;
    DeferredTlsServer *m_listener6 = nullptr; //!< P in IPv6, when a candidate is IPv6
    QList<QPointer<QSslSocket>> m_sockets;
    QSslSocket *m_winner = nullptr;
    Endpoint m_winnerRemote;
    Origin m_winnerOrigin = Origin::Dialled;
    int m_guesses = 0;
    //! guessDials()' pause between batches; finishCandidates() ends it at once, so the
    //! coroutine ends with the punch instead of sleeping past it.
    Wakeup m_guessPause;
    Wakeup m_ipv4Pause; //!< dialAfterIpv6()'s pause, ended the same way
    QList<Wakeup *> m_retryPauses; //!< dialLoop()s pausing after a refusal, ended the same way
    bool m_done = false;
    int m_attempts = 0;
    int m_refused = 0;
    int m_timedOut = 0;
    int m_verifyFailures = 0;
    QString m_lastVerifyError;
    DeviceId m_unexpectedPeer;
};

} // namespace PunchDrop
