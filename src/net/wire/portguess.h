// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/nattype.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringView>

namespace PunchDrop {

/*!
 * A peer's part in "birthday" punching (port guessing, docs/nat-traversal.md): how a symmetric
 * NAT (a new public port for every destination) and a port-restricted cone meet over TCP when no
 * ordinary punch can. The rendezvous server, which knows both NAT types, hands each peer its part
 * in `go.guess`.
 *
 * - Spread (the symmetric side): dial the peer's public endpoint from many fresh local ports, so
 *   the NAT opens as many public ports, each of them waiting for exactly that endpoint.
 * - Probe (the port-restricted side): dial as many guessed ports of the peer's public address,
 *   all from the punch port. A guess that hits one of the spread ports meets a SYN_SENT socket:
 *   a simultaneous open. With n spread ports and m probes over a range of R ports, the chance
 *   that at least one guess hits is 1 - C(R - n, m) / C(R, m) ≈ 1 - exp(-n·m / R)
 *   (guessOdds()).
 */
enum class PortGuess {
    None,
    Spread, //!< "spread"
    Probe, //!< "probe"
    /*!
     * The same parts against a symmetric NAT that allocates ports in sequence
     * (NatType::sequential): each side opens at most kSequentialGuessBudget sockets, and the
     * prober does not draw at random but spaces its guesses evenly above the peer's last seen
     * public port (the server's view of its control connection), so the spread's block of
     * consecutive ports is hit wherever it landed since (sequentialProbes()).
     */
    SpreadSequential, //!< "spread-seq"
    ProbeSequential, //!< "probe-seq"
};

//! Sockets per side against a sequential NAT: enough for two guesses in every block.
constexpr int kSequentialGuessBudget = 64;

//! Spread or SpreadSequential: the symmetric side's part.
bool isSpread(PortGuess guess);
//! SpreadSequential or ProbeSequential.
bool isSequential(PortGuess guess);

/*!
 * The ports a ProbeSequential side dials: \a count ports above \a base (the peer's last seen
 * public port), every max(1, count / 2)-th, wrapping within [\a first, \a last]. The peer's
 * NAT hands its count spread connections a block of consecutive ports somewhere above base; any
 * block of count ports within count²/2 of base holds two of these.
 */
QList<quint16> sequentialProbes(quint16 base, int count, quint16 first, quint16 last);

//! The stable wire text: "spread", "probe", "spread-seq", "probe-seq", "" for None.
QString portGuessName(PortGuess guess);
//! The inverse of portGuessName(); a text this build does not know gives None.
PortGuess portGuessFromName(QStringView text);

/*!
 * The part of a peer behind \a self when its peer is behind \a peer: Spread for symmetric ×
 * port-restricted cone, Probe the other way round (their Sequential forms when the symmetric
 * NAT allocates in sequence), None for every other pair (a full or
 * restricted cone accepts a symmetric side's SYN on its listener; two symmetric NATs have no
 * fixed side to aim at; unknown types are punched the ordinary way).
 */
PortGuess portGuessFor(const NatType &self, const NatType &peer);

/*!
 * The chance that \a probes distinct guesses among \a range ports hit at least one of \a spread
 * open ports: 1 - C(range - spread, probes) / C(range, probes).
 */
double guessOdds(int spread, int probes, int range);

} // namespace PunchDrop

Q_DECLARE_METATYPE(PunchDrop::PortGuess)
