// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QString>
#include <QTranslator>

#include <memory>

namespace PunchDrop::Gui {

/*!
 * Swaps the application's translator at run time. Installing or removing a translator makes Qt
 * send QEvent::LanguageChange to every widget, whose changeEvent() re-runs retranslateUi().
 * The .qm files are compiled into the binary under :/i18n (qt_add_translations).
 */
class LanguageManager : public QObject
{
    Q_OBJECT
public:
    explicit LanguageManager(QObject *parent = nullptr);
    ~LanguageManager() override;

    //! \a language: "" = the system's, "en", "zh_CN", "zh_TW". False if the language has no
    //! translation (English is then used).
    bool setLanguage(const QString &language);
    //! The language in effect ("en" when untranslated).
    QString currentLanguage() const { return m_current; }

    //! The resource path of the compiled translation for \a language ("zh_CN").
    static QString qmPath(const QString &language);

private:
    std::unique_ptr<QTranslator> m_translator;
    QString m_current = QStringLiteral("en");
};

} // namespace PunchDrop::Gui
