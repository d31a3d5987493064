// SPDX-License-Identifier: GPL-3.0-or-later
// The incoming-offer prompt: GuiOfferDecider::decide() shows a non-modal dialog and completes
// with the button the test clicks; a destroyed dialog declines; several prompts coexist.

#include "testbackend.h"

#include "gui/guiofferdecider.h"
#include "gui/incomingofferdialog.h"
#include "gui/mainwindow.h"
#include "gui/transferlistmodel.h"
#include "gui/trayicon.h"

#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace PunchDrop;
using namespace PunchDrop::Gui;

namespace {

IncomingOffer sampleOffer(const char *sender, bool firstContact)
{
    IncomingOffer offer;
    offer.sender = Test::deviceIdFor(sender);
    offer.senderName = QString::fromLatin1(sender);
    offer.firstContact = firstContact;
    offer.verificationCode = QStringLiteral("482 193");
    offer.items = {{QStringLiteral("photos"), 0, true, false, {}},
        {QStringLiteral("photos/beach.jpg"), 3 * 1024 * 1024, false, false, {}},
        {QStringLiteral("notes.txt"), 2048, false, false, {}}};
    offer.fileCount = 2;
    offer.totalBytes = 3 * 1024 * 1024 + 2048;
    return offer;
}

//! Starts decide() and records its result when it completes.
struct PendingDecision
{
    std::optional<OfferDecision> result;
    QCoro::Task<OfferDecision> task;
};

void start(GuiOfferDecider &decider, const IncomingOffer &offer, PendingDecision &pending)
{
    pending.task = decider.decide(offer);
    // QCoro 0.8: then() runs the continuation when the task completes.
    auto continuation
        = pending.task.then([&pending](OfferDecision decision) { pending.result = decision; });
    Q_UNUSED(continuation)
}

IncomingOfferDialog *findDialog(QWidget *parent, const QString &sender)
{
    const auto dialogs
        = parent->findChildren<IncomingOfferDialog *>(QStringLiteral("incomingOfferDialog"));
    for (IncomingOfferDialog *dialog : dialogs) {
        if (dialog->offer().senderName == sender && dialog->isVisible())
            return dialog;
    }
    return nullptr;
}

} // namespace

