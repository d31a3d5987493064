// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/portguess.h"

#include "net/wire/texttable.h"

#include <cmath>

namespace PunchDrop {

namespace {
constexpr TextTable<PortGuess, 3> kGuesses {{
    {PortGuess::Spread, u"spread"},
    {PortGuess::Probe, u"probe"},
    {PortGuess::None, u""},
}};

bool portRestrictedCone(const NatType &n)
{
    return n.mapping == NatType::Mapping::EndpointIndependent
        && n.filtering == NatType::Filtering::AddressAndPortDependent;
}
} // namespace

QString portGuessName(PortGuess guess)
{
    return nameIn(kGuesses, guess, u"");
}

PortGuess portGuessFromName(QStringView text)
{
    return valueIn(kGuesses, text, PortGuess::None);
}

PortGuess portGuessFor(const NatType &self, const NatType &peer)
{
    const bool selfSymmetric = self.mapping == NatType::Mapping::Dependent;
    const bool peerSymmetric = peer.mapping == NatType::Mapping::Dependent;
    if (selfSymmetric && portRestrictedCone(peer))
        return PortGuess::Spread;
    if (peerSymmetric && portRestrictedCone(self))
        return PortGuess::Probe;
    return PortGuess::None;
}

double guessOdds(int spread, int probes, int range)
{
    if (spread <= 0 || probes <= 0 || range <= 0)
        return 0.0;
    if (spread + probes > range)
        return 1.0;
    // Every guess misses: prod_{i<probes} (range - spread - i) / (range - i), in logarithms.
    double logMiss = 0.0;
    for (int i = 0; i < probes; ++i)
        logMiss += std::log(double(range - spread - i) / double(range - i));
    return 1.0 - std::exp(logMiss);
}

} // namespace PunchDrop
