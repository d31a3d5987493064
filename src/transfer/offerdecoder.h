// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "transfer/transfermessage.h"

#include <QByteArrayView>
#include <QString>

namespace PunchDrop::Transfer {

/*!
 * Decodes an OFFER payload (one CBOR map, layout in transferprotocol.h) straight from the bytes
 * with a CBOR stream reader: no QCborValue tree of the whole offer is built, so the memory an
 * offer costs before anyone has said yes is the payload (at most kMaxFrameLength) plus the
 * items themselves (at most kMaxOfferItems). Checks every field, the limits and the totals.
 * Pure. False with \a error on anything malformed.
 */
bool decodeOffer(QByteArrayView payload, Offer *offer, QString *error);

/*!
 * Decodes a FILES payload the same way: each file's bytes are a slice of \a payload (a
 * QByteArray sharing its block: no copy; an indefinite-length string is copied), no
 * tree is built. Checks the fields and limits (1..kMaxBatchFiles files of at most kMaxChunkSize
 * bytes, digests of 16 or 32 bytes); the session checks the rest against its offer. Pure.
 */
bool decodeBatch(const QByteArray &payload, FileBatch *batch, QString *error);

} // namespace PunchDrop::Transfer
