<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_TW">
<context>
    <name>ConnectionStatusText</name>
    <message>
        <source>This network only (no server set)</source>
        <translation>僅限本網路（未設定伺服器）</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在連線至 %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>已連線至 %1</translation>
    </message>
    <message>
        <source>Server unreachable</source>
        <translation>無法連線至伺服器</translation>
    </message>
    <message>
        <source>Server unreachable: %1</source>
        <translation>無法連線至伺服器：%1</translation>
    </message>
    <message>
        <source>Direct connections: not checked yet</source>
        <translation>直接連線：尚未檢測</translation>
    </message>
    <message>
        <source>Direct connections: likely</source>
        <translation>直接連線：很可能成功</translation>
    </message>
    <message>
        <source>Direct connections: unlikely — the server relays</source>
        <translation>直接連線：不太可能——由伺服器中繼</translation>
    </message>
    <message>
        <source>Direct connections: unknown</source>
        <translation>直接連線：未知</translation>
    </message>
    <message>
        <source>PunchDrop checks how this network&apos;s router (NAT) treats connections once it reaches the server.</source>
        <translation>連上伺服器後，PunchDrop 會檢測本網路的路由器（NAT）如何處理連線。</translation>
    </message>
    <message>
        <source>NAT type: %1</source>
        <translation>NAT 類型：%1</translation>
    </message>
    <message>
        <source>Direct connections: likely with IPv6 devices</source>
        <translation>直接連線：與支援 IPv6 的裝置很可能成功</translation>
    </message>
    <message>
        <source>IPv6: %1. Devices that have IPv6 too connect directly, whatever their NAT; others go by IPv4.</source>
        <translation>IPv6：%1。同樣支援 IPv6 的裝置可以直接連線，無論其 NAT 類型；其他裝置透過 IPv4 連線。</translation>
    </message>
</context>
<context>
    <name>ContactStore</name>
    <message>
        <source>&quot;%1&quot; now uses a different key (device %2, pinned %3). This may be a reinstall, or someone pretending to be &quot;%1&quot;. Compare the verification code with the owner before trusting it again.</source>
        <translation>「%1」現在使用了不同的金鑰（裝置 %2，已記錄的為 %3）。這可能是重新安裝，也可能是有人冒充「%1」。請先與對方核對驗證碼，再重新信任它。</translation>
    </message>
    <message>
        <source>your contact &quot;%1&quot; (device %2) now calls itself &quot;%3&quot;, the name of your contact %4: it is shown under the name you know it by.</source>
        <translation>你的聯絡人「%1」（裝置 %2）現在自稱「%3」，而這是你的聯絡人 %4 的名稱：它仍以你認識它時的名稱顯示。</translation>
    </message>
    <message>
        <source>Device %1 is not a contact.</source>
        <translation>裝置 %1 不是聯絡人。</translation>
    </message>
    <message>
        <source>A contact needs a name.</source>
        <translation>聯絡人必須有名稱。</translation>
    </message>
    <message>
        <source>Another contact (device %1) is called &quot;%2&quot; already.</source>
        <translation>另一個聯絡人（裝置 %1）已經叫「%2」。</translation>
    </message>
</context>
<context>
    <name>FileSink</name>
    <message>
        <source>cannot write %1: %2</source>
        <translation>無法寫入 %1：%2</translation>
    </message>
    <message>
        <source>%1 is not open</source>
        <translation>%1 未開啟</translation>
    </message>
    <message>
        <source>disk full: %1</source>
        <translation>磁碟已滿：%1</translation>
    </message>
    <message>
        <source>%4 mismatch for %1 (got %2, sender says %3); the data was discarded</source>
        <translation>%1 的 %4 不符（收到 %2，傳送方為 %3）；資料已捨棄</translation>
    </message>
    <message>
        <source>refusing to write %1: a symlink or something other than a plain file is there</source>
        <translation>拒絕寫入 %1：那裡是符號連結或不是一般檔案的東西</translation>
    </message>
    <message>
        <source>cannot write %1: %2 other transfers of this file are writing it</source>
        <translation>無法寫入 %1：有 %2 個其他傳輸正在寫入此檔案</translation>
    </message>
    <message>
        <source>cannot resume %1: it no longer holds the %2 bytes checked before; send again</source>
        <translation>無法續傳 %1：它已不再包含先前驗證過的 %2 位元組；請重新傳送</translation>
    </message>
    <message>
        <source>the part file %1 vanished; the data was lost</source>
        <translation>暫存檔 %1 已消失；資料已遺失</translation>
    </message>
    <message>
        <source>cannot move %1 into place: %2</source>
        <translation>無法將 %1 移動到目標位置：%2</translation>
    </message>
</context>
<context>
    <name>IncomingTransfer</name>
    <message>
        <source>not enough free space in %1: %2 bytes needed, %3 available</source>
        <translation>%1 空間不足：需要 %2 位元組，可用 %3 位元組</translation>
    </message>
