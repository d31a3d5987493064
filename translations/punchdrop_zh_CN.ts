<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>PunchDrop::Gui::ContactListModel</name>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>On this network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device ID: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verification code: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NAT type: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::DisconnectedBackend</name>
    <message>
        <source>This build has no transfer engine</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::IncomingOfferDialog</name>
    <message>
        <source>Incoming files from %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 wants to send you files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First contact with this device. Verification code:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept only if %1 sees the same code.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 files, %2 in total</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Always accept from this contact</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decline</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::MainWindow</name>
    <message>
        <source>Quit PunchDrop?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfers are still running. Quitting stops them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit anyway</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Keep running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Incoming files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 wants to send %2 files (%3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy device ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PunchDrop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No devices yet.
Devices running PunchDrop on this network appear here; with a server set in Settings, so do your contacts on the internet.
Drop files on a contact to send them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send &amp;files…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send a f&amp;older…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy this device&apos;s ID to the clipboard</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This device: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LAN only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Online · %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server unreachable</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server unreachable: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NAT: unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NAT: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a contact that is online first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfer finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfer failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transfer declined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings not saved</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The settings could not be saved: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device ID copied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PunchDrop is still running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your transfers continue in the background.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It keeps receiving files. Quit from the tray menu.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::SettingsDialog</name>
    <message>
        <source>Please enter a name other devices will see.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server address must look like host:port (for example punchdrop.example.org:7600), or stay empty for LAN only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Please choose a folder for received files.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder for received files</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save received files in:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The name other devices see</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The rendezvous server as host:port. Leave empty to find devices on this network only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accept files from trusted contacts without asking</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start minimized to the tray</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System default</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TransferFormat</name>
    <message>
        <source>%1/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h %2 min left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 days left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Direct · TCP punch</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Direct · LAN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Relayed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Relayed (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for an answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Transferring</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Declined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 items</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 from %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The other side declined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled after %1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 received</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TransferListModel</name>
    <message>
        <source>Folder: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TransferPanel</name>
    <message>
        <source>Transfers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the selected transfer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send the selected transfer again, resuming where it stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the files in the file manager</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TrayIcon</name>
    <message>
        <source>PunchDrop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>PunchDrop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot load this device&apos;s identity: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
