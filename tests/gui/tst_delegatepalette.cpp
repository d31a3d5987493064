// SPDX-License-Identifier: GPL-3.0-or-later
// The visual pass (issue 18): contact and transfer rows are cards that read in a light and a
// dark palette. Each row is painted offscreen in both and measured: the strongest text pixel
// against the card's own colour (the most common colour of the row) must have a WCAG contrast
// of at least 4.5 (WCAG AA) for names, titles and the detail lines; a done
// row carries a green check badge and its average speed, a failed one a red badge; the trust
// mark follows the Contacts page; the empty transfer list shows a drop zone with readable help.

#include "guitestutil.h"
#include "testbackend.h"

#include "gui/cardstyle.h"
#include "gui/contactdelegate.h"
#include "gui/contactlistmodel.h"
#include "gui/contactview.h"
#include "gui/transferdelegate.h"
#include "gui/transferhistory.h"
#include "gui/transferlistmodel.h"
#include "gui/transferpanel.h"

#include <QApplication>
#include <QHash>
#include <QStyle>
#include <QTest>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using Test::TestBackend;

namespace {

// WCAG AA for text; the palettes' colours give 5 to 19 here.
constexpr qreal kTitleContrast = 4.5;
constexpr qreal kDetailContrast = 4.5;
// WCAG 2.1 non-text contrast (1.4.11) for the device pictures.
constexpr qreal kGlyphContrast = 3.0;
// Where the delegates put things, measured from the card's inner edge.
constexpr int kInner = CardStyle::kGap + CardStyle::kPadding;
constexpr int kLeading = 32 + 10; // the device picture or state badge and the gap after it

//! The most common colour in \a area, leaving out \a except when it is valid.
QColor mostCommonColour(const QImage &image, const QRect &area, const QColor &except = {})
{
    QHash<QRgb, int> counts;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x) {
            if (!except.isValid() || image.pixel(x, y) != except.rgb())
                ++counts[image.pixel(x, y)];
        }
    }
    QRgb best = 0;
    int bestCount = -1;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (it.value() > bestCount) {
            best = it.key();
            bestCount = it.value();
        }
    }
    return QColor::fromRgb(best);
}

qreal strongestContrast(const QImage &image, const QRect &area, const QColor &background)
{
    qreal best = 1;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x)
            best = qMax(
                best, CardStyle::contrastRatio(QColor::fromRgb(image.pixel(x, y)), background));
    }
    return best;
}

struct Row
{
    QImage image; //!< the row alone
    QColor card;
    QRect inner; //!< the card's content area, in the row's coordinates
};

Row paintedRow(QListView &view, int row)
{
    const QRect rect = view.visualRect(view.model()->index(row, 0));
    Row result;
    result.image = view.viewport()->grab(rect).toImage().convertToFormat(QImage::Format_RGB32);
    result.inner = QRect(QPoint(0, 0), rect.size()).adjusted(kInner, kInner, -kInner, -kInner);
    result.card = mostCommonColour(result.image, result.inner);
    return result;
}

QString paletteName(int dark)
{
    return dark ? QStringLiteral("dark") : QStringLiteral("light");
}

} // namespace

