// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QString>
#include <QTranslator>

#include <memory>

namespace PunchDrop::Gui {

/*!
 * Swaps the application's translators at run time. Installing or removing a translator makes Qt
 * send QEvent::LanguageChange to every widget, whose changeEvent() re-runs retranslateUi().
 *
 * Two translators follow the language together:
 * - the app's own texts, compiled into the binary under :/i18n (qt_add_translations);
 * - Qt's own texts (QFileDialog, the standard buttons of QMessageBox / QDialogButtonBox /
 *   QInputDialog), qtbase_<language>.qm from QLibraryInfo's TranslationsPath (Debian:
 *   qt6-translations-l10n; windeployqt/macdeployqt ship them as qt_<language>.qm). Without
 *   them the app still works, with those texts in English; that is logged once.
 * The default QLocale follows the language too: it holds the words Qt takes from the locale
 * data rather than from a translation ("bytes" in QLocale::formattedDataSize, dates).
 */
class LanguageManager : public QObject
{
    Q_OBJECT
public:
    explicit LanguageManager(QObject *parent = nullptr);
    ~LanguageManager() override;

    //! \a language: "" = the system's, "en", "zh_CN", "zh_TW". False if the language has no
    //! translation (English is then used). Missing Qt translations do not make it fail.
    bool setLanguage(const QString &language);
    //! The language in effect ("en" when untranslated).
    QString currentLanguage() const { return m_current; }
    //! Whether Qt's own texts are translated into the language in effect (false for English).
    [[nodiscard]] bool qtTextsTranslated() const { return m_qtTranslator != nullptr; }

    //! The resource path of the compiled translation for \a language ("zh_CN").
    static QString qmPath(const QString &language);
    //! The folder Qt's own translations are loaded from (QLibraryInfo's TranslationsPath).
    static QString qtTranslationsDir();
    //! Loads Qt's own translations from \a dir instead (tests: a folder without them).
    void setQtTranslationsDir(const QString &dir) { m_qtDir = dir; }

private:
    [[nodiscard]] std::unique_ptr<QTranslator> loadQtTranslator(const QString &language);

    std::unique_ptr<QTranslator> m_translator;
    std::unique_ptr<QTranslator> m_qtTranslator;
    QString m_current = QStringLiteral("en");
    QString m_qtDir = qtTranslationsDir();
    bool m_warnedNoQtTranslations = false;
};

} // namespace PunchDrop::Gui