</context>
<context>
    <name>NatType</name>
    <message>
        <source>open</source>
        <translation>開放</translation>
    </message>
    <message>
        <source>cone (full)</source>
        <translation>錐形（完全）</translation>
    </message>
    <message>
        <source>cone (restricted)</source>
        <translation>錐形（受限）</translation>
    </message>
    <message>
        <source>cone (port-restricted)</source>
        <translation>錐形（連接埠受限）</translation>
    </message>
    <message>
        <source>cone</source>
        <translation>錐形</translation>
    </message>
    <message>
        <source>symmetric</source>
        <translation>對稱型</translation>
    </message>
    <message>
        <source>symmetric (sequential)</source>
        <translation>對稱型（連接埠依序分配）</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>NAT type unknown: UDP discovery got no answer; direct connections will be tried, with the relay as fallback.</source>
        <translation>NAT 類型未知：UDP 探測沒有得到回應；將嘗試直連，並以中繼作為備援。</translation>
    </message>
    <message>
        <source>No NAT: this device&apos;s address is public; peers can usually reach it directly.</source>
        <translation>沒有 NAT：本裝置的位址是公用位址；對方通常可以直接連線到它。</translation>
    </message>
    <message>
        <source>Symmetric NAT: every destination gets a new public port, so hole punching from here only works towards open or cone peers that accept the connection; otherwise transfers use the relay.</source>
        <translation>對稱型 NAT：每個目標都會分配一個新的公用連接埠，因此從這裡打洞只對接受連線的開放型或錐形對端有效；否則傳輸將使用中繼。</translation>
    </message>
    <message>
        <source>Full-cone NAT: one public port for all destinations, open to everyone; direct connections are easy.</source>
        <translation>完全錐形 NAT：所有目標共用一個公用連接埠，對所有人開放；很容易直連。</translation>
    </message>
    <message>
        <source>Cone NAT that accepts replies from other ports of a contacted host (restricted cone, possibly full cone); hole punching works.</source>
        <translation>接受已聯絡主機其他連接埠回覆的錐形 NAT（受限錐形，也可能是完全錐形）；可以打洞。</translation>
    </message>
    <message>
        <source>Port-restricted cone NAT: one public port for all destinations, open only to endpoints contacted first; hole punching works.</source>
        <translation>連接埠受限錐形 NAT：所有目標共用一個公用連接埠，只對先聯絡過的端點開放；可以打洞。</translation>
    </message>
    <message>
        <source>Cone NAT: one public port for all destinations; hole punching works.</source>
        <translation>錐形 NAT：所有目標共用一個公用連接埠；可以打洞。</translation>
    </message>
</context>
<context>
    <name>PeerConnector</name>
    <message>
        <source>not connected to the server</source>
        <translation>未連線至伺服器</translation>
    </message>
    <message>
        <source>the server did not answer the connect request</source>
        <translation>伺服器沒有回應連線請求</translation>
    </message>
    <message>
        <source>both devices are behind symmetric NATs</source>
        <translation>兩台裝置都位於對稱型 NAT 之後</translation>
    </message>
    <message>
        <source>the peer is behind a symmetric NAT</source>
        <translation>對方位於對稱型 NAT 之後</translation>
    </message>
    <message>
        <source>this device is behind a symmetric NAT</source>
        <translation>本裝置位於對稱型 NAT 之後</translation>
    </message>
    <message>
        <source>hole punch timed out</source>
        <translation>打洞逾時</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>%1 × %2 cannot be punched with TCP; relayed at once</source>
        <translation>%1 × %2 無法進行 TCP 打洞；已直接使用中繼</translation>
    </message>
    <message>
        <source>relay requested</source>
        <translation>要求使用中繼</translation>
    </message>
    <message>
        <source>the sender asked for the relay</source>
        <translation>傳送方要求使用中繼</translation>
    </message>
    <message>
        <source>no direct connection to %1 could be made and the relay is not allowed (--no-relay): %2</source>
        <translation>無法與 %1 建立直連，且不允許使用中繼（--no-relay）：%2</translation>
    </message>
    <message>
        <source>no direct connection to %1 could be made and the relay is not available: %2</source>
        <translation>無法與 %1 建立直連，且中繼無法使用：%2</translation>
    </message>
    <message>
        <source>the relay could not connect us: %1</source>
        <translation>中繼無法連接雙方：%1</translation>
    </message>
    <message>
        <source>end-to-end encryption through the relay failed: %1</source>
        <translation>經由中繼的端對端加密失敗：%1</translation>
    </message>
    <message>
        <source>cannot reach %1 on the local network: %2</source>
        <translation>無法在區域網路中連線到 %1：%2</translation>
    </message>
    <message>
        <source>the server introduced device %1 instead of %2</source>
        <translation>伺服器介紹的是裝置 %1，而不是 %2</translation>
    </message>
