// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What several GUI tests do with the real widgets: drop files the way a file manager does (drag
// enter, move, drop with file URLs), wait for a device to be listed online, find the settings
// dialog once it shows, and start the second peer those tests send to.

#include "gui/contactlistmodel.h"
#include "gui/settingsdialog.h"
#include "net/security/deviceidentity.h"
#include "transfer/offerdecider.h"
#include "transfer/transferengine.h"

#include <QApplication>
#include <QDropEvent>
#include <QMimeData>
#include <QPalette>
#include <QSignalSpy>
#include <QTest>
#include <QUrl>

#include <memory>

namespace PunchDrop::Test {

//! Drags \a paths onto \a target at \a pos and drops them; whether enter, move and drop were
//! all accepted.
inline bool dropFiles(QWidget *target, const QPoint &pos, const QStringList &paths)
{
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString &path : paths)
        urls << QUrl::fromLocalFile(path);
    mime.setUrls(urls);
    QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    QDragMoveEvent move(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &move);
    if (!enter.isAccepted() || !move.isAccepted())
        return false;
    QDropEvent drop(QPointF(pos), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

//! A dark palette (light text on dark backgrounds), the way dark desktop themes set one.
inline QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2b, 0x2b), base(0x1e, 0x1e, 0x1e), text(0xee, 0xee, 0xee);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x7a, 0xc6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Mid, QColor(0x50, 0x50, 0x50));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x8a, 0x8a, 0x8a));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x8a, 0x8a, 0x8a));
    return p;
}

//! The row of \a id in \a contacts once it is listed online (within \a timeoutMs), else invalid.
inline QModelIndex onlineContact(
    Gui::ContactListModel *contacts, const DeviceId &id, int timeoutMs = 15000)
{
    const auto online = [&] {
        const int row = contacts->rowOf(id);
        return row >= 0 && contacts->index(row).data(Gui::ContactListModel::OnlineRole).toBool();
    };
    if (!QTest::qWaitFor(online, timeoutMs))
        return {};
    return contacts->index(contacts->rowOf(id));
}

//! The visible settings dialog of \a window once it shows (within 5 s), else null.
inline Gui::SettingsDialog *visibleSettings(QWidget &window)
{
    Gui::SettingsDialog *dialog = nullptr;
    const bool found = QTest::qWaitFor(
        [&] {
            const auto dialogs
                = window.findChildren<Gui::SettingsDialog *>(QStringLiteral("settingsDialog"));
            for (Gui::SettingsDialog *d : dialogs) {
                if (d->isVisible())
                    dialog = d;
            }
            return dialog != nullptr;
        },
        5000);
    return found ? dialog : nullptr;
}

//! A second peer named \a name: an engine with its identity in \a configDir, registered on the
//! loopback server at \a port (LAN off), saving to \a downloadDir, offers decided by \a decider
//! (none: the engine's default). Null with \a error set when it did not start or register in 15 s.
inline std::unique_ptr<TransferEngine> registeredPeer(const QString &configDir, quint16 port,
    const QString &name, const QString &downloadDir, OfferDecider *decider, QString *error)
{
    const ConfigDir dir(configDir);
    const auto identity = DeviceIdentity::loadOrCreate(dir, error);
    if (!identity)
        return nullptr;
    EngineConfig config;
    config.serverHost = QStringLiteral("127.0.0.1");
    config.serverPort = port;
    config.lan = false;
    config.displayName = name;
    config.downloadDir = downloadDir;
    auto engine = std::make_unique<TransferEngine>(*identity, dir, config);
    if (decider)
        engine->setOfferDecider(decider);
    QSignalSpy registered(engine.get(), &TransferEngine::registered);
    if (!engine->start(error))
        return nullptr;
    if (!registered.wait(15000)) {
        *error = QStringLiteral("%1 did not register within 15 s").arg(name);
        return nullptr;
    }
    return engine;
}

} // namespace PunchDrop::Test
