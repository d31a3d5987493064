// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QListView>

namespace PunchDrop::Gui {

/*!
 * The transfer list. Empty, it invites a drop: a dashed drop zone with one line of help (the
 * window takes files dropped anywhere and sends them to the selected contact).
 */
class TransferView : public QListView
{
    Q_OBJECT
public:
    explicit TransferView(QWidget *parent = nullptr);

    void setPlaceholderText(const QString &text);
    QString placeholderText() const { return m_placeholder; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    void paintDropZone(QPainter *painter) const;

    QString m_placeholder;
};

} // namespace PunchDrop::Gui