</context>
<context>
    <name>PeerResolver</name>
    <message>
        <source>%1 and %2 more</source>
        <translation>%1 等（另有 %2 個）</translation>
    </message>
    <message>
        <source>no peer given</source>
        <translation>沒有指定裝置</translation>
    </message>
    <message>
        <source>device %1 is not online</source>
        <translation>裝置 %1 不在線上</translation>
    </message>
    <message>
        <source>&quot;%1&quot; matches several devices: %2</source>
        <translation>「%1」符合多台裝置：%2</translation>
    </message>
    <message>
        <source>no online peer matches &quot;%1&quot;</source>
        <translation>沒有與「%1」符合的線上裝置</translation>
    </message>
    <message>
        <source>&quot;%1&quot; needs at least %2 characters of a device ID</source>
        <translation>「%1」至少需要裝置 ID 的 %2 個字元</translation>
    </message>
    <message>
        <source>several online devices are called &quot;%1&quot;: %2; use id: and the device ID</source>
        <translation>有多台線上裝置名為「%1」：%2；請使用 id: 加裝置 ID</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::ContactListModel</name>
    <message>
        <source>Offline</source>
        <translation>離線</translation>
    </message>
    <message>
        <source>On this network</source>
        <translation>在此網路中</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>線上</translation>
    </message>
    <message>
        <source>Device ID: %1</source>
        <translation>裝置 ID：%1</translation>
    </message>
    <message>
        <source>NAT type: %1</source>
        <translation>NAT 類型：%1</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>聯絡人</translation>
    </message>
    <message>
        <source>Not a contact yet</source>
        <translation>還不是聯絡人</translation>
    </message>
    <message>
        <source>Pinned contact: its key is known from an earlier transfer</source>
        <translation>已固定的聯絡人：它的金鑰來自先前的一次傳輸</translation>
    </message>
    <message>
        <source>Not a contact yet: compare the verification code with its owner before the first transfer</source>
        <translation>還不是聯絡人：第一次傳輸前請與其主人核對驗證碼</translation>
    </message>
    <message>
        <source>Verified contact · always accepted</source>
        <translation>已核對的聯絡人 · 永遠接受</translation>
    </message>
    <message>
        <source>Verified contact</source>
        <translation>已核對的聯絡人</translation>
    </message>
    <message>
        <source>Contact · always accepted</source>
        <translation>聯絡人 · 永遠接受</translation>
    </message>
    <message>
        <source>Laptop</source>
        <translation>筆記型電腦</translation>
    </message>
    <message>
        <source>%1 laptop</source>
        <extracomment>%1 is an operating system: &quot;Linux&quot;, &quot;Windows&quot; or &quot;macOS&quot;</extracomment>
        <translation>%1 筆記型電腦</translation>
    </message>
    <message>
        <source>Desktop computer</source>
        <translation>桌上型電腦</translation>
    </message>
    <message>
        <source>%1 desktop computer</source>
        <extracomment>%1 is an operating system: &quot;Linux&quot;, &quot;Windows&quot; or &quot;macOS&quot;</extracomment>
        <translation>%1 桌上型電腦</translation>
    </message>
    <message>
        <source>Server</source>
        <extracomment>A device running PunchDrop without a window (its command line)</extracomment>
        <translation>伺服器</translation>
    </message>
    <message>
        <source>%1 server</source>
        <extracomment>A device running PunchDrop without a window (its command line); %1 is an operating system: &quot;Linux&quot;, &quot;Windows&quot; or &quot;macOS&quot;</extracomment>
        <translation>%1 伺服器</translation>
    </message>
    <message>
        <source>%1 device</source>
        <extracomment>A device that did not say what kind it is; %1 is an operating system: &quot;Linux&quot;, &quot;Windows&quot; or &quot;macOS&quot;</extracomment>
        <translation>%1 裝置</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::ContactTableModel</name>
    <message>
        <source>Online</source>
        <translation>線上</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>離線</translation>
    </message>
    <message>
        <source>Tick once you have compared this device ID with the one shown at the top of PunchDrop&apos;s window on that device (in person or by phone).</source>
        <translation>當面或透過電話，將此裝置 ID 與該裝置上 PunchDrop 視窗頂端顯示的 ID 核對一致後再勾選。</translation>
    </message>
    <message>
        <source>Accept files from this contact without asking.</source>
        <translation>不經詢問直接接收此聯絡人的檔案。</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>從未</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>已核對</translation>
    </message>
    <message>
        <source>Not verified</source>
        <translation>未核對</translation>
    </message>
    <message>
        <source>Without asking</source>
        <translation>不詢問</translation>
    </message>
    <message>
        <source>Ask</source>
        <translation>詢問</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名稱</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Last transfer</source>
        <translation>上次傳輸</translation>
    </message>
    <message>
        <source>ID verified</source>
        <translation>ID 已核對</translation>
    </message>
    <message>
        <source>Always accept</source>
        <translation>永遠接受</translation>
    </message>
    <message>
        <source>Device ID</source>
        <translation>裝置 ID</translation>
    </message>
    <message>
        <source>Last seen %1</source>
        <translation>最後上線 %1</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::ContactsDialog</name>
    <message>
        <source>Contacts</source>
        <translation>聯絡人</translation>
    </message>
    <message>
        <source>Devices you have exchanged files with. PunchDrop knows each one by its key (the device ID); the name is only a label you can change.</source>
        <translation>與你互傳過檔案的裝置。PunchDrop 透過金鑰（裝置 ID）辨識每台裝置；名稱只是一個你可以修改的標籤。</translation>
    </message>
    <message>
        <source>No contacts yet. A device becomes a contact after the first transfer you accepted or sent.</source>
        <translation>還沒有聯絡人。你接受或傳送第一次傳輸後，對方裝置就會成為聯絡人。</translation>
    </message>
    <message>
        <source>A contact&apos;s key changes only if PunchDrop is reinstalled there (or someone pretends to be it): its files are then refused with &quot;has a new key&quot;. Ask its owner for the device ID shown at the top of their window. If it is right, forget the old contact here: the next transfer asks you again and shows a verification code.</source>
        <translation>只有在對方重新安裝 PunchDrop（或有人冒充它）時，聯絡人的金鑰才會改變：此時它的檔案會以「金鑰已更換」被拒收。請向裝置主人索取其視窗頂端顯示的裝置 ID。如果核對無誤，在這裡忘記舊聯絡人：下次傳輸會再次詢問你並顯示驗證碼。</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重新命名…</translation>
    </message>
    <message>
        <source>Forget</source>
        <translation>忘記</translation>
    </message>
    <message>
        <source>Remove this contact: no more automatic acceptance, and its next transfer asks you again</source>
        <translation>移除此聯絡人：不再自動接受，它的下次傳輸會再次詢問你</translation>
    </message>
    <message>
        <source>Forget contact</source>
        <translation>忘記聯絡人</translation>
    </message>
    <message>
        <source>Forget %1?</source>
        <translation>忘記 %1？</translation>
    </message>
    <message>
        <source>Its files will no longer be accepted without asking. Its next transfer asks you again and shows a verification code.</source>
        <translation>它的檔案將不再被自動接受。它的下次傳輸會再次詢問你，並顯示驗證碼。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::DeviceIdQrDialog</name>
    <message>
        <source>Device ID of %1</source>
        <translation>%1 的裝置 ID</translation>
    </message>
    <message>
        <source>Scan this code with another device&apos;s camera to read the device ID of “%1”, then look it up there with Find a device.</source>
        <translation>用另一台裝置的相機掃描此 QR 碼，即可讀取「%1」的裝置 ID，然後在那台裝置上用「尋找裝置」找到它。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::EngineBackend</name>
    <message>
        <source>reconnecting: %1</source>
        <translation>正在重新連線：%1</translation>
    </message>
    <message>
        <source>PunchDrop is not connected</source>
        <translation>PunchDrop 未連線</translation>
    </message>
    <message>
        <source>PunchDrop is not running</source>
        <translation>PunchDrop 未在執行</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::FailureText</name>
    <message>
        <source>%1 declined.</source>
        <translation>%1 拒絕了。</translation>
    </message>
    <message>
        <source>You declined.</source>
        <translation>你拒絕了。</translation>
    </message>
    <message>
        <source>%1 is offline — open PunchDrop there, then retry.</source>
        <translation>%1 不在線 — 請在那台裝置上開啟 PunchDrop，然後重試。</translation>
    </message>
    <message>
        <source>That is this device: choose another one.</source>
        <translation>這就是本裝置：請選擇另一台裝置。</translation>
    </message>
    <message>
        <source>No direct path to %1, and the server does not relay — try on the same network, or set a server that relays.</source>
        <translation>無法直接連線到 %1，且伺服器不提供中繼 — 請在同一網路中重試，或設定一個提供中繼的伺服器。</translation>
    </message>
    <message>
        <source>The server is busy — retry in a minute.</source>
        <translation>伺服器忙碌 — 請一分鐘後重試。</translation>
    </message>
    <message>
        <source>The server is older than this app — update the server.</source>
        <translation>伺服器版本比本應用程式舊 — 請更新伺服器。</translation>
    </message>
    <message>
        <source>Not connected to the server — check the internet connection, then retry.</source>
        <translation>未連線到伺服器 — 請檢查網路連線，然後重試。</translation>
    </message>
    <message>
        <source>The server did not answer — check the internet connection, then retry.</source>
        <translation>伺服器沒有回應 — 請檢查網路連線，然後重試。</translation>
    </message>
    <message>
        <source>%1 could not prove who it is — nothing was sent. Retry; if it keeps failing, compare device IDs.</source>
        <translation>%1 無法證明自己的身分 — 沒有傳送任何內容。請重試；如果一直失敗，請核對裝置 ID。</translation>
    </message>
    <message>
        <source>Another device answered in place of %1 — nothing was sent.</source>
        <translation>另一台裝置冒充 %1 作出了回應 — 沒有傳送任何內容。</translation>
    </message>
    <message>
        <source>%1 isn&apos;t answering — is PunchDrop open there?</source>
        <translation>%1 沒有回應 — 那台裝置上開啟 PunchDrop 了嗎？</translation>
    </message>
    <message>
        <source>%1 runs a PunchDrop this one does not understand — update both devices.</source>
        <translation>%1 執行的 PunchDrop 版本與本機不相容 — 請更新兩台裝置。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>The files arrived damaged and were not kept — retry.</source>
        <translation>檔案在傳輸中損壞，未被保留 — 請重試。</translation>
    </message>
    <message>
        <source>%1 has no room for these files — free space there, then retry.</source>
        <translation>%1 沒有足夠空間存放這些檔案 — 請在那裡釋放空間，然後重試。</translation>
    </message>
    <message>
        <source>Not enough free space here — free some, then ask %1 to send again.</source>
        <translation>本機可用空間不足 — 請釋放一些空間，然後請 %1 重新傳送。</translation>
    </message>
    <message>
        <source>%1 could not save the files — check its download folder, then retry.</source>
        <translation>%1 無法儲存檔案 — 請檢查它的下載資料夾，然後重試。</translation>
    </message>
    <message>
        <source>Could not save the files — check the download folder in Settings.</source>
        <translation>無法儲存檔案 — 請在設定中檢查下載資料夾。</translation>
    </message>
    <message>
        <source>Could not read the files here — are they still there?</source>
        <translation>無法讀取本機上的檔案 — 它們還在嗎？</translation>
    </message>
    <message>
        <source>%1 could not read its files — ask it to send again.</source>
        <translation>%1 無法讀取它的檔案 — 請對方重新傳送。</translation>
    </message>
    <message>
        <source>A file name would have landed outside the download folder — refused.</source>
        <translation>有檔名會把檔案放到下載資料夾之外 — 已拒絕。</translation>
    </message>
    <message>
        <source>%1 stopped answering — retry; it continues where it stopped.</source>
        <translation>%1 停止了回應 — 請重試；將從中斷處繼續。</translation>
    </message>
    <message>
        <source>%1 is busy receiving other files — retry in a moment.</source>
        <translation>%1 正忙於接收其他檔案 — 請稍後重試。</translation>
    </message>
    <message>
        <source>Something went wrong inside PunchDrop — retry.</source>
        <translation>PunchDrop 內部出錯 — 請重試。</translation>
    </message>
    <message>
        <source>%1 is not on this network, and no server is set to reach it elsewhere — set one in Settings.</source>
        <translation>%1 不在此網路中，也沒有設定伺服器來連線其他網路中的裝置 — 請在設定中設定一個伺服器。</translation>
    </message>
    <message>
        <source>The connection to %1 was lost — retry; it continues where it stopped.</source>
        <translation>與 %1 的連線中斷 — 請重試；將從中斷處繼續。</translation>
    </message>
    <message>
        <source>The connection to %1 was lost.</source>
        <translation>與 %1 的連線中斷。</translation>
    </message>
    <message>
        <source>The transfer failed.</source>
        <translation>傳輸失敗。</translation>
    </message>
    <message>
        <source>%1 did not follow the verification code exchange — nothing was sent. Retry; if it happens again, compare device IDs.</source>
        <translation>%1 未遵循驗證碼交換流程——未傳送任何內容。請重試；如果再次發生，請核對裝置 ID。</translation>
    </message>
    <message>
        <source>%1 has a new key — ask its owner for the device ID at the top of their window; if it is right, forget the old contact in Contacts, then ask for the files again.</source>
        <translation>%1 的金鑰已更換——請向裝置主人索取其視窗頂端的裝置 ID；如果核對無誤，在「聯絡人」中忘記舊聯絡人，然後請對方重新傳送檔案。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::IncomingOfferDialog</name>
    <message>
        <source>Incoming files from %1</source>
        <translation>來自 %1 的檔案</translation>
    </message>
    <message>
        <source>%1 wants to send you files</source>
        <translation>%1 想傳送檔案給你</translation>
    </message>
    <message>
        <source>First contact with this device. Verification code:</source>
        <translation>首次與此裝置聯絡。驗證碼：</translation>
    </message>
    <message>
        <source>Accept only if %1 sees the same code.</source>
        <translation>僅當 %1 看到相同的驗證碼時才接受。</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>接受</translation>
    </message>
    <message>
        <source>Always accept from this contact</source>
        <translation>一律接受此聯絡人的檔案</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>拒絕</translation>
    </message>
    <message>
        <source>Files: %1 · Folders: %2 · Total size: %3</source>
        <translation>檔案數：%1 · 資料夾數：%2 · 總大小：%3</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::InstanceChannel</name>
    <message>
        <source>Too many files for one launch.</source>
        <translation>一次啟動傳入的檔案太多。</translation>
    </message>
    <message>
        <source>The running PunchDrop did not answer.</source>
        <translation>正在執行的 PunchDrop 沒有回應。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::MainWindow</name>
    <message>
        <source>Quit PunchDrop?</source>
        <translation>結束 PunchDrop？</translation>
    </message>
    <message>
        <source>Transfers are still running. Quitting stops them.</source>
        <translation>仍有傳輸正在進行。結束將中止它們。</translation>
    </message>
    <message>
        <source>Quit anyway</source>
        <translation>仍要結束</translation>
    </message>
    <message>
        <source>Keep running</source>
        <translation>繼續執行</translation>
    </message>
    <message>
        <source>Incoming files</source>
        <translation>收到檔案</translation>
    </message>
    <message>
        <source>Copy device ID</source>
        <translation>複製裝置 ID</translation>
    </message>
    <message>
        <source>PunchDrop</source>
        <translation>PunchDrop</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>聯絡人</translation>
    </message>
    <message>
        <source>Send files…</source>
        <translation>傳送檔案…</translation>
    </message>
    <message>
        <source>Send &amp;files…</source>
        <translation>傳送檔案(&amp;F)…</translation>
    </message>
    <message>
        <source>Send a f&amp;older…</source>
        <translation>傳送資料夾(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>設定(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>結束(&amp;Q)</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>複製 ID</translation>
    </message>
    <message>
        <source>Copy this device&apos;s ID to the clipboard</source>
        <translation>將本裝置的 ID 複製到剪貼簿</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>檔案(&amp;F)</translation>
    </message>
    <message>
        <source>Select a contact that is online first</source>
        <translation>請先選擇一個線上的聯絡人</translation>
    </message>
    <message>
        <source>Send files</source>
        <translation>傳送檔案</translation>
    </message>
    <message>
        <source>Send a folder</source>
        <translation>傳送資料夾</translation>
    </message>
    <message>
        <source>Transfer finished</source>
        <translation>傳輸完成</translation>
    </message>
    <message>
        <source>Transfer failed</source>
        <translation>傳輸失敗</translation>
    </message>
    <message>
        <source>Transfer declined</source>
        <translation>傳輸遭拒絕</translation>
    </message>
    <message>
        <source>Settings not saved</source>
        <translation>設定未儲存</translation>
    </message>
    <message>
        <source>The settings could not be saved: %1</source>
        <translation>無法儲存設定：%1</translation>
    </message>
    <message>
        <source>Device ID copied</source>
        <translation>裝置 ID 已複製</translation>
    </message>
    <message>
        <source>PunchDrop is still running</source>
        <translation>PunchDrop 仍在執行</translation>
    </message>
    <message>
        <source>Your transfers continue in the background.</source>
        <translation>你的傳輸會在背景繼續。</translation>
    </message>
    <message>
        <source>It keeps receiving files. Quit from the tray menu.</source>
        <translation>它會繼續接收檔案。可從系統匣選單結束。</translation>
    </message>
    <message>
        <source>%1 wants to send you files (files: %2 · %3)</source>
        <translation>%1 想傳送檔案給你（檔案數：%2 · %3）</translation>
    </message>
    <message>
        <source>No devices yet.
Devices running PunchDrop on this network appear here; with a server set in Settings, so do your contacts on the internet. Find anyone else by their device ID or name (Ctrl+F).
Drop files on a contact to send them.</source>
        <translation>還沒有裝置。
在此網路中執行 PunchDrop 的裝置會顯示在這裡；在設定中填寫伺服器後，你在網際網路上的聯絡人也會顯示。其他人可以依裝置 ID 或名稱尋找（Ctrl+F）。
把檔案拖放到聯絡人上即可傳送。</translation>
    </message>
    <message>
        <source>&amp;Find a device…</source>
        <translation>尋找裝置(&amp;F)…</translation>
    </message>
    <message>
        <source>Find a device by its ID or name</source>
        <translation>依 ID 或名稱尋找裝置</translation>
    </message>
    <message>
        <source>Find a device</source>
        <translation>尋找裝置</translation>
    </message>
    <message>
        <source>Device ID (or its first characters) or display name:</source>
        <translation>裝置 ID（或其開頭幾個字元）或顯示名稱：</translation>
    </message>
    <message>
        <source>Looking for “%1”…</source>
        <translation>正在尋找「%1」…</translation>
    </message>
    <message>
        <source>No device found for “%1”.</source>
        <translation>找不到「%1」對應的裝置。</translation>
    </message>
    <message>
        <source>Found %1: drop files on it to send.</source>
        <translation>已找到 %1：把檔案拖放到它上面即可傳送。</translation>
    </message>
    <message>
        <source>Found %1.</source>
        <translation>已找到 %1。</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>傳送</translation>
    </message>
    <message>
        <source>There is no system tray to keep PunchDrop in, so closing the window quits it: the running transfers stop, and this device stops receiving files.</source>
        <translation>沒有系統匣可以讓 PunchDrop 留在背景，所以關閉視窗就會結束：正在進行的傳輸會停止，本裝置也不再接收檔案。</translation>
    </message>
    <message>
        <source>There is no system tray to keep PunchDrop in, so closing the window quits it: this device stops receiving files.</source>
        <translation>沒有系統匣可以讓 PunchDrop 留在背景，所以關閉視窗就會結束：本裝置將不再接收檔案。</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>結束</translation>
    </message>
    <message>
        <source>Find a device…</source>
        <translation>尋找裝置…</translation>
    </message>
    <message>
        <source>Find a device by its ID, the first characters of its ID, or its name (Ctrl+F)</source>
        <translation>依裝置 ID、ID 的開頭幾個字元或名稱尋找裝置（Ctrl+F）</translation>
    </message>
    <message>
        <source>Manage contact…</source>
        <translation>管理聯絡人…</translation>
    </message>
    <message>
        <source>&amp;Contacts…</source>
        <translation>聯絡人(&amp;C)…</translation>
    </message>
    <message>
        <source>See who you trust: rename, verify or forget contacts</source>
        <translation>查看你信任的裝置：重新命名、核對或忘記聯絡人</translation>
    </message>
    <message>
        <source>Port mapping off</source>
        <translation>連接埠對應已關閉</translation>
    </message>
    <message>
        <source>Asking the router for a port mapping…</source>
        <translation>正在向路由器要求連接埠對應…</translation>
    </message>
    <message>
        <source>Port mapped via NAT-PMP</source>
        <translation>已透過 NAT-PMP 對應連接埠</translation>
    </message>
    <message>
        <source>Port mapped via PCP</source>
        <translation>已透過 PCP 對應連接埠</translation>
    </message>
    <message>
        <source>Port mapped via UPnP</source>
        <translation>已透過 UPnP 對應連接埠</translation>
    </message>
    <message>
        <source>No port mapping: the router does not answer UPnP, NAT-PMP or PCP</source>
        <translation>無連接埠對應：路由器不回應 UPnP、NAT-PMP 或 PCP</translation>
    </message>
    <message>
        <source>Port mapping is not available in this build</source>
        <translation>此版本不支援連接埠對應</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::PendingFilesBar</name>
    <message>
        <source>Discard</source>
        <translation>捨棄</translation>
    </message>
    <message>
        <source>Ready to send “%1”: choose a contact, then Send.</source>
        <translation>準備傳送「%1」：請選擇聯絡人，然後按「傳送」。</translation>
    </message>
    <message>
        <source>Ready to send %1 items: choose a contact, then Send.</source>
        <translation>準備傳送 %1 項：請選擇聯絡人，然後按「傳送」。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::SelfHeader</name>
    <message>
        <source>You are %1</source>
        <translation>你是 %1</translation>
    </message>
    <message>
        <source>Device ID: %1</source>
        <translation>裝置 ID：%1</translation>
    </message>
    <message>
        <source>Others find this device by this ID (or its first characters).</source>
        <translation>其他人可以透過這個 ID（或它的開頭幾個字元）找到本裝置。</translation>
    </message>
    <message>
        <source>QR code</source>
        <translation>QR 碼</translation>
    </message>
    <message>
        <source>Show the device ID as a QR code, for another device&apos;s camera</source>
        <translation>以 QR 碼顯示裝置 ID，供另一台裝置的相機掃描</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::SettingsDialog</name>
    <message>
        <source>Please enter a name other devices will see.</source>
        <translation>請輸入其他裝置將看到的名稱。</translation>
    </message>
    <message>
        <source>The server address must look like host or host:port (for example punchdrop.example.org or 203.0.113.5:8877), or stay empty for LAN only.</source>
        <translation>伺服器位址的格式必須是 主機 或 主機:連接埠（例如 punchdrop.example.org 或 203.0.113.5:8877），或留空以僅使用區域網路。</translation>
    </message>
    <message>
        <source>Please choose a folder for received files.</source>
        <translation>請選擇接收檔案的資料夾。</translation>
    </message>
    <message>
        <source>Folder for received files</source>
        <translation>接收檔案的資料夾</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>Your name:</source>
        <translation>你的名稱：</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>伺服器：</translation>
    </message>
    <message>
        <source>Save received files in:</source>
        <translation>接收的檔案儲存至：</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>語言：</translation>
    </message>
    <message>
        <source>The name other devices see</source>
        <translation>其他裝置看到的名稱</translation>
    </message>
    <message>
        <source>The rendezvous server as host or host:port (port 8877 if none is given). Leave empty to find devices on this network only.</source>
        <translation>會合伺服器，格式為 主機 或 主機:連接埠（未給出連接埠時為 8877）。留空則只尋找此網路中的裝置。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>瀏覽…</translation>
    </message>
    <message>
        <source>Start minimized to the tray</source>
        <translation>啟動時最小化至系統匣</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟隨系統</translation>
    </message>
    <message>
        <source>Find devices on this network (LAN discovery)</source>
        <translation>尋找此網路中的裝置（區域網路探索）</translation>
    </message>
    <message>
        <source>Announces this device on the local network and lists the others running PunchDrop there, without a server.</source>
        <translation>在區域網路中公布本裝置，並列出那裡其他執行 PunchDrop 的裝置，無需伺服器。</translation>
    </message>
    <message>
        <source>Ask the router to forward a port (UPnP / NAT-PMP / PCP)</source>
        <translation>要求路由器轉送連接埠（UPnP / NAT-PMP / PCP）</translation>
    </message>
    <message>
        <source>More devices can then connect directly instead of through the server&apos;s relay.</source>
        <translation>如此更多裝置可以直接連線，而不必經過伺服器中繼。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TransferFormat</name>
    <message>
        <source>%1/s</source>
        <translation>%1/秒</translation>
    </message>
    <message>
        <source>%1 s left</source>
        <translation>剩餘 %1 秒</translation>
    </message>
    <message>
        <source>%1 min left</source>
        <translation>剩餘 %1 分鐘</translation>
    </message>
    <message>
        <source>%1 h %2 min left</source>
        <translation>剩餘 %1 小時 %2 分鐘</translation>
    </message>
    <message>
        <source>%1 days left</source>
        <translation>剩餘 %1 天</translation>
    </message>
    <message>
        <source>Direct · TCP punch</source>
        <translation>直連 · TCP 打洞</translation>
    </message>
    <message>
        <source>Direct · LAN</source>
        <translation>直連 · 區域網路</translation>
    </message>
    <message>
        <source>Relayed</source>
        <translation>中繼</translation>
    </message>
    <message>
        <source>Relayed (%1)</source>
        <translation>中繼（%1）</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>正在連線</translation>
    </message>
    <message>
        <source>Waiting for an answer</source>
        <translation>等待對方回應</translation>
    </message>
    <message>
        <source>Transferring</source>
        <translation>正在傳輸</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失敗</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>已拒絕</translation>
    </message>
    <message>
        <source>%1 items</source>
        <translation>%1 個項目</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1，傳送給 %2</translation>
    </message>
    <message>
        <source>%1 from %2</source>
        <translation>%1，來自 %2</translation>
    </message>
    <message>
        <source>Cancelled after %1 of %2</source>
        <translation>已取消（已傳輸 %1 / %2）</translation>
    </message>
    <message>
        <source>%1 sent</source>
        <translation>已傳送 %1</translation>
    </message>
    <message>
        <source>%1 received</source>
        <translation>已接收 %1</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>%1 · Verification code %2</source>
        <translation>%1 · 驗證碼 %2</translation>
    </message>
    <message>
        <source>%1 · resumed at %2 %</source>
        <translation>%1 · 從 %2% 處續傳</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在連線 %1…</translation>
    </message>
    <message>
        <source>Resumed at %1 %</source>
        <translation>從 %1% 處續傳</translation>
    </message>
    <message>
        <source>Stalled — no data for %1 s · %2 of %3</source>
        <translation>停滯 — %1 秒沒有資料 · %2 / %3</translation>
    </message>
    <message>
        <source>%1 · %2 on average</source>
        <translation>%1 · 平均 %2</translation>
    </message>
    <message>
        <source>Direct · port mapping</source>
        <translation>直連 · 連接埠對應</translation>
    </message>
    <message>
        <source>Direct · port guessing</source>
        <translation>直連 · 連接埠猜測</translation>
    </message>
    <message>
        <source>Relayed → %1</source>
        <translation>中繼 → %1</translation>
    </message>
    <message>
        <source>%1 → Relayed</source>
        <translation>%1 → 中繼</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TransferListModel</name>
    <message>
        <source>Folder: %1</source>
        <translation>資料夾：%1</translation>
    </message>
    <message>
        <source>Verification code: %1</source>
        <translation>驗證碼：%1</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>詳情：%1</translation>
    </message>
    <message>
        <source>Finished: %1</source>
        <translation>完成於：%1</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TransferPanel</name>
    <message>
        <source>Transfers</source>
        <translation>傳輸</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the selected transfer</source>
        <translation>停止所選傳輸</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重試</translation>
    </message>
    <message>
        <source>Send the selected transfer again, resuming where it stopped</source>
        <translation>重新傳送所選傳輸，從中斷處繼續</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>開啟資料夾</translation>
    </message>
    <message>
        <source>Show the files in the file manager</source>
        <translation>在檔案管理員中顯示這些檔案</translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation>清除已完成</translation>
    </message>
    <message>
        <source>No file manager could open the folder. The files are in:</source>
        <translation>沒有檔案管理員能開啟這個資料夾。檔案在：</translation>
    </message>
    <message>
        <source>Transfer details</source>
        <translation>傳輸詳細資料</translation>
    </message>
    <message>
        <source>Details…</source>
        <translation>詳細資料…</translation>
    </message>
    <message>
        <source>Everything about the selected transfer, to read in full or copy</source>
        <translation>所選傳輸的全部資訊，可完整閱讀或複製</translation>
    </message>
    <message>
        <source>Drop files here to send them to the selected contact</source>
        <translation>將檔案拖放到這裡，傳送給所選的聯絡人</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>開啟檔案</translation>
    </message>
    <message>
        <source>No application could open the file. It is at:</source>
        <translation>沒有應用程式能開啟這個檔案。它位於：</translation>
    </message>
    <message>
        <source>Open the received file with its usual application</source>
        <translation>用慣用的應用程式開啟收到的檔案</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TrayIcon</name>
    <message>
        <source>PunchDrop</source>
        <translation>PunchDrop</translation>
    </message>
    <message>
        <source>Hide window</source>
        <translation>隱藏視窗</translation>
    </message>
    <message>
        <source>Show window</source>
        <translation>顯示視窗</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>結束</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::VerificationBanner</name>
    <message>
        <source>Verification code for %1</source>
        <translation>與 %1 的驗證碼</translation>
    </message>
    <message>
        <source>%1 sees this code before accepting. If the codes differ, cancel: someone may be in between.</source>
        <translation>%1 在接受前會看到這個驗證碼。如果兩邊的驗證碼不同，請取消：可能有人在中間攔截。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::WelcomePanel</name>
    <message>
        <source>Welcome to PunchDrop</source>
        <translation>歡迎使用 PunchDrop</translation>
    </message>
    <message>
        <source>Others see this device as “%1”. Choose a name they will recognise in Settings.</source>
        <translation>其他人看到的本裝置名稱是「%1」。請在設定中選一個他們認得出的名稱。</translation>
    </message>
    <message>
        <source>Devices running PunchDrop on this network appear on the left by themselves: drop files on one to send them. Nothing else is needed.</source>
        <translation>本網路中執行 PunchDrop 的裝置會自動出現在左側：把檔案拖到裝置上即可傳送。無需其他設定。</translation>
    </message>
    <message>
        <source>Server: %1. Devices that use the same server can reach you from anywhere; it only introduces you, and relays the encrypted data when no direct path works.</source>
        <translation>伺服器：%1。使用同一伺服器的裝置可以從任何地方連線到你；伺服器只負責介紹雙方，並在無法直接連線時中繼加密資料。</translation>
    </message>
    <message>
        <source>The first transfer with a device shows the same verification code on both screens: compare it with the other person before accepting.</source>
        <translation>與某台裝置的第一次傳輸會在雙方螢幕上顯示相同的驗證碼：接受前請與對方核對。</translation>
    </message>
    <message>
        <source>Open Settings…</source>
        <translation>開啟設定…</translation>
    </message>
    <message>
        <source>Got it</source>
        <translation>知道了</translation>
    </message>
    <message>
        <source>To reach devices elsewhere on the internet, both sides need the same PunchDrop server. There is no default server, so nothing passes through a machine you did not choose. Anyone can run one on a computer with a public address (&quot;punchdrop --server&quot;; see &quot;%1&quot; in the installation guide), then enter its address in Settings.</source>
        <translation>要連線網際網路上其他地方的裝置，雙方需要使用同一個 PunchDrop 伺服器。沒有預設伺服器，因此任何資料都不會經過你未選擇的機器。任何人都可以在有公開位址的電腦上執行一個（「punchdrop --server」；見安裝指南中的「%1」一節），然後在設定中填寫它的位址。</translation>
    </message>
    <message>
        <source>Finding devices on this network is off (Settings): devices appear only through a server.</source>
        <translation>本網路裝置探索已關閉（設定）：裝置只能透過伺服器出現。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::TlsBackend</name>
    <message>
        <source>TLS 1.3 is not available (Qt&apos;s TLS backend: %1; installed: %2). PunchDrop needs Qt&apos;s OpenSSL backend and the OpenSSL 3 libraries; reinstall PunchDrop.</source>
        <translation>TLS 1.3 無法使用（Qt 的 TLS 後端：%1；已安裝：%2）。PunchDrop 需要 Qt 的 OpenSSL 後端與 OpenSSL 3 函式庫；請重新安裝 PunchDrop。</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>PunchDrop</source>
        <translation>PunchDrop</translation>
    </message>
    <message>
        <source>Cannot load this device&apos;s identity: %1</source>
        <translation>無法載入本裝置的身分：%1</translation>
    </message>
</context>
<context>
    <name>RecipientResolver</name>
    <message>
        <source>several contacts are called &quot;%1&quot; (%2); use id: and the device ID</source>
        <translation>有多個聯絡人名為「%1」（%2）；請使用 id: 加裝置 ID</translation>
    </message>
    <message>
        <source>the server answered &quot;%1&quot; with device %2 (&quot;%3&quot;), which does not match it</source>
        <translation>伺服器對「%1」的回應是裝置 %2（「%3」），與查詢不符</translation>
    </message>
    <message>
        <source>device %1 calls itself &quot;%2&quot;, the name of your contact %3, but it is not that contact; if it is a new device of theirs, send to its full device ID and compare the verification code</source>
        <translation>裝置 %1 自稱「%2」，這是你的聯絡人 %3 的名稱，但它並不是該聯絡人；如果這是對方的新裝置，請傳送到它的完整裝置 ID 並核對驗證碼</translation>
    </message>
</context>
<context>
    <name>SafePath</name>
    <message>
        <source>unsafe path &quot;%1&quot;: empty</source>
        <translation>不安全的路徑「%1」：為空</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: longer than %2 bytes</source>
        <translation>不安全的路徑「%1」：超過 %2 位元組</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: absolute or UNC path</source>
        <translation>不安全的路徑「%1」：絕對路徑或 UNC 路徑</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: drive letter</source>
        <translation>不安全的路徑「%1」：包含磁碟機代號</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: deeper than %2 levels</source>
        <translation>不安全的路徑「%1」：層級超過 %2 層</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: empty component</source>
        <translation>不安全的路徑「%1」：包含空的路徑段</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: &apos;.&apos; or &apos;..&apos; component</source>
        <translation>不安全的路徑「%1」：包含「.」或「..」路徑段</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: a name longer than %2 bytes</source>
        <translation>不安全的路徑「%1」：有名稱超過 %2 位元組</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: a name made only of dots, spaces or nothing</source>
        <translation>不安全的路徑「%1」：有名稱只由點、空格組成或為空</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;</source>
        <translation>不安全的路徑「%1」</translation>
    </message>
    <message>
        <source>refusing to follow the symlink &quot;%1&quot;</source>
        <translation>拒絕跟隨符號連結「%1」</translation>
    </message>
    <message>
        <source>&quot;%1&quot; exists and is not a folder</source>
        <translation>「%1」已存在且不是資料夾</translation>
    </message>
    <message>
        <source>cannot create the folder &quot;%1&quot;</source>
        <translation>無法建立資料夾「%1」</translation>
    </message>
</context>
<context>
    <name>TransferEngine</name>
    <message>
        <source>cannot listen for LAN transfers: %1</source>
        <translation>無法監聽區域網路傳輸：%1</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>%1 is not reachable: no server is configured and it is not on the local network</source>
        <translation>無法連線到 %1：沒有設定伺服器，且它不在區域網路中</translation>
    </message>
    <message>
        <source>asked for %1 on the local network, but %2 answered: another device may be impersonating it. Nothing was sent.</source>
        <translation>在區域網路中要連線的是 %1，但回應的是 %2：可能有其他裝置在冒充它。沒有傳送任何內容。</translation>
    </message>
    <message>
        <source>asked for %1, but the connection led to %2: the rendezvous server may be lying or compromised. Nothing was sent.</source>
        <translation>要連線的是 %1，但連線到的是 %2：會合伺服器可能在說謊或已遭入侵。沒有傳送任何內容。</translation>
    </message>
</context>
<context>
    <name>TransferHistory</name>
    <message>
        <source>cannot read %1: %2</source>
        <translation>無法讀取 %1：%2</translation>
    </message>
    <message>
        <source>The transfer history could not be read (%1); it was set aside as %2.</source>
        <translation>無法讀取傳輸歷史（%1）；已將其另存為 %2。</translation>
    </message>
    <message>
        <source>The transfer history %1 could not be read (%2).</source>
        <translation>無法讀取傳輸歷史 %1（%2）。</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>無法寫入 %1：%2</translation>
    </message>
</context>
</TS>
