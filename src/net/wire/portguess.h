// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "net/wire/nattype.h"

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
};

//! The stable wire text: "spread", "probe", "" for None.
QString portGuessName(PortGuess guess);
//! The inverse of portGuessName(); a text this build does not know gives None.
PortGuess portGuessFromName(QStringView text);

/*!
 * The part of a peer behind \a self when its peer is behind \a peer: Spread for symmetric ×
 * port-restricted cone, Probe the other way round, None for every other pair (a full or
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