class TestDelegatePalette : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void contactCardsReadInBothPalettes_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }

    void contactCardsReadInBothPalettes()
    {
        QFETCH(bool, dark);
        TestBackend backend;
        PeerInfo verified = Test::peer("Alice", PeerInfo::Source::Server, true, u"symmetric"_qs);
        verified.pinned = true;
        verified.kind = DeviceKind::Laptop;
        PeerInfo lan = Test::peer("Bob", PeerInfo::Source::Lan, true);
        lan.kind = DeviceKind::Server;
        PeerInfo offline = Test::peer("Carol", PeerInfo::Source::Saved, false);
        offline.pinned = true;
        PeerInfo desktop = Test::peer("Dave", PeerInfo::Source::Server, true);
        desktop.kind = DeviceKind::Desktop;
        Contact alice;
        alice.id = verified.id;
        alice.name = verified.name;
        alice.verified = true;
        Contact carol;
        carol.id = offline.id;
        carol.name = offline.name;
        backend.peerList = {verified, lan, offline, desktop};
        backend.contactList = {alice, carol};

        ContactListModel model(&backend);
        ContactView view;
        view.setPalette(dark ? Test::darkPalette() : view.style()->standardPalette());
        view.setModel(&model);
        view.setItemDelegate(new ContactDelegate(&view));
        view.resize(420, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setCurrentIndex(model.index(model.rowOf(lan.id))); // one selected card

        const QColor base = view.palette().color(QPalette::Base);
        for (int i = 0; i < model.rowCount(); ++i) {
            const Row row = paintedRow(view, i);
            const QString what = paletteName(dark) + u' ' + model.index(i).data().toString();
            // A card: its colour is not the list's, and it is the colour the text is on.
            QVERIFY2(row.card != base || (view.currentIndex().row() == i), qPrintable(what));
            const int textLeft = row.inner.left() + kLeading;
            const int half = row.inner.height() / 2;
            const QRect name(textLeft, row.inner.top(), 30, half);
            const QRect detail(textLeft, row.inner.top() + half + 1, 60, half - 1);
            const qreal nameContrast = strongestContrast(row.image, name, row.card);
            const qreal detailContrast = strongestContrast(row.image, detail, row.card);
            QVERIFY2(nameContrast >= kTitleContrast,
                qPrintable(u"%1: name %2:1"_qs.arg(what).arg(nameContrast)));
            QVERIFY2(detailContrast >= kDetailContrast,
                qPrintable(u"%1: detail %2:1"_qs.arg(what).arg(detailContrast)));
            // The device picture (laptop, server or computer) reads too: its upper left part,
            // away from the presence dot on the lower right corner.
            const QRect picture(
                row.inner.left(), row.inner.top() + (row.inner.height() - 32) / 2, 20, 20);
            const qreal glyphContrast = strongestContrast(row.image, picture, row.card);
            QVERIFY2(glyphContrast >= kGlyphContrast,
                qPrintable(u"%1: picture %2:1"_qs.arg(what).arg(glyphContrast)));
        }

        // The trust mark: Alice is verified; unverifying her on the Contacts page changes it.
        const int aliceRow = model.rowOf(verified.id);
        QVERIFY(model.index(aliceRow).data(ContactListModel::VerifiedRole).toBool());
        QCOMPARE(model.index(aliceRow).data(ContactListModel::TrustTextRole).toString(),
            u"Verified contact"_qs);
        const QImage before = paintedRow(view, aliceRow).image;
        QString error;
        QVERIFY(backend.setContactVerified(verified.id, false, &error));
        QVERIFY(backend.setContactAutoAccept(verified.id, true, &error));
        QCOMPARE(model.rowOf(verified.id), aliceRow); // updated in place
        QVERIFY(!model.index(aliceRow).data(ContactListModel::VerifiedRole).toBool());
        QVERIFY(model.index(aliceRow).data(ContactListModel::AutoAcceptRole).toBool());
        QCOMPARE(model.index(aliceRow).data(ContactListModel::TrustTextRole).toString(),
            u"Contact · always accepted"_qs);
        QTRY_VERIFY(paintedRow(view, aliceRow).image != before);
        QCOMPARE(model.index(model.rowOf(offline.id)).data(ContactListModel::TrustTextRole),
            QVariant(u"Contact"_qs));
        QCOMPARE(model.index(model.rowOf(lan.id)).data(ContactListModel::TrustTextRole),
            QVariant(u"Not a contact yet"_qs));
    }

    void transferCardsReadInBothPalettes_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }

    void transferCardsReadInBothPalettes()
    {
        QFETCH(bool, dark);
        using State = TransferSnapshot::State;
        constexpr qint64 MiB = 1024 * 1024;
        TransferListModel model;
        TransferSnapshot running = Test::snapshot(1, State::Transferring, 3 * MiB, 9 * MiB);
        running.path = PathKind::Relayed;
        running.pathReason = u"punch timed out"_qs;
        running.bytesPerSecond = 2 * MiB;
        TransferSnapshot failed = Test::snapshot(2, State::Failed, MiB, 2 * MiB);
        failed.errorCode = TransferError::DiskFull;
        model.update(running);
        model.update(failed);
        TransferSnapshot done = Test::snapshot(3, State::Done, 3 * MiB, 3 * MiB);
        done.bytesPerSecond = 1.5 * MiB;
        done.path = PathKind::DirectLan;
        model.restore({TransferHistory::Entry {done, QDateTime::currentDateTimeUtc()}});

        QListView view;
        view.setPalette(dark ? Test::darkPalette() : view.style()->standardPalette());
        view.setModel(&model);
        view.setItemDelegate(new TransferDelegate(&view));
        view.resize(560, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setCurrentIndex(model.index(0)); // the failed row (the newest), selected

        for (int i = 0; i < model.rowCount(); ++i) {
            const Row row = paintedRow(view, i);
            const auto s = model.snapshotAt(i);
            const QString what = paletteName(dark) + u' ' + model.index(i).data().toString();
            const int textLeft = row.inner.left() + kLeading - 4;
            const QRect title(textLeft, row.inner.top(), 40, row.inner.height() / 3);
            const QRect line(
                textLeft, row.inner.bottom() - row.inner.height() / 3, 60, row.inner.height() / 3);
            const qreal titleContrast = strongestContrast(row.image, title, row.card);
            const qreal lineContrast = strongestContrast(row.image, line, row.card);
            QVERIFY2(titleContrast >= kTitleContrast,
                qPrintable(u"%1: title %2:1"_qs.arg(what).arg(titleContrast)));
            QVERIFY2(lineContrast >= kDetailContrast,
                qPrintable(u"%1: line %2:1"_qs.arg(what).arg(lineContrast)));

            const QRect badgeArea(row.inner.left(), row.inner.center().y() - 8, 16, 16);
            // The badge's own colour: the most common one there that is not the card's.
            const QColor badge = mostCommonColour(row.image, badgeArea, row.card);
            if (s.state == State::Done) {
                // The check badge is green; the line has the average speed.
                QVERIFY2(badge.green() > badge.red() + 40 && badge.green() > badge.blue(),
                    qPrintable(what + u": badge "_qs + badge.name()));
                const QString text
                    = model.index(i).data(TransferListModel::ProgressTextRole).toString();
                QVERIFY2(text.contains(u"1.5 MiB/s on average"_qs), qPrintable(text));
            } else if (s.state == State::Failed) {
                QVERIFY2(badge.red() > badge.green() + 40 && badge.red() > badge.blue() + 40,
                    qPrintable(what + u": badge "_qs + badge.name()));
            }
        }
    }

    void emptyTransferListInvitesADrop_data()
    {
        QTest::addColumn<bool>("dark");
        QTest::newRow("light") << false;
        QTest::newRow("dark") << true;
    }

    void emptyTransferListInvitesADrop()
    {
        QFETCH(bool, dark);
        TestBackend backend;
        TransferListModel model;
        TransferPanel panel(&backend, &model);
        panel.setPalette(dark ? Test::darkPalette() : panel.style()->standardPalette());
        panel.resize(520, 420);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        TransferView *view = panel.view();
        QCOMPARE(
            view->placeholderText(), u"Drop files here to send them to the selected contact"_qs);

        // The help line sits in the middle: readable there, on the zone's own colour.
        const auto middle = [view] {
            const QImage image
                = view->viewport()->grab().toImage().convertToFormat(QImage::Format_RGB32);
            const QRect band(0, image.height() / 2, image.width(), image.height() / 4);
            return std::pair {image, band};
        };
        auto [empty, band] = middle();
        const QColor zone = mostCommonColour(empty, band);
        const qreal help = strongestContrast(empty, band, zone);
        QVERIFY2(help >= kTitleContrast, qPrintable(u"help %1:1"_qs.arg(help)));
        // The dashed outline: at the zone's left edge, halfway down, something is drawn.
        const QColor base = view->palette().color(QPalette::Base);
        bool outline = false;
        for (int x = 8; x < 20 && !outline; ++x)
            outline = QColor::fromRgb(empty.pixel(x, empty.height() / 2)) != base;
        QVERIFY(outline);

        // With a row the zone and its help are gone.
        model.update(Test::snapshot(1, TransferSnapshot::State::Transferring, 1, 10));
        QTRY_VERIFY(strongestContrast(middle().first, band, base) < 1.2);
    }
};

QTEST_MAIN(TestDelegatePalette)
#include "tst_delegatepalette.moc"
