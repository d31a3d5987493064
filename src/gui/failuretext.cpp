// SPDX-License-Identifier: GPL-3.0-or-later
#include "failuretext.h"

#include "transferformat.h"

namespace PunchDrop::Gui {

QString FailureText::explain(const TransferSnapshot &s)
{
    const QString peer = TransferFormat::peerLabel(s);
    if (s.state == TransferSnapshot::State::Declined) {
        return s.direction == TransferSnapshot::Direction::Outgoing ? tr("%1 declined.").arg(peer)
                                                                    : tr("You declined.");
    }
    if (s.errorCode == TransferError::Network && s.connectFailure != ConnectFailure::None)
        return connectFailure(s.connectFailure, peer);
    return transferError(s, peer);
}

QString FailureText::connectFailure(ConnectFailure failure, const QString &peer)
{
    switch (failure) {
    case ConnectFailure::UnknownPeer:
    case ConnectFailure::Offline:
        return tr("%1 is offline — open PunchDrop there, then retry.").arg(peer);
    case ConnectFailure::Self:
        return tr("That is this device: choose another one.");
    case ConnectFailure::RelayDisabled:
        return tr("No direct path to %1, and the server does not relay — try on the same "
                  "network, or set a server that relays.")
            .arg(peer);
    case ConnectFailure::Busy:
        return tr("The server is busy — retry in a minute.");
    case ConnectFailure::BadMode:
        return tr("The server is older than this app — update the server.");
    case ConnectFailure::NotRegistered:
    case ConnectFailure::ConnectionLost:
        return tr("Not connected to the server — check the internet connection, then retry.");
    case ConnectFailure::Timeout:
        return tr("The server did not answer — check the internet connection, then retry.");
    case ConnectFailure::AuthFailed:
        return tr("%1 could not prove who it is — nothing was sent. Retry; if it keeps "
                  "failing, compare device IDs.")
            .arg(peer);
    case ConnectFailure::UnexpectedPeer:
        return tr("Another device answered in place of %1 — nothing was sent.").arg(peer);
    case ConnectFailure::NoPath:
    case ConnectFailure::RelayFailed:
    case ConnectFailure::Unreachable:
    case ConnectFailure::Unknown:
    case ConnectFailure::None:
        break;
    }
    return tr("%1 isn't answering — is PunchDrop open there?").arg(peer);
}

QString FailureText::transferError(const TransferSnapshot &s, const QString &peer)
{
    const bool sending = s.direction == TransferSnapshot::Direction::Outgoing;
    switch (s.errorCode) {
    case TransferError::Protocol:
    case TransferError::Version:
        return tr("%1 runs a PunchDrop this one does not understand — update both devices.")
            .arg(peer);
    case TransferError::Declined: // explain() words it from the state
    case TransferError::Cancelled:
        return tr("Cancelled.");
    case TransferError::Integrity:
        return tr("The files arrived damaged and were not kept — retry.");
    case TransferError::DiskFull:
        return sending
            ? tr("%1 has no room for these files — free space there, then retry.").arg(peer)
            : tr("Not enough free space here — free some, then ask %1 to send again.").arg(peer);
    case TransferError::WriteFailed:
        return sending ? tr("%1 could not save the files — check its download folder, then "
                            "retry.")
                             .arg(peer)
                       : tr("Could not save the files — check the download folder in Settings.");
    case TransferError::ReadFailed:
        return sending ? tr("Could not read the files here — are they still there?")
                       : tr("%1 could not read its files — ask it to send again.").arg(peer);
    case TransferError::UnsafePath:
        return tr("A file name would have landed outside the download folder — refused.");
    case TransferError::Timeout:
        return tr("%1 stopped answering — retry; it continues where it stopped.").arg(peer);
    case TransferError::UntrustedPeer:
        // Receiving: a contact's name with another key. Sending: the receiver's code did not
        // open its commitment (it tried to choose the code).
        return sending ? tr("%1 did not follow the verification code exchange — nothing was "
                            "sent. Retry; if it happens again, compare device IDs.")
                             .arg(peer)
                       : tr("%1 has a new key — ask its owner for the device ID at the top of "
                            "their window; if it is right, forget the old contact in Contacts, "
                            "then ask for the files again.")
                             .arg(peer);
    case TransferError::Busy:
        return tr("%1 is busy receiving other files — retry in a moment.").arg(peer);
    case TransferError::UnexpectedPeer:
        return tr("Another device answered in place of %1 — nothing was sent.").arg(peer);
    case TransferError::Internal:
        return tr("Something went wrong inside PunchDrop — retry.");
    case TransferError::Network:
        // No path and no code: neither on this network nor reachable through a server.
        if (s.path == PathKind::Unknown)
            return tr("%1 is not on this network, and no server is set to reach it elsewhere "
                      "— set one in Settings.")
                .arg(peer);
        return sending ? tr("The connection to %1 was lost — retry; it continues where it "
                            "stopped.")
                             .arg(peer)
                       : tr("The connection to %1 was lost.").arg(peer);
    case TransferError::None:
        break;
    }
    return tr("The transfer failed.");
}

} // namespace PunchDrop::Gui
