// SPDX-License-Identifier: GPL-3.0-or-later
#include "languagemanager.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>

namespace PunchDrop::Gui {

LanguageManager::LanguageManager(QObject *parent)
    : QObject(parent)
{ }

LanguageManager::~LanguageManager()
{
    if (m_translator)
        QCoreApplication::removeTranslator(m_translator.get());
    if (m_qtTranslator)
        QCoreApplication::removeTranslator(m_qtTranslator.get());
}

QString LanguageManager::qmPath(const QString &language)
{
    return QStringLiteral(":/i18n/punchdrop_%1.qm").arg(language);
}

QString LanguageManager::qtTranslationsDir()
{
    return QLibraryInfo::path(QLibraryInfo::TranslationsPath);
}

std::unique_ptr<QTranslator> LanguageManager::loadQtTranslator(const QString &language)
{
    auto translator = std::make_unique<QTranslator>();
    const QString &dir = m_qtDir;
    // qtbase_zh_CN.qm: the Linux packages; qt_zh_CN.qm: windeployqt / macdeployqt bundle Qt's
    // modules into one catalog of that name (and on Linux it pulls in qtbase_zh_CN.qm).
    for (const QString &prefix : {QStringLiteral("qtbase_"), QStringLiteral("qt_")}) {
        if (translator->load(prefix + language, dir))
            return translator;
    }
    if (!m_warnedNoQtTranslations) {
        m_warnedNoQtTranslations = true;
        qCInfo(lcGui).noquote()
            << "Qt's own texts (file dialogs, standard buttons) stay English: no"
            << QStringLiteral("qtbase_%1.qm").arg(language) << "in" << dir
            << "(Debian/Ubuntu: install qt6-translations-l10n)";
    }
    return nullptr;
}

bool LanguageManager::setLanguage(const QString &language)
{
    auto translator = std::make_unique<QTranslator>();
    bool loaded = false;
    QString effective = QStringLiteral("en");
    if (language.isEmpty()) {
        // Follows the system's UI languages in order (zh-Hant-TW → zh_TW, zh-Hans → zh_CN).
        loaded = translator->load(QLocale::system(), QStringLiteral("punchdrop"),
            QStringLiteral("_"), QStringLiteral(":/i18n"));
        if (loaded)
            effective = translator->language();
    } else if (language != QLatin1String("en")) {
        loaded = translator->load(qmPath(language));
        if (loaded)
            effective = language;
        else
            qCWarning(lcGui) << "no translation for" << language;
    }
    std::unique_ptr<QTranslator> qtTranslator;
    if (loaded)
        qtTranslator = loadQtTranslator(effective);

    // The locale first: the LanguageChange the translators send re-runs retranslateUi(), which
    // formats sizes and dates with it.
    if (loaded)
        QLocale::setDefault(QLocale(effective));
    else if (language.isEmpty())
        QLocale::setDefault(QLocale::system());
    else // English chosen (or nothing to load): English words, the system's country formats.
        QLocale::setDefault(QLocale(QLocale::English, QLocale::system().territory()));

    if (m_qtTranslator) {
        QCoreApplication::removeTranslator(m_qtTranslator.get());
        m_qtTranslator.reset();
    }
    if (m_translator) {
        QCoreApplication::removeTranslator(m_translator.get());
        m_translator.reset();
    }
    if (qtTranslator) {
        QCoreApplication::installTranslator(qtTranslator.get());
        m_qtTranslator = std::move(qtTranslator);
    }
    if (loaded) {
        // Installed last, so it is asked first: the app's words win over Qt's.
        QCoreApplication::installTranslator(translator.get());
        m_translator = std::move(translator);
    }
    m_current = effective;
    return loaded || language.isEmpty() || language == QLatin1String("en");
}

} // namespace PunchDrop::Gui
