// SPDX-License-Identifier: GPL-3.0-or-later
// Translation completeness: every message in translations/*.ts is translated, lupdate over
// src/gui, src/net and src/transfer finds no source string the .ts files lack, and the .qm
// files compiled into the binary translate every message (so a stale .qm fails too).
// Qt's own texts (standard buttons, the file dialog, "bytes") follow the language as well; that
// needs Qt's translations (qt6-translations-l10n), which CI installs: without them it fails.

#include "gui/languagemanager.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QLibraryInfo>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

namespace {

struct TsMessage
{
    QString context;
    QString source;
    QString comment;
    QString translation;
    QString type; //!< "unfinished", "vanished", "obsolete" or empty
    bool numerus = false;
};

//! All messages of a .ts file; \a error set when it cannot be read or parsed.
QList<TsMessage> readTs(const QString &path, QString *error)
{
    QList<TsMessage> messages;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1").arg(path);
        return messages;
    }
    QXmlStreamReader xml(&file);
    QString context;
    TsMessage current;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == u"context") {
            context.clear();
        } else if (name == u"name") {
            context = xml.readElementText();
        } else if (name == u"message") {
            current = TsMessage {};
            current.context = context;
            current.numerus = xml.attributes().value(QLatin1String("numerus")) == u"yes";
        } else if (name == u"source") {
            current.source = xml.readElementText();
        } else if (name == u"comment") {
            current.comment = xml.readElementText();
        } else if (name == u"translation") {
            current.type = xml.attributes().value(QLatin1String("type")).toString();
            if (current.numerus) {
                // <numerusform> children: all must be filled.
                QStringList forms;
                while (xml.readNextStartElement()) {
                    forms << xml.readElementText();
                }
                current.translation = forms.contains(QString()) ? QString() : forms.join(u'|');
            } else {
                current.translation = xml.readElementText();
            }
            messages << current;
        }
    }
    if (xml.hasError())
        *error = QStringLiteral("%1: %2").arg(path, xml.errorString());
    return messages;
}

QString tsPath(const QString &language)
{
    return QStringLiteral(PUNCHDROP_SOURCE_DIR "/translations/punchdrop_%1.ts").arg(language);
}

//! Counts the messages that say Qt's translations are missing (LanguageManager logs it once).
int g_missingQtTranslationsLogged = 0;
QtMessageHandler g_previousHandler = nullptr;

void countingHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (message.contains(u"qt6-translations-l10n"))
        ++g_missingQtTranslationsLogged;
    g_previousHandler(type, context, message);
}

