// SPDX-License-Identifier: GPL-3.0-or-later
#include "languagemanager.h"

#include "core/logging.h"

#include <QCoreApplication>
#include <QLocale>

namespace PunchDrop::Gui {

LanguageManager::LanguageManager(QObject *parent)
    : QObject(parent)
{ }

LanguageManager::~LanguageManager()
{
    if (m_translator)
        QCoreApplication::removeTranslator(m_translator.get());
}

QString LanguageManager::qmPath(const QString &language)
{
    return QStringLiteral(":/i18n/punchdrop_%1.qm").arg(language);
}

bool LanguageManager::setLanguage(const QString &language)
{
    auto translator = std::make_unique<QTranslator>();
    bool loaded = false;
    QString effective = QStringLiteral("en");
    if (language.isEmpty()) {
        // Follows the system's UI languages in order (zh-Hant-TW → zh_TW, zh-Hans → zh_CN).
        loaded = translator->load(
            QLocale(), QStringLiteral("punchdrop"), QStringLiteral("_"), QStringLiteral(":/i18n"));
        if (loaded)
            effective = translator->language();
    } else if (language != QLatin1String("en")) {
        loaded = translator->load(qmPath(language));
        if (loaded)
            effective = language;
        else
            qCWarning(lcGui) << "no translation for" << language;
    }
    if (m_translator) {
        QCoreApplication::removeTranslator(m_translator.get());
        m_translator.reset();
    }
    if (loaded) {
        QCoreApplication::installTranslator(translator.get());
        m_translator = std::move(translator);
    }
    m_current = effective;
    return loaded || language.isEmpty() || language == QLatin1String("en");
}

} // namespace PunchDrop::Gui
