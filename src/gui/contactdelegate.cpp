// SPDX-License-Identifier: GPL-3.0-or-later
#include "contactdelegate.h"

#include "cardstyle.h"
#include "contactlistmodel.h"
#include "contactview.h"
#include "glyphs.h"

#include <QPainter>

namespace PunchDrop::Gui {

namespace {
constexpr int kIcon = 32;
constexpr int kDot = 11;
constexpr int kShield = 14;
constexpr int kSpacing = 10;

QColor presenceColor(const QModelIndex &index)
{
    if (!index.data(ContactListModel::OnlineRole).toBool())
        return QColor(0x9e, 0x9e, 0x9e);
    if (index.data(ContactListModel::SourceRole).toInt() == int(PeerInfo::Source::Lan))
        return QColor(0x1e, 0x88, 0xe5);
    return QColor(0x43, 0xa0, 0x47);
}

//! The device picture (by the kind the device says it is) with the presence dot on its corner,
//! ringed in the card's colour.
void paintDevice(QPainter *painter, const QRect &icon, const QStyleOptionViewItem &option,
    const QModelIndex &index)
{
    const QColor colour = CardStyle::secondaryText(option);
    switch (DeviceKind(index.data(ContactListModel::DeviceKindRole).toInt())) {
    case DeviceKind::Laptop:
        Glyphs::drawLaptop(painter, icon, colour);
        break;
    case DeviceKind::Server:
        Glyphs::drawServer(painter, icon, colour);
        break;
    case DeviceKind::Desktop:
    case DeviceKind::Unknown: // what it is not said: the generic computer
        Glyphs::drawComputer(painter, icon, colour);
        break;
    }
    const QRectF dot(icon.right() - kDot + 2, icon.bottom() - kDot + 1, kDot, kDot);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(CardStyle::cardFill(option), 2));
    painter->setBrush(presenceColor(index));
    painter->drawEllipse(dot);
    painter->restore();
}

/*!
 * The trust mark: a check on a filled shield for a contact whose ID was verified, a filled
 * shield for one accepted without asking, an outlined shield for any other contact, nothing for
 * a device that is not a contact yet. Returns the width it took.
 */
int paintTrustMark(
    QPainter *painter, const QRect &r, const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (!index.data(ContactListModel::PinnedRole).toBool())
        return 0;
    const QRectF shield(r.left(), r.top() + (r.height() - kShield) / 2.0, kShield - 2, kShield);
    const QColor fill = CardStyle::cardFill(option);
    if (index.data(ContactListModel::VerifiedRole).toBool()) {
        Glyphs::drawShield(
            painter, shield, CardStyle::toneColor(option, CardStyle::Tone::Success), {}, fill);
    } else if (index.data(ContactListModel::AutoAcceptRole).toBool()) {
        Glyphs::drawShield(
            painter, shield, CardStyle::toneColor(option, CardStyle::Tone::Info), {});
    } else {
        Glyphs::drawShield(painter, shield, {}, CardStyle::secondaryText(option));
    }
    return kShield;
}
} // namespace

void ContactDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const auto *view = qobject_cast<const ContactView *>(option.widget);
    const bool dropTarget = view && view->dropTargetRow() == index.row();
    const QRect r = CardStyle::paintCard(painter, option, dropTarget);

    const QRect icon(r.left(), r.top() + (r.height() - kIcon) / 2, kIcon, kIcon);
    paintDevice(painter, icon, option, index);

    const bool online = index.data(ContactListModel::OnlineRole).toBool();
    const QFontMetrics fm = option.fontMetrics;
    const int textTop = r.top() + (r.height() - (2 * fm.height() + 2)) / 2;
    const QRect textRect(
        icon.right() + kSpacing, textTop, r.right() - icon.right() - kSpacing, 2 * fm.height() + 2);

    painter->save();
    QFont nameFont = option.font;
    nameFont.setBold(true);
    const QFontMetrics nameMetrics(nameFont);
    painter->setFont(nameFont);
    // Offline contacts are quieter, still readable.
    painter->setPen(online ? CardStyle::primaryText(option) : CardStyle::secondaryText(option));
    const QString name = nameMetrics.elidedText(index.data(ContactListModel::NameRole).toString(),
        Qt::ElideRight, textRect.width() - kShield - 6);
    const QRect nameRect(textRect.left(), textRect.top(), textRect.width(), fm.height());
    painter->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, name);
    paintTrustMark(painter,
        QRect(nameRect.left() + nameMetrics.horizontalAdvance(name) + 6, nameRect.top(), kShield,
            nameRect.height()),
        option, index);

    const QString detail = detailText(index);
    painter->setFont(option.font);
    painter->setPen(CardStyle::secondaryText(option));
    painter->drawText(textRect.adjusted(0, fm.height() + 2, 0, 0), Qt::AlignLeft | Qt::AlignTop,
        fm.elidedText(detail, Qt::ElideRight, textRect.width()));
    painter->restore();
}

QString ContactDelegate::detailText(const QModelIndex &index)
{
    // Which rows are pinned contacts: a namesake of a contact reads "Not a contact yet".
    // No NAT type here: "open" or "symmetric" means nothing to most people, and whether a
    // direct path forms depends on both sides. The tooltip has it, in plain words first.
    return index.data(ContactListModel::PresenceTextRole).toString() + QStringLiteral(" · ")
        + index.data(ContactListModel::TrustTextRole).toString();
}

QSize ContactDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    const int content = qMax(kIcon, 2 * option.fontMetrics.height() + 2);
    return {200, content + 2 * (CardStyle::kPadding + CardStyle::kGap)};
}

} // namespace PunchDrop::Gui