QString findLupdate()
{
    const QString exe = QStringLiteral("lupdate")
#ifdef Q_OS_WIN
        + QStringLiteral(".exe")
#endif
        ;
    for (const auto location : {QLibraryInfo::BinariesPath, QLibraryInfo::LibraryExecutablesPath}) {
        const QString candidate = QDir(QLibraryInfo::path(location)).filePath(exe);
        if (QFile::exists(candidate))
            return candidate;
    }
    return {};
}

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tsFilesAreComplete_data()
    {
        QTest::addColumn<QString>("language");
        QTest::newRow("Simplified Chinese") << QStringLiteral("zh_CN");
        QTest::newRow("Traditional Chinese") << QStringLiteral("zh_TW");
    }

    void tsFilesAreComplete()
    {
        QFETCH(QString, language);
        QString error;
        const QList<TsMessage> messages = readTs(tsPath(language), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(messages.size() > 50);
        QStringList problems;
        for (const TsMessage &m : messages) {
            if (m.type == u"vanished" || m.type == u"obsolete")
                problems << QStringLiteral("obsolete: %1 / %2").arg(m.context, m.source);
            else if (m.type == u"unfinished")
                problems << QStringLiteral("unfinished: %1 / %2").arg(m.context, m.source);
            else if (m.translation.trimmed().isEmpty())
                problems << QStringLiteral("empty: %1 / %2").arg(m.context, m.source);
            // A translation must keep every placeholder of its source.
            for (int n = 1; n <= 9; ++n) {
                const QString placeholder = QStringLiteral("%%1").arg(n);
                if (m.source.contains(placeholder) && !m.translation.contains(placeholder))
                    problems << QStringLiteral("%1 lost: %2").arg(placeholder, m.source);
            }
        }
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    void lupdateFindsNoNewStrings_data() { tsFilesAreComplete_data(); }

    void lupdateFindsNoNewStrings()
    {
        QFETCH(QString, language);
        const QString lupdate = findLupdate();
        QVERIFY2(!lupdate.isEmpty(), "lupdate not found next to Qt (install qt6-l10n-tools)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString copy = dir.filePath(QStringLiteral("check.ts"));
        QVERIFY(QFile::copy(tsPath(language), copy));
        QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);

        QProcess process;
        process.start(lupdate,
            {QStringLiteral("-no-obsolete"), QStringLiteral("-locations"), QStringLiteral("none"),
                QStringLiteral(PUNCHDROP_SOURCE_DIR "/src/gui"),
                // The engine's texts for people (see docs/gui.md, Translations).
                QStringLiteral(PUNCHDROP_SOURCE_DIR "/src/net"),
                QStringLiteral(PUNCHDROP_SOURCE_DIR "/src/transfer"), QStringLiteral("-ts"), copy});
        QVERIFY2(process.waitForFinished(60000), "lupdate did not finish within 60 s");
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
            process.readAllStandardError().constData());

        QString error;
        const QList<TsMessage> messages = readTs(copy, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QStringList untranslated;
        for (const TsMessage &m : messages) {
            if (m.type == u"unfinished" || m.translation.isEmpty())
                untranslated << QStringLiteral("%1 / %2").arg(m.context, m.source);
        }
        QVERIFY2(untranslated.isEmpty(),
            qPrintable(QStringLiteral(
                "strings in src/gui, src/net or src/transfer missing from %1 (run the "
                "update_translations target and translate them):\n%2")
                           .arg(tsPath(language), untranslated.join(u'\n'))));
    }

    void embeddedQmTranslatesEveryMessage_data() { tsFilesAreComplete_data(); }

    void embeddedQmTranslatesEveryMessage()
    {
        QFETCH(QString, language);
        QTranslator translator;
        QVERIFY2(translator.load(PunchDrop::Gui::LanguageManager::qmPath(language)),
            qPrintable(PunchDrop::Gui::LanguageManager::qmPath(language)));
        QCOMPARE(translator.language(), language);
        QString error;
        const QList<TsMessage> messages = readTs(tsPath(language), &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QStringList stale;
        for (const TsMessage &m : messages) {
            const QString translated = translator.translate(m.context.toUtf8().constData(),
                m.source.toUtf8().constData(),
                m.comment.isEmpty() ? nullptr : m.comment.toUtf8().constData(), m.numerus ? 1 : -1);
            if (translated.isEmpty())
                stale << QStringLiteral("%1 / %2").arg(m.context, m.source);
        }
        QVERIFY2(stale.isEmpty(), qPrintable(stale.join(u'\n')));
    }

    void qtOwnTextsFollowTheLanguage_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("yes");
        QTest::addColumn<QString>("ok");
        QTest::addColumn<QString>("cancel");
        QTest::addColumn<QString>("bytes");
        QTest::newRow("Simplified Chinese")
            << QStringLiteral("zh_CN") << QStringLiteral("是(&Y)") << QStringLiteral("确定")
            << QStringLiteral("取消") << QStringLiteral("512 字节");
        QTest::newRow("Traditional Chinese")
            << QStringLiteral("zh_TW") << QStringLiteral("是(&Y)") << QStringLiteral("確定")
            << QStringLiteral("取消") << QStringLiteral("512 byte");
    }

    void qtOwnTextsFollowTheLanguage()
    {
        QFETCH(QString, language);
        QFETCH(QString, yes);
        QFETCH(QString, ok);
        QFETCH(QString, cancel);
        QFETCH(QString, bytes);
        // Not a skip: CI installs Qt's translations (scripts/install-deps.sh), and a machine
        // without them shows English buttons in a Chinese window.
        const QString qm = QDir(PunchDrop::Gui::LanguageManager::qtTranslationsDir())
                               .filePath(QStringLiteral("qtbase_%1.qm").arg(language));
        QVERIFY2(QFile::exists(qm),
            qPrintable(QStringLiteral("%1 is missing: install Qt's translations "
                                      "(Debian/Ubuntu: qt6-translations-l10n)")
                           .arg(qm)));

        // Made while English, shown while the language switches: they follow it live.
        QMessageBox box(QMessageBox::Question, QStringLiteral("Forget"), QStringLiteral("Forget?"),
            QMessageBox::Yes | QMessageBox::No);
        QDialogButtonBox buttons(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
        QInputDialog find; // the Find dialog's kind: its OK / Cancel are Qt's
        find.setOption(QInputDialog::NoButtons, false);
        box.show();
        buttons.show();
        find.show();
        const auto findButton = [&find](QDialogButtonBox::StandardButton which) {
            const auto *findButtons = find.findChild<QDialogButtonBox *>();
            return findButtons && findButtons->button(which) ? findButtons->button(which)->text()
                                                             : QString();
        };
        QCOMPARE(box.button(QMessageBox::Yes)->text(), QStringLiteral("&Yes"));
        QCOMPARE(findButton(QDialogButtonBox::Ok), QStringLiteral("OK"));

        PunchDrop::Gui::LanguageManager manager;
        QVERIFY(manager.setLanguage(language));
        QVERIFY(manager.qtTextsTranslated());
        QTRY_COMPARE(box.button(QMessageBox::Yes)->text(), yes);
        QTRY_COMPARE(buttons.button(QDialogButtonBox::Ok)->text(), ok);
        QTRY_COMPARE(buttons.button(QDialogButtonBox::Cancel)->text(), cancel);
        QTRY_COMPARE(findButton(QDialogButtonBox::Ok), ok);
        QTRY_COMPARE(findButton(QDialogButtonBox::Cancel), cancel);
        // The app's own words still win where both translate.
        QCOMPARE(QCoreApplication::translate("PunchDrop::Gui::MainWindow", "Contacts"),
            language == u"zh_CN" ? QStringLiteral("联系人") : QStringLiteral("聯絡人"));
        // "bytes" comes from the locale's data (CLDR), which follows the language too. CLDR's
        // Traditional Chinese word for it is "byte" itself; Simplified Chinese has 字节.
        QCOMPARE(QLocale().formattedDataSize(512, 1, QLocale::DataSizeIecFormat), bytes);
        QVERIFY(!bytes.contains(u"bytes"));
        {
            // A file dialog opened now is in the language (Qt's widget-based one).
            QFileDialog dialog;
            dialog.setOption(QFileDialog::DontUseNativeDialog);
            const auto *lookIn = dialog.findChild<QLabel *>(QStringLiteral("lookInLabel"));
            QVERIFY(lookIn);
            QVERIFY2(lookIn->text() != u"Look in:", qPrintable(lookIn->text()));
        }

        QVERIFY(manager.setLanguage(QStringLiteral("en")));
        QVERIFY(!manager.qtTextsTranslated());
        QTRY_COMPARE(box.button(QMessageBox::Yes)->text(), QStringLiteral("&Yes"));
        QTRY_COMPARE(buttons.button(QDialogButtonBox::Ok)->text(), QStringLiteral("OK"));
        QTRY_COMPARE(buttons.button(QDialogButtonBox::Cancel)->text(), QStringLiteral("Cancel"));
        QTRY_COMPARE(findButton(QDialogButtonBox::Cancel), QStringLiteral("Cancel"));
        QCOMPARE(QLocale().formattedDataSize(512, 1, QLocale::DataSizeIecFormat),
            QStringLiteral("512 bytes"));
    }

    void missingQtTranslationsFallBackQuietly()
    {
        // Without Qt's translations the app's own still load; Qt's texts stay English, and
        // that is said once in the log, not on every switch.
        QTemporaryDir empty;
        QVERIFY(empty.isValid());
        PunchDrop::Gui::LanguageManager manager;
        manager.setQtTranslationsDir(empty.path());
        g_missingQtTranslationsLogged = 0;
        g_previousHandler = qInstallMessageHandler(countingHandler);
        const bool chinese = manager.setLanguage(QStringLiteral("zh_CN"));
        const bool traditional = manager.setLanguage(QStringLiteral("zh_TW"));
        qInstallMessageHandler(g_previousHandler);
        QVERIFY(chinese && traditional);
        QCOMPARE(manager.currentLanguage(), QStringLiteral("zh_TW"));
        QVERIFY(!manager.qtTextsTranslated());
        QCOMPARE(QCoreApplication::translate("PunchDrop::Gui::MainWindow", "Contacts"),
            QStringLiteral("聯絡人"));
        QCOMPARE(QCoreApplication::translate("QPlatformTheme", "OK"), QStringLiteral("OK"));
        QCOMPARE(g_missingQtTranslationsLogged, 1);
        QVERIFY(manager.setLanguage(QStringLiteral("en")));
    }

    void missingLanguageFallsBackToEnglish()
    {
        PunchDrop::Gui::LanguageManager manager;
        QVERIFY(!manager.setLanguage(QStringLiteral("xx_YY")));
        QCOMPARE(manager.currentLanguage(), QStringLiteral("en"));
        QVERIFY(manager.setLanguage(QStringLiteral("zh_CN")));
        QCOMPARE(QCoreApplication::translate("PunchDrop::Gui::MainWindow", "Contacts"),
            QStringLiteral("联系人"));
        QVERIFY(manager.setLanguage(QStringLiteral("en")));
        QCOMPARE(QCoreApplication::translate("PunchDrop::Gui::MainWindow", "Contacts"),
            QStringLiteral("Contacts"));
    }
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