class TestOfferPrompt : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acceptCompletesDecide_data()
    {
        QTest::addColumn<QString>("button");
        QTest::addColumn<OfferDecision>("expected");
        QTest::newRow("accept") << u"acceptButton"_qs << OfferDecision::Accept;
        QTest::newRow("always") << u"alwaysAcceptButton"_qs << OfferDecision::AcceptAlways;
        QTest::newRow("decline") << u"declineButton"_qs << OfferDecision::Decline;
    }

    void acceptCompletesDecide()
    {
        QFETCH(QString, button);
        QFETCH(OfferDecision, expected);
        QWidget parent;
        parent.show();
        GuiOfferDecider decider(&parent);
        PendingDecision pending;
        start(decider, sampleOffer("alice", true), pending);

        IncomingOfferDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = findDialog(&parent, u"alice"_qs)), 5000);
        QVERIFY(!dialog->isModal());
        QCOMPARE(dialog->windowModality(), Qt::NonModal);
        QVERIFY(!pending.result); // waiting for the person
        // What a person needs to decide: sender, the code on a first contact, files, size.
        QVERIFY(dialog->findChild<QLabel *>(u"offerHeadline"_qs)->text().contains(u"alice"_qs));
        auto *code = dialog->findChild<QLabel *>(u"verificationCodeLabel"_qs);
        QVERIFY(code->isVisible());
        QCOMPARE(code->text(), u"482 193"_qs);
        QCOMPARE(dialog->findChild<QListWidget *>(u"offerFileList"_qs)->count(), 3);
        QVERIFY(dialog->findChild<QLabel *>(u"offerSummary"_qs)->text().contains(u"3.0 MiB"_qs));

        QPointer<IncomingOfferDialog> guard(dialog);
        QTest::mouseClick(dialog->findChild<QPushButton *>(button), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(pending.result.has_value(), 5000);
        QCOMPARE(*pending.result, expected);
        QTRY_VERIFY_WITH_TIMEOUT(guard.isNull(), 5000); // the prompt goes away
    }

    void peerTextIsShownLiterally()
    {
        // Issue 12, M8: the sender chooses its name and its file names; a label must never
        // render them as rich text (links, images, forged buttons).
        QWidget parent;
        GuiOfferDecider decider(&parent);
        PendingDecision pending;
        IncomingOffer offer = sampleOffer("alice", true);
        offer.senderName = u"<b>x</b>"_qs;
        offer.items.append({u"<img src=\"http://example.invalid/a.png\">"_qs, 1, false, false, {}});
        start(decider, offer, pending);
        IncomingOfferDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = findDialog(&parent, u"<b>x</b>"_qs)), 5000);
        const auto labels = dialog->findChildren<QLabel *>();
        for (const QLabel *label : labels)
            QCOMPARE(label->textFormat(), Qt::PlainText);
        auto *headline = dialog->findChild<QLabel *>(u"offerHeadline"_qs);
        QVERIFY2(headline->text().contains(u"<b>x</b>"_qs), qPrintable(headline->text()));
        // And the summary lists the folders (issue 12, L6).
        QVERIFY2(dialog->findChild<QLabel *>(u"offerSummary"_qs)->text().contains(u"Folders: 1"_qs),
            qPrintable(dialog->findChild<QLabel *>(u"offerSummary"_qs)->text()));
        dialog->close();
        QTRY_VERIFY_WITH_TIMEOUT(pending.result.has_value(), 5000);
    }

    void knownContactHidesTheCode()
    {
        QWidget parent;
        GuiOfferDecider decider(&parent);
        PendingDecision pending;
        start(decider, sampleOffer("bob", false), pending);
        IncomingOfferDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = findDialog(&parent, u"bob"_qs)), 5000);
        QVERIFY(!dialog->findChild<QLabel *>(u"verificationCodeLabel"_qs)->isVisible());
        dialog->close(); // the window's close button declines
        QTRY_VERIFY_WITH_TIMEOUT(pending.result.has_value(), 5000);
        QCOMPARE(*pending.result, OfferDecision::Decline);
    }

    void nameWarningIsShown()
    {
        // Issue 12, M4: a contact now using another contact's name is offered under its own
        // pinned name, with the engine's warning (both IDs) shown as plain text.
        QWidget parent;
        parent.show();
        GuiOfferDecider decider(&parent);
        PendingDecision pending;
        IncomingOffer offer = sampleOffer("dave", false);
        offer.nameWarning = u"your contact \"dave\" now calls itself \"erin\""_qs;
        start(decider, offer, pending);
        IncomingOfferDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = findDialog(&parent, u"dave"_qs)), 5000);
        auto *warning = dialog->findChild<QLabel *>(u"offerNameWarning"_qs);
        QVERIFY(warning);
        QVERIFY(warning->isVisible());
        QCOMPARE(warning->text(), offer.nameWarning);
        QCOMPARE(warning->textFormat(), Qt::PlainText);
        dialog->close();
        QTRY_VERIFY_WITH_TIMEOUT(pending.result.has_value(), 5000);

        // Without a warning the label stays hidden.
        PendingDecision plain;
        start(decider, sampleOffer("frank", false), plain);
        QTRY_VERIFY_WITH_TIMEOUT((dialog = findDialog(&parent, u"frank"_qs)), 5000);
        QVERIFY(!dialog->findChild<QLabel *>(u"offerNameWarning"_qs)->isVisible());
        dialog->close();
        QTRY_VERIFY_WITH_TIMEOUT(plain.result.has_value(), 5000);
    }

    void destroyedDialogDeclines()
    {
        QWidget parent;
        GuiOfferDecider decider(&parent);
        PendingDecision pending;
        start(decider, sampleOffer("carol", true), pending);
        IncomingOfferDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = findDialog(&parent, u"carol"_qs)), 5000);
        delete dialog;
        QTRY_VERIFY_WITH_TIMEOUT(pending.result.has_value(), 5000);
        QCOMPARE(*pending.result, OfferDecision::Decline);
    }

    void promptsDoNotBlockEachOtherOrTheWindow()
    {
        QTemporaryDir config;
        Test::TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(backend.decider, window.offerDecider()); // the window answers offers
        QSignalSpy notified(window.trayIcon(), &TrayIcon::notified);

        PendingDecision first;
        PendingDecision second;
        start(*window.offerDecider(), sampleOffer("dave", true), first);
        start(*window.offerDecider(), sampleOffer("erin", false), second);
        IncomingOfferDialog *dave = nullptr;
        IncomingOfferDialog *erin = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dave = findDialog(&window, u"dave"_qs)), 5000);
        QTRY_VERIFY_WITH_TIMEOUT((erin = findDialog(&window, u"erin"_qs)), 5000);
        QCOMPARE(notified.size(), 2); // a notification per offer
        QCOMPARE(notified.at(0).at(0).toString(), u"Incoming files"_qs);

        // The window stays usable while both prompts are open: transfers keep updating.
        QVERIFY(QApplication::activeModalWidget() == nullptr);
        backend.report(Test::snapshot(5, TransferSnapshot::State::Transferring, 1, 10));
        QCOMPARE(window.transferModel()->rowCount(), 1);

        // Answer in the other order.
        QTest::mouseClick(erin->findChild<QPushButton *>(u"acceptButton"_qs), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(second.result.has_value(), 5000);
        QCOMPARE(*second.result, OfferDecision::Accept);
        QVERIFY(!first.result);
        QTest::mouseClick(dave->findChild<QPushButton *>(u"declineButton"_qs), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(first.result.has_value(), 5000);
        QCOMPARE(*first.result, OfferDecision::Decline);
    }
};

QTEST_MAIN(TestOfferPrompt)
#include "tst_offerprompt.moc"
