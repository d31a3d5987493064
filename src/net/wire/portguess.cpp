// SPDX-License-Identifier: GPL-3.0-or-later
#include "net/wire/portguess.h"

#include "net/wire/texttable.h"

#include <algorithm>
#include <cmath>

namespace PunchDrop {

namespace {
constexpr TextTable<PortGuess, 5> kGuesses {{
    {PortGuess::Spread, u"spread"},
    {PortGuess::Probe, u"probe"},
    {PortGuess::SpreadSequential, u"spread-seq"},
    {PortGuess::ProbeSequential, u"probe-seq"},
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
        return self.sequential ? PortGuess::SpreadSequential : PortGuess::Spread;
    if (peerSymmetric && portRestrictedCone(self))
        return peer.sequential ? PortGuess::ProbeSequential : PortGuess::Probe;
    return PortGuess::None;
}

bool isSpread(PortGuess guess)
{
    return guess == PortGuess::Spread || guess == PortGuess::SpreadSequential;
}

bool isSequential(PortGuess guess)
{
    return guess == PortGuess::SpreadSequential || guess == PortGuess::ProbeSequential;
}

QList<quint16> sequentialProbes(quint16 base, int count, quint16 first, quint16 last)
{
    QList<quint16> ports;
    if (count <= 0 || last < first)
        return ports;
    const int range = int(last) - int(first) + 1;
    const int stride = std::max(1, count / 2);
    const int from = std::clamp(int(base), int(first), int(last)) - int(first);
    for (int k = 0; k < std::min(count, range); ++k) {
        // The nearest first: a block that landed right above base is found soonest.
        const int port = int(first) + int((qint64(from) + 1 + qint64(k) * stride) % range);
        if (!ports.contains(quint16(port)))
            ports.append(quint16(port));
    }
    return ports;
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
