// SPDX-License-Identifier: GPL-3.0-or-later
// The device ID as a QR code (issue 18 point 4): the header's QR button opens a window with the
// code, and what a reader (zbarimg) decodes from the painted widget is this device's ID, in the
// light and the dark palette, before and after a language switch.

#include "guitestutil.h"
#include "testbackend.h"

#include "support/testhelpers.h"

#include "gui/appsettings.h"
#include "gui/deviceidqrdialog.h"
#include "gui/languagemanager.h"
#include "gui/mainwindow.h"
#include "gui/qrcodewidget.h"
#include "gui/selfheader.h"

#include <QApplication>
#include <QLabel>
#include <QScreen>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace PunchDrop;
using namespace PunchDrop::Gui;
using Test::TestBackend;

namespace {

//! What zbarimg reads from \a widget as painted on screen; empty when it reads nothing.
QByteArray decodePainted(QWidget *widget, const QString &dir)
{
    const QString path = dir + u"/painted.png"_qs;
    if (!widget->grab().save(path))
        return {};
    const Test::ProcessResult read = Test::readQrCode(path);
    if (!read.finished || read.exitCode != 0)
        return {};
    return read.out.trimmed();
}

DeviceIdQrDialog *visibleQrDialog(QWidget &window)
{
    DeviceIdQrDialog *found = nullptr;
    const bool shown = QTest::qWaitFor(
        [&] {
            found = window.findChild<DeviceIdQrDialog *>(u"deviceIdQrDialog"_qs);
            return found && found->isVisible();
        },
        5000);
    return shown ? found : nullptr;
}

} // namespace

class TestDeviceIdQr : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void headerButtonShowsTheIdAsAReadableCode()
    {
        if (Test::zbarimgPath().isEmpty())
            PUNCHDROP_SKIP_UNLESS_CI("zbarimg (zbar-tools, scripts/install-deps.sh) is missing");
        QTemporaryDir config;
        QTemporaryDir images;
        AppSettings settings = AppSettings::load(ConfigDir(config.path()));
        settings.displayName = u"Mei's laptop"_qs;
        QVERIFY(settings.save(ConfigDir(config.path())));
        TestBackend backend;
        MainWindow window(&backend, ConfigDir(config.path()));
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        auto *button = window.findChild<QToolButton *>(u"showQrCodeButton"_qs);
        QVERIFY(button && button->isVisible());
        QVERIFY(!button->icon().isNull());
        QTest::mouseClick(button, Qt::LeftButton);
        DeviceIdQrDialog *dialog = visibleQrDialog(window);
        QVERIFY(dialog);
        QVERIFY(!dialog->isModal());
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto *heading = dialog->findChild<QLabel *>(u"deviceIdQrHeading"_qs);
        QVERIFY2(heading->text().contains(u"“Mei's laptop”"_qs), qPrintable(heading->text()));
        QCOMPARE(dialog->findChild<QLabel *>(u"deviceIdQrText"_qs)->text(),
            SelfHeader::grouped(backend.self));
        const QRect screen = dialog->screen()->availableGeometry();
        QVERIFY(dialog->frameGeometry().width() <= screen.width());
        QVERIFY(dialog->frameGeometry().height() <= screen.height());

        // The proof: a QR reader gets exactly the ID from the pixels on the screen.
        QrCodeWidget *code = dialog->codeWidget();
        QVERIFY(code->hasCode());
        QCOMPARE(code->text(), backend.self.toString());
        QCOMPARE(decodePainted(code, images.path()), backend.self.toString().toLatin1());

        // A dark desktop theme does not invert it (many readers fail on light-on-dark codes).
        const QPalette light = QApplication::palette();
        QApplication::setPalette(Test::darkPalette());
        code->repaint();
        QCOMPARE(decodePainted(code, images.path()), backend.self.toString().toLatin1());
        QApplication::setPalette(light);

        // A second click raises the same window; a rename and a language switch follow.
        dialog->hide();
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(visibleQrDialog(window), dialog);
        QCOMPARE(window.findChildren<DeviceIdQrDialog *>().size(), 1);
        settings.displayName = u"Studio"_qs;
        window.applySettings(settings);
        QVERIFY2(heading->text().contains(u"“Studio”"_qs), qPrintable(heading->text()));
        const QString english = dialog->windowTitle();
        QVERIFY(window.languageManager()->setLanguage(u"zh_CN"_qs));
        QTRY_VERIFY_WITH_TIMEOUT(dialog->windowTitle() != english, 5000);
        QVERIFY(dialog->windowTitle().contains(u"Studio"_qs));
        QCOMPARE(decodePainted(code, images.path()), backend.self.toString().toLatin1());
        QVERIFY(window.languageManager()->setLanguage(u"en"_qs));
    }

    void widgetShowsNothingForWhatDoesNotFit()
    {
        QrCodeWidget widget;
        widget.setText(QString(QrCode::kMaxBytes + 1, u'x'));
        QVERIFY(!widget.hasCode());
        QVERIFY(widget.image(4).isNull());
        widget.setText(u"x"_qs);
        QVERIFY(widget.hasCode());
        // 21 modules and 4 of quiet zone on each side.
        QCOMPARE(widget.image(3).size(), QSize(29 * 3, 29 * 3));
    }
};

QTEST_MAIN(TestDeviceIdQr)
#include "tst_deviceidqr.moc"
