<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ConnectionStatusText</name>
    <message>
        <source>This network only (no server set)</source>
        <translation>仅限本网络（未设置服务器）</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接 %1…</translation>
    </message>
    <message>
        <source>Connected to %1</source>
        <translation>已连接到 %1</translation>
    </message>
    <message>
        <source>Server unreachable</source>
        <translation>无法连接服务器</translation>
    </message>
    <message>
        <source>Server unreachable: %1</source>
        <translation>无法连接服务器：%1</translation>
    </message>
    <message>
        <source>Direct connections: not checked yet</source>
        <translation>直连：尚未检测</translation>
    </message>
    <message>
        <source>Direct connections: likely</source>
        <translation>直连：很可能成功</translation>
    </message>
    <message>
        <source>Direct connections: unlikely — the server relays</source>
        <translation>直连：不太可能——由服务器中继</translation>
    </message>
    <message>
        <source>Direct connections: unknown</source>
        <translation>直连：未知</translation>
    </message>
    <message>
        <source>PunchDrop checks how this network&apos;s router (NAT) treats connections once it reaches the server.</source>
        <translation>连上服务器后，PunchDrop 会检测本网络的路由器（NAT）如何处理连接。</translation>
    </message>
    <message>
        <source>NAT type: %1</source>
        <translation>NAT 类型：%1</translation>
    </message>
    <message>
        <source>Direct connections: likely with IPv6 devices</source>
        <translation>直连：与支持 IPv6 的设备很可能成功</translation>
    </message>
    <message>
        <source>IPv6: %1. Devices that have IPv6 too connect directly, whatever their NAT; others go by IPv4.</source>
        <translation>IPv6：%1。同样支持 IPv6 的设备可以直接连接，无论其 NAT 类型；其他设备通过 IPv4 连接。</translation>
    </message>
</context>
<context>
    <name>ContactStore</name>
    <message>
        <source>&quot;%1&quot; now uses a different key (device %2, pinned %3). This may be a reinstall, or someone pretending to be &quot;%1&quot;. Compare the verification code with the owner before trusting it again.</source>
        <translation>“%1”现在使用了不同的密钥（设备 %2，已记录的为 %3）。这可能是重新安装，也可能是有人冒充“%1”。请先与对方核对验证码，再重新信任它。</translation>
    </message>
    <message>
        <source>your contact &quot;%1&quot; (device %2) now calls itself &quot;%3&quot;, the name of your contact %4: it is shown under the name you know it by.</source>
        <translation>你的联系人“%1”（设备 %2）现在自称“%3”，而这是你的联系人 %4 的名称：它仍以你认识它时的名称显示。</translation>
    </message>
    <message>
        <source>Device %1 is not a contact.</source>
        <translation>设备 %1 不是联系人。</translation>
    </message>
    <message>
        <source>A contact needs a name.</source>
        <translation>联系人必须有名称。</translation>
    </message>
    <message>
        <source>Another contact (device %1) is called &quot;%2&quot; already.</source>
        <translation>另一个联系人（设备 %1）已经叫“%2”。</translation>
    </message>
</context>
<context>
    <name>FileSink</name>
    <message>
        <source>cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>%1 is not open</source>
        <translation>%1 未打开</translation>
    </message>
    <message>
        <source>disk full: %1</source>
        <translation>磁盘已满：%1</translation>
    </message>
    <message>
        <source>%4 mismatch for %1 (got %2, sender says %3); the data was discarded</source>
        <translation>%1 的 %4 不匹配（收到 %2，发送方为 %3）；数据已丢弃</translation>
    </message>
    <message>
        <source>refusing to write %1: a symlink or something other than a plain file is there</source>
        <translation>拒绝写入 %1：那里是符号链接或不是普通文件的东西</translation>
    </message>
    <message>
        <source>cannot write %1: %2 other transfers of this file are writing it</source>
        <translation>无法写入 %1：有 %2 个其他传输正在写入此文件</translation>
    </message>
    <message>
        <source>cannot resume %1: it no longer holds the %2 bytes checked before; send again</source>
        <translation>无法续传 %1：它已不再包含之前校验过的 %2 字节；请重新发送</translation>
    </message>
    <message>
        <source>the part file %1 vanished; the data was lost</source>
        <translation>临时文件 %1 已消失；数据已丢失</translation>
    </message>
    <message>
        <source>cannot move %1 into place: %2</source>
        <translation>无法将 %1 移动到目标位置：%2</translation>
    </message>
</context>
<context>
    <name>IncomingTransfer</name>
    <message>
        <source>not enough free space in %1: %2 bytes needed, %3 available</source>
        <translation>%1 中空间不足：需要 %2 字节，可用 %3 字节</translation>
    </message>
</context>
<context>
    <name>NatType</name>
    <message>
        <source>open</source>
        <translation>开放</translation>
    </message>
    <message>
        <source>cone (full)</source>
        <translation>锥形（完全）</translation>
    </message>
    <message>
        <source>cone (restricted)</source>
        <translation>锥形（受限）</translation>
    </message>
    <message>
        <source>cone (port-restricted)</source>
        <translation>锥形（端口受限）</translation>
    </message>
    <message>
        <source>cone</source>
        <translation>锥形</translation>
    </message>
    <message>
        <source>symmetric</source>
        <translation>对称型</translation>
    </message>
    <message>
        <source>symmetric (sequential)</source>
        <translation>对称型（端口顺序分配）</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>NAT type unknown: UDP discovery got no answer; direct connections will be tried, with the relay as fallback.</source>
        <translation>NAT 类型未知：UDP 探测没有得到应答；将尝试直连，并以中继作为后备。</translation>
    </message>
    <message>
        <source>No NAT: this device&apos;s address is public; peers can usually reach it directly.</source>
        <translation>没有 NAT：本设备的地址是公网地址；对方通常可以直接连接到它。</translation>
    </message>
    <message>
        <source>Symmetric NAT: every destination gets a new public port, so hole punching from here only works towards open or cone peers that accept the connection; otherwise transfers use the relay.</source>
        <translation>对称型 NAT：每个目标都会分配一个新的公网端口，因此从这里打洞只对接受连接的开放型或锥形对端有效；否则传输将使用中继。</translation>
    </message>
    <message>
        <source>Full-cone NAT: one public port for all destinations, open to everyone; direct connections are easy.</source>
        <translation>完全锥形 NAT：所有目标共用一个公网端口，对所有人开放；很容易直连。</translation>
    </message>
    <message>
        <source>Cone NAT that accepts replies from other ports of a contacted host (restricted cone, possibly full cone); hole punching works.</source>
        <translation>接受已联系主机其他端口回复的锥形 NAT（受限锥形，也可能是完全锥形）；可以打洞。</translation>
    </message>
    <message>
        <source>Port-restricted cone NAT: one public port for all destinations, open only to endpoints contacted first; hole punching works.</source>
        <translation>端口受限锥形 NAT：所有目标共用一个公网端口，只对先联系过的端点开放；可以打洞。</translation>
    </message>
    <message>
        <source>Cone NAT: one public port for all destinations; hole punching works.</source>
        <translation>锥形 NAT：所有目标共用一个公网端口；可以打洞。</translation>
    </message>
</context>
<context>
    <name>PeerConnector</name>
    <message>
        <source>not connected to the server</source>
        <translation>未连接到服务器</translation>
    </message>
    <message>
        <source>the server did not answer the connect request</source>
        <translation>服务器没有应答连接请求</translation>
    </message>
    <message>
        <source>both devices are behind symmetric NATs</source>
        <translation>两台设备都位于对称型 NAT 之后</translation>
    </message>
    <message>
        <source>the peer is behind a symmetric NAT</source>
        <translation>对方位于对称型 NAT 之后</translation>
    </message>
    <message>
        <source>this device is behind a symmetric NAT</source>
        <translation>本设备位于对称型 NAT 之后</translation>
    </message>
    <message>
        <source>hole punch timed out</source>
        <translation>打洞超时</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>%1 × %2 cannot be punched with TCP; relayed at once</source>
        <translation>%1 × %2 无法进行 TCP 打洞；已直接使用中继</translation>
    </message>
    <message>
        <source>relay requested</source>
        <translation>要求使用中继</translation>
    </message>
    <message>
        <source>the sender asked for the relay</source>
        <translation>发送方要求使用中继</translation>
    </message>
    <message>
        <source>no direct connection to %1 could be made and the relay is not allowed (--no-relay): %2</source>
        <translation>无法与 %1 建立直连，且不允许使用中继（--no-relay）：%2</translation>
    </message>
    <message>
        <source>no direct connection to %1 could be made and the relay is not available: %2</source>
        <translation>无法与 %1 建立直连，且中继不可用：%2</translation>
    </message>
    <message>
        <source>the relay could not connect us: %1</source>
        <translation>中继无法连接双方：%1</translation>
    </message>
    <message>
        <source>end-to-end encryption through the relay failed: %1</source>
        <translation>经由中继的端到端加密失败：%1</translation>
    </message>
    <message>
        <source>cannot reach %1 on the local network: %2</source>
        <translation>无法在局域网中连接到 %1：%2</translation>
    </message>
    <message>
        <source>the server introduced device %1 instead of %2</source>
        <translation>服务器介绍的是设备 %1，而不是 %2</translation>
    </message>
</context>
<context>
    <name>PeerResolver</name>
    <message>
        <source>%1 and %2 more</source>
        <translation>%1 等（另有 %2 个）</translation>
    </message>
    <message>
        <source>no peer given</source>
        <translation>没有指定设备</translation>
    </message>
    <message>
        <source>device %1 is not online</source>
        <translation>设备 %1 不在线</translation>
    </message>
    <message>
        <source>&quot;%1&quot; matches several devices: %2</source>
        <translation>“%1”匹配多台设备：%2</translation>
    </message>
    <message>
        <source>no online peer matches &quot;%1&quot;</source>
        <translation>没有与“%1”匹配的在线设备</translation>
    </message>
    <message>
        <source>&quot;%1&quot; needs at least %2 characters of a device ID</source>
        <translation>“%1”至少需要设备 ID 的 %2 个字符</translation>
    </message>
    <message>
        <source>several online devices are called &quot;%1&quot;: %2; use id: and the device ID</source>
        <translation>有多台在线设备名为“%1”：%2；请使用 id: 加设备 ID</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::ContactListModel</name>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>On this network</source>
        <translation>在此网络中</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Device ID: %1</source>
        <translation>设备 ID：%1</translation>
    </message>
    <message>
        <source>NAT type: %1</source>
        <translation>NAT 类型：%1</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Not a contact yet</source>
        <translation>还不是联系人</translation>
    </message>
    <message>
        <source>Pinned contact: its key is known from an earlier transfer</source>
        <translation>已固定的联系人：它的密钥来自之前的一次传输</translation>
    </message>
    <message>
        <source>Not a contact yet: compare the verification code with its owner before the first transfer</source>
        <translation>还不是联系人：第一次传输前请与其主人核对验证码</translation>
    </message>
    <message>
        <source>Verified contact · always accepted</source>
        <translation>已核对的联系人 · 始终接受</translation>
    </message>
    <message>
        <source>Verified contact</source>
        <translation>已核对的联系人</translation>
    </message>
    <message>
        <source>Contact · always accepted</source>
        <translation>联系人 · 始终接受</translation>
    </message>
    <message>
        <source>Laptop</source>
        <translation>笔记本电脑</translation>
    </message>
    <message>
        <source>%1 laptop</source>
        <extracomment>%1 is an operating system: &quot;Linux&quot;, &quot;Windows&quot; or &quot;macOS&quot;</extracomment>
        <translation>%1 笔记本电脑</translation>
    </message>
    <message>
        <source>Desktop computer</source>
        <translation>台式电脑</translation>
    </message>
    <message>
        <source>%1 desktop computer</source>
        <extracomment>%1 is an operating system: &quot;Linux&quot;, &quot;Windows&quot; or &quot;macOS&quot;</extracomment>
        <translation>%1 台式电脑</translation>
    </message>
    <message>
        <source>Server</source>
        <extracomment>A device running PunchDrop without a window (its command line)</extracomment>
        <translation>服务器</translation>
    </message>
    <message>
        <source>%1 server</source>
        <extracomment>A device running PunchDrop without a window (its command line); %1 is an operating system: &quot;Linux&quot;, &quot;Windows&quot; or &quot;macOS&quot;</extracomment>
        <translation>%1 服务器</translation>
    </message>
    <message>
        <source>%1 device</source>
        <extracomment>A device that did not say what kind it is; %1 is an operating system: &quot;Linux&quot;, &quot;Windows&quot; or &quot;macOS&quot;</extracomment>
        <translation>%1 设备</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::ContactTableModel</name>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Tick once you have compared this device ID with the one shown at the top of PunchDrop&apos;s window on that device (in person or by phone).</source>
        <translation>当面或通过电话，将此设备 ID 与该设备上 PunchDrop 窗口顶部显示的 ID 核对一致后再勾选。</translation>
    </message>
    <message>
        <source>Accept files from this contact without asking.</source>
        <translation>不经询问直接接收此联系人的文件。</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>已核对</translation>
    </message>
    <message>
        <source>Not verified</source>
        <translation>未核对</translation>
    </message>
    <message>
        <source>Without asking</source>
        <translation>不询问</translation>
    </message>
    <message>
        <source>Ask</source>
        <translation>询问</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Last transfer</source>
        <translation>上次传输</translation>
    </message>
    <message>
        <source>ID verified</source>
        <translation>ID 已核对</translation>
    </message>
    <message>
        <source>Always accept</source>
        <translation>始终接受</translation>
    </message>
    <message>
        <source>Device ID</source>
        <translation>设备 ID</translation>
    </message>
    <message>
        <source>Last seen %1</source>
        <translation>最后在线 %1</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::ContactsDialog</name>
    <message>
        <source>Contacts</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Devices you have exchanged files with. PunchDrop knows each one by its key (the device ID); the name is only a label you can change.</source>
        <translation>与你互传过文件的设备。PunchDrop 通过密钥（设备 ID）识别每台设备；名称只是一个你可以修改的标签。</translation>
    </message>
    <message>
        <source>No contacts yet. A device becomes a contact after the first transfer you accepted or sent.</source>
        <translation>还没有联系人。你接受或发送第一次传输后，对方设备就会成为联系人。</translation>
    </message>
    <message>
        <source>A contact&apos;s key changes only if PunchDrop is reinstalled there (or someone pretends to be it): its files are then refused with &quot;has a new key&quot;. Ask its owner for the device ID shown at the top of their window. If it is right, forget the old contact here: the next transfer asks you again and shows a verification code.</source>
        <translation>只有在对方重新安装 PunchDrop（或有人冒充它）时，联系人的密钥才会改变：此时它的文件会以“密钥已更换”被拒收。请向设备主人索取其窗口顶部显示的设备 ID。如果核对无误，在这里忘记旧联系人：下次传输会再次询问你并显示验证码。</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Forget</source>
        <translation>忘记</translation>
    </message>
    <message>
        <source>Remove this contact: no more automatic acceptance, and its next transfer asks you again</source>
        <translation>移除此联系人：不再自动接受，它的下次传输会再次询问你</translation>
    </message>
    <message>
        <source>Forget contact</source>
        <translation>忘记联系人</translation>
    </message>
    <message>
        <source>Forget %1?</source>
        <translation>忘记 %1？</translation>
    </message>
    <message>
        <source>Its files will no longer be accepted without asking. Its next transfer asks you again and shows a verification code.</source>
        <translation>它的文件将不再被自动接受。它的下次传输会再次询问你，并显示验证码。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::DeviceIdQrDialog</name>
    <message>
        <source>Device ID of %1</source>
        <translation>%1 的设备 ID</translation>
    </message>
    <message>
        <source>Scan this code with another device&apos;s camera to read the device ID of “%1”, then look it up there with Find a device.</source>
        <translation>用另一台设备的摄像头扫描此二维码，即可读取“%1”的设备 ID，然后在那台设备上用“查找设备”找到它。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::EngineBackend</name>
    <message>
        <source>reconnecting: %1</source>
        <translation>正在重新连接：%1</translation>
    </message>
    <message>
        <source>PunchDrop is not connected</source>
        <translation>PunchDrop 未连接</translation>
    </message>
    <message>
        <source>PunchDrop is not running</source>
        <translation>PunchDrop 未在运行</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::FailureText</name>
    <message>
        <source>%1 declined.</source>
        <translation>%1 拒绝了。</translation>
    </message>
    <message>
        <source>You declined.</source>
        <translation>你拒绝了。</translation>
    </message>
    <message>
        <source>%1 is offline — open PunchDrop there, then retry.</source>
        <translation>%1 不在线 — 请在那台设备上打开 PunchDrop，然后重试。</translation>
    </message>
    <message>
        <source>That is this device: choose another one.</source>
        <translation>这就是本设备：请选择另一台设备。</translation>
    </message>
    <message>
        <source>No direct path to %1, and the server does not relay — try on the same network, or set a server that relays.</source>
        <translation>无法直接连接到 %1，且服务器不提供中继 — 请在同一网络中重试，或设置一个提供中继的服务器。</translation>
    </message>
    <message>
        <source>The server is busy — retry in a minute.</source>
        <translation>服务器繁忙 — 请一分钟后重试。</translation>
    </message>
    <message>
        <source>The server is older than this app — update the server.</source>
        <translation>服务器版本比本应用旧 — 请更新服务器。</translation>
    </message>
    <message>
        <source>Not connected to the server — check the internet connection, then retry.</source>
        <translation>未连接到服务器 — 请检查网络连接，然后重试。</translation>
    </message>
    <message>
        <source>The server did not answer — check the internet connection, then retry.</source>
        <translation>服务器没有回应 — 请检查网络连接，然后重试。</translation>
    </message>
    <message>
        <source>%1 could not prove who it is — nothing was sent. Retry; if it keeps failing, compare device IDs.</source>
        <translation>%1 无法证明自己的身份 — 没有发送任何内容。请重试；如果一直失败，请核对设备 ID。</translation>
    </message>
    <message>
        <source>Another device answered in place of %1 — nothing was sent.</source>
        <translation>另一台设备冒充 %1 作出了回应 — 没有发送任何内容。</translation>
    </message>
    <message>
        <source>%1 isn&apos;t answering — is PunchDrop open there?</source>
        <translation>%1 没有回应 — 那台设备上打开 PunchDrop 了吗？</translation>
    </message>
    <message>
        <source>%1 runs a PunchDrop this one does not understand — update both devices.</source>
        <translation>%1 运行的 PunchDrop 版本与本机不兼容 — 请更新两台设备。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>The files arrived damaged and were not kept — retry.</source>
        <translation>文件在传输中损坏，未被保留 — 请重试。</translation>
    </message>
    <message>
        <source>%1 has no room for these files — free space there, then retry.</source>
        <translation>%1 没有足够空间存放这些文件 — 请在那里释放空间，然后重试。</translation>
    </message>
    <message>
        <source>Not enough free space here — free some, then ask %1 to send again.</source>
        <translation>本机可用空间不足 — 请释放一些空间，然后请 %1 重新发送。</translation>
    </message>
    <message>
        <source>%1 could not save the files — check its download folder, then retry.</source>
        <translation>%1 无法保存文件 — 请检查它的下载文件夹，然后重试。</translation>
    </message>
    <message>
        <source>Could not save the files — check the download folder in Settings.</source>
        <translation>无法保存文件 — 请在设置中检查下载文件夹。</translation>
    </message>
    <message>
        <source>Could not read the files here — are they still there?</source>
        <translation>无法读取本机上的文件 — 它们还在吗？</translation>
    </message>
    <message>
        <source>%1 could not read its files — ask it to send again.</source>
        <translation>%1 无法读取它的文件 — 请对方重新发送。</translation>
    </message>
    <message>
        <source>A file name would have landed outside the download folder — refused.</source>
        <translation>有文件名会把文件放到下载文件夹之外 — 已拒绝。</translation>
    </message>
    <message>
        <source>%1 stopped answering — retry; it continues where it stopped.</source>
        <translation>%1 停止了回应 — 请重试；将从中断处继续。</translation>
    </message>
    <message>
        <source>%1 is busy receiving other files — retry in a moment.</source>
        <translation>%1 正忙于接收其他文件 — 请稍后重试。</translation>
    </message>
    <message>
        <source>Something went wrong inside PunchDrop — retry.</source>
        <translation>PunchDrop 内部出错 — 请重试。</translation>
    </message>
    <message>
        <source>%1 is not on this network, and no server is set to reach it elsewhere — set one in Settings.</source>
        <translation>%1 不在此网络中，也没有设置服务器来连接其他网络中的设备 — 请在设置中设置一个服务器。</translation>
    </message>
    <message>
        <source>The connection to %1 was lost — retry; it continues where it stopped.</source>
        <translation>与 %1 的连接中断 — 请重试；将从中断处继续。</translation>
    </message>
    <message>
        <source>The connection to %1 was lost.</source>
        <translation>与 %1 的连接中断。</translation>
    </message>
    <message>
        <source>The transfer failed.</source>
        <translation>传输失败。</translation>
    </message>
    <message>
        <source>%1 did not follow the verification code exchange — nothing was sent. Retry; if it happens again, compare device IDs.</source>
        <translation>%1 未遵循验证码交换流程——未发送任何内容。请重试；如果再次发生，请核对设备 ID。</translation>
    </message>
    <message>
        <source>%1 has a new key — ask its owner for the device ID at the top of their window; if it is right, forget the old contact in Contacts, then ask for the files again.</source>
        <translation>%1 的密钥已更换——请向设备主人索取其窗口顶部的设备 ID；如果核对无误，在“联系人”中忘记旧联系人，然后请对方重新发送文件。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::IncomingOfferDialog</name>
    <message>
        <source>Incoming files from %1</source>
        <translation>来自 %1 的文件</translation>
    </message>
    <message>
        <source>%1 wants to send you files</source>
        <translation>%1 想给你发送文件</translation>
    </message>
    <message>
        <source>First contact with this device. Verification code:</source>
        <translation>首次与此设备联系。验证码：</translation>
    </message>
    <message>
        <source>Accept only if %1 sees the same code.</source>
        <translation>仅当 %1 看到相同的验证码时才接受。</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>接受</translation>
    </message>
    <message>
        <source>Always accept from this contact</source>
        <translation>总是接受此联系人的文件</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>Files: %1 · Folders: %2 · Total size: %3</source>
        <translation>文件数：%1 · 文件夹数：%2 · 总大小：%3</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::InstanceChannel</name>
    <message>
        <source>Too many files for one launch.</source>
        <translation>一次启动传入的文件太多。</translation>
    </message>
    <message>
        <source>The running PunchDrop did not answer.</source>
        <translation>正在运行的 PunchDrop 没有回应。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::MainWindow</name>
    <message>
        <source>Quit PunchDrop?</source>
        <translation>退出 PunchDrop？</translation>
    </message>
    <message>
        <source>Transfers are still running. Quitting stops them.</source>
        <translation>仍有传输正在进行。退出将中止它们。</translation>
    </message>
    <message>
        <source>Quit anyway</source>
        <translation>仍然退出</translation>
    </message>
    <message>
        <source>Keep running</source>
        <translation>继续运行</translation>
    </message>
    <message>
        <source>Incoming files</source>
        <translation>收到文件</translation>
    </message>
    <message>
        <source>Copy device ID</source>
        <translation>复制设备 ID</translation>
    </message>
    <message>
        <source>PunchDrop</source>
        <translation>PunchDrop</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Send files…</source>
        <translation>发送文件…</translation>
    </message>
    <message>
        <source>Send &amp;files…</source>
        <translation>发送文件(&amp;F)…</translation>
    </message>
    <message>
        <source>Send a f&amp;older…</source>
        <translation>发送文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Copy ID</source>
        <translation>复制 ID</translation>
    </message>
    <message>
        <source>Copy this device&apos;s ID to the clipboard</source>
        <translation>将本设备的 ID 复制到剪贴板</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Select a contact that is online first</source>
        <translation>请先选择一个在线的联系人</translation>
    </message>
    <message>
        <source>Send files</source>
        <translation>发送文件</translation>
    </message>
    <message>
        <source>Send a folder</source>
        <translation>发送文件夹</translation>
    </message>
    <message>
        <source>Transfer finished</source>
        <translation>传输完成</translation>
    </message>
    <message>
        <source>Transfer failed</source>
        <translation>传输失败</translation>
    </message>
    <message>
        <source>Transfer declined</source>
        <translation>传输被拒绝</translation>
    </message>
    <message>
        <source>Settings not saved</source>
        <translation>设置未保存</translation>
    </message>
    <message>
        <source>The settings could not be saved: %1</source>
        <translation>无法保存设置：%1</translation>
    </message>
    <message>
        <source>Device ID copied</source>
        <translation>设备 ID 已复制</translation>
    </message>
    <message>
        <source>PunchDrop is still running</source>
        <translation>PunchDrop 仍在运行</translation>
    </message>
    <message>
        <source>Your transfers continue in the background.</source>
        <translation>你的传输会在后台继续。</translation>
    </message>
    <message>
        <source>It keeps receiving files. Quit from the tray menu.</source>
        <translation>它会继续接收文件。可从托盘菜单退出。</translation>
    </message>
    <message>
        <source>%1 wants to send you files (files: %2 · %3)</source>
        <translation>%1 想给你发送文件（文件数：%2 · %3）</translation>
    </message>
    <message>
        <source>No devices yet.
Devices running PunchDrop on this network appear here; with a server set in Settings, so do your contacts on the internet. Find anyone else by their device ID or name (Ctrl+F).
Drop files on a contact to send them.</source>
        <translation>还没有设备。
在此网络中运行 PunchDrop 的设备会显示在这里；在设置中填写服务器后，你在互联网上的联系人也会显示。其他人可以按设备 ID 或名称查找（Ctrl+F）。
把文件拖放到联系人上即可发送。</translation>
    </message>
    <message>
        <source>&amp;Find a device…</source>
        <translation>查找设备(&amp;F)…</translation>
    </message>
    <message>
        <source>Find a device by its ID or name</source>
        <translation>按 ID 或名称查找设备</translation>
    </message>
    <message>
        <source>Find a device</source>
        <translation>查找设备</translation>
    </message>
    <message>
        <source>Device ID (or its first characters) or display name:</source>
        <translation>设备 ID（或其开头几个字符）或显示名称：</translation>
    </message>
    <message>
        <source>Looking for “%1”…</source>
        <translation>正在查找“%1”…</translation>
    </message>
    <message>
        <source>No device found for “%1”.</source>
        <translation>没有找到“%1”对应的设备。</translation>
    </message>
    <message>
        <source>Found %1: drop files on it to send.</source>
        <translation>已找到 %1：把文件拖放到它上面即可发送。</translation>
    </message>
    <message>
        <source>Found %1.</source>
        <translation>已找到 %1。</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>There is no system tray to keep PunchDrop in, so closing the window quits it: the running transfers stop, and this device stops receiving files.</source>
        <translation>没有系统托盘可以让 PunchDrop 留在后台，所以关闭窗口就会退出：正在进行的传输会停止，本设备也不再接收文件。</translation>
    </message>
    <message>
        <source>There is no system tray to keep PunchDrop in, so closing the window quits it: this device stops receiving files.</source>
        <translation>没有系统托盘可以让 PunchDrop 留在后台，所以关闭窗口就会退出：本设备将不再接收文件。</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Find a device…</source>
        <translation>查找设备…</translation>
    </message>
    <message>
        <source>Find a device by its ID, the first characters of its ID, or its name (Ctrl+F)</source>
        <translation>按设备 ID、ID 的开头几个字符或名称查找设备（Ctrl+F）</translation>
    </message>
    <message>
        <source>Manage contact…</source>
        <translation>管理联系人…</translation>
    </message>
    <message>
        <source>&amp;Contacts…</source>
        <translation>联系人(&amp;C)…</translation>
    </message>
    <message>
        <source>See who you trust: rename, verify or forget contacts</source>
        <translation>查看你信任的设备：重命名、核对或忘记联系人</translation>
    </message>
    <message>
        <source>Port mapping off</source>
        <translation>端口映射已关闭</translation>
    </message>
    <message>
        <source>Asking the router for a port mapping…</source>
        <translation>正在向路由器请求端口映射…</translation>
    </message>
    <message>
        <source>Port mapped via NAT-PMP</source>
        <translation>已通过 NAT-PMP 映射端口</translation>
    </message>
    <message>
        <source>Port mapped via PCP</source>
        <translation>已通过 PCP 映射端口</translation>
    </message>
    <message>
        <source>Port mapped via UPnP</source>
        <translation>已通过 UPnP 映射端口</translation>
    </message>
    <message>
        <source>No port mapping: the router does not answer UPnP, NAT-PMP or PCP</source>
        <translation>无端口映射：路由器不响应 UPnP、NAT-PMP 或 PCP</translation>
    </message>
    <message>
        <source>Port mapping is not available in this build</source>
        <translation>此版本不支持端口映射</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::PendingFilesBar</name>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Ready to send “%1”: choose a contact, then Send.</source>
        <translation>准备发送“%1”：请选择联系人，然后点“发送”。</translation>
    </message>
    <message>
        <source>Ready to send %1 items: choose a contact, then Send.</source>
        <translation>准备发送 %1 项：请选择联系人，然后点“发送”。</translation>
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
        <translation>设备 ID：%1</translation>
    </message>
    <message>
        <source>Others find this device by this ID (or its first characters).</source>
        <translation>其他人可以通过这个 ID（或它的开头几个字符）找到本设备。</translation>
    </message>
    <message>
        <source>QR code</source>
        <translation>二维码</translation>
    </message>
    <message>
        <source>Show the device ID as a QR code, for another device&apos;s camera</source>
        <translation>以二维码显示设备 ID，供另一台设备的摄像头扫描</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::SettingsDialog</name>
    <message>
        <source>Please enter a name other devices will see.</source>
        <translation>请输入其他设备将看到的名称。</translation>
    </message>
    <message>
        <source>The server address must look like host or host:port (for example punchdrop.example.org or 203.0.113.5:8877), or stay empty for LAN only.</source>
        <translation>服务器地址的格式必须是 主机 或 主机:端口（例如 punchdrop.example.org 或 203.0.113.5:8877），或留空以仅使用局域网。</translation>
    </message>
    <message>
        <source>Please choose a folder for received files.</source>
        <translation>请选择接收文件的文件夹。</translation>
    </message>
    <message>
        <source>Folder for received files</source>
        <translation>接收文件的文件夹</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Your name:</source>
        <translation>你的名称：</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <source>Save received files in:</source>
        <translation>接收的文件保存到：</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>The name other devices see</source>
        <translation>其他设备看到的名称</translation>
    </message>
    <message>
        <source>The rendezvous server as host or host:port (port 8877 if none is given). Leave empty to find devices on this network only.</source>
        <translation>会合服务器，格式为 主机 或 主机:端口（未给出端口时为 8877）。留空则只查找此网络中的设备。</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Start minimized to the tray</source>
        <translation>启动时最小化到托盘</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Find devices on this network (LAN discovery)</source>
        <translation>查找此网络中的设备（局域网发现）</translation>
    </message>
    <message>
        <source>Announces this device on the local network and lists the others running PunchDrop there, without a server.</source>
        <translation>在局域网中公布本设备，并列出那里其他运行 PunchDrop 的设备，无需服务器。</translation>
    </message>
    <message>
        <source>Ask the router to forward a port (UPnP / NAT-PMP / PCP)</source>
        <translation>请求路由器转发端口（UPnP / NAT-PMP / PCP）</translation>
    </message>
    <message>
        <source>More devices can then connect directly instead of through the server&apos;s relay.</source>
        <translation>这样更多设备可以直接连接，而不必经过服务器中继。</translation>
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
        <translation>剩余 %1 秒</translation>
    </message>
    <message>
        <source>%1 min left</source>
        <translation>剩余 %1 分钟</translation>
    </message>
    <message>
        <source>%1 h %2 min left</source>
        <translation>剩余 %1 小时 %2 分钟</translation>
    </message>
    <message>
        <source>%1 days left</source>
        <translation>剩余 %1 天</translation>
    </message>
    <message>
        <source>Direct · TCP punch</source>
        <translation>直连 · TCP 打洞</translation>
    </message>
    <message>
        <source>Direct · LAN</source>
        <translation>直连 · 局域网</translation>
    </message>
    <message>
        <source>Relayed</source>
        <translation>中继</translation>
    </message>
    <message>
        <source>Relayed (%1)</source>
        <translation>中继（%1）</translation>
    </message>
    <message>
        <source>Connecting</source>
        <translation>正在连接</translation>
    </message>
    <message>
        <source>Waiting for an answer</source>
        <translation>等待对方回应</translation>
    </message>
    <message>
        <source>Transferring</source>
        <translation>正在传输</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>%1 items</source>
        <translation>%1 项</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1，发送给 %2</translation>
    </message>
    <message>
        <source>%1 from %2</source>
        <translation>%1，来自 %2</translation>
    </message>
    <message>
        <source>Cancelled after %1 of %2</source>
        <translation>已取消（已传输 %1 / %2）</translation>
    </message>
    <message>
        <source>%1 sent</source>
        <translation>已发送 %1</translation>
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
        <translation>%1 · 验证码 %2</translation>
    </message>
    <message>
        <source>%1 · resumed at %2 %</source>
        <translation>%1 · 从 %2% 处续传</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>正在连接 %1…</translation>
    </message>
    <message>
        <source>Resumed at %1 %</source>
        <translation>从 %1% 处续传</translation>
    </message>
    <message>
        <source>Stalled — no data for %1 s · %2 of %3</source>
        <translation>停滞 — %1 秒没有数据 · %2 / %3</translation>
    </message>
    <message>
        <source>%1 · %2 on average</source>
        <translation>%1 · 平均 %2</translation>
    </message>
    <message>
        <source>Direct · port mapping</source>
        <translation>直连 · 端口映射</translation>
    </message>
    <message>
        <source>Direct · port guessing</source>
        <translation>直连 · 端口猜测</translation>
    </message>
    <message>
        <source>Relayed → %1</source>
        <translation>中继 → %1</translation>
    </message>
    <message>
        <source>%1 → Relayed</source>
        <translation>%1 → 中继</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TransferListModel</name>
    <message>
        <source>Folder: %1</source>
        <translation>文件夹：%1</translation>
    </message>
    <message>
        <source>Verification code: %1</source>
        <translation>验证码：%1</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>详情：%1</translation>
    </message>
    <message>
        <source>Finished: %1</source>
        <translation>完成于：%1</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::TransferPanel</name>
    <message>
        <source>Transfers</source>
        <translation>传输</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the selected transfer</source>
        <translation>停止所选传输</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Send the selected transfer again, resuming where it stopped</source>
        <translation>重新发送所选传输，从中断处继续</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开文件夹</translation>
    </message>
    <message>
        <source>Show the files in the file manager</source>
        <translation>在文件管理器中显示这些文件</translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation>清除已完成</translation>
    </message>
    <message>
        <source>No file manager could open the folder. The files are in:</source>
        <translation>没有文件管理器能打开这个文件夹。文件在：</translation>
    </message>
    <message>
        <source>Transfer details</source>
        <translation>传输详情</translation>
    </message>
    <message>
        <source>Details…</source>
        <translation>详情…</translation>
    </message>
    <message>
        <source>Everything about the selected transfer, to read in full or copy</source>
        <translation>所选传输的全部信息，可完整阅读或复制</translation>
    </message>
    <message>
        <source>Drop files here to send them to the selected contact</source>
        <translation>将文件拖放到这里，发送给所选联系人</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <source>No application could open the file. It is at:</source>
        <translation>没有应用程序能打开该文件。它位于：</translation>
    </message>
    <message>
        <source>Open the received file with its usual application</source>
        <translation>用常用的应用程序打开收到的文件</translation>
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
        <translation>隐藏窗口</translation>
    </message>
    <message>
        <source>Show window</source>
        <translation>显示窗口</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::VerificationBanner</name>
    <message>
        <source>Verification code for %1</source>
        <translation>与 %1 的验证码</translation>
    </message>
    <message>
        <source>%1 sees this code before accepting. If the codes differ, cancel: someone may be in between.</source>
        <translation>%1 在接受前会看到这个验证码。如果两边的验证码不同，请取消：可能有人在中间拦截。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::Gui::WelcomePanel</name>
    <message>
        <source>Welcome to PunchDrop</source>
        <translation>欢迎使用 PunchDrop</translation>
    </message>
    <message>
        <source>Others see this device as “%1”. Choose a name they will recognise in Settings.</source>
        <translation>其他人看到的本设备名称是“%1”。请在设置中选一个他们认得出的名称。</translation>
    </message>
    <message>
        <source>Devices running PunchDrop on this network appear on the left by themselves: drop files on one to send them. Nothing else is needed.</source>
        <translation>本网络中运行 PunchDrop 的设备会自动出现在左侧：把文件拖到设备上即可发送。无需其他设置。</translation>
    </message>
    <message>
        <source>Server: %1. Devices that use the same server can reach you from anywhere; it only introduces you, and relays the encrypted data when no direct path works.</source>
        <translation>服务器：%1。使用同一服务器的设备可以从任何地方连接到你；服务器只负责介绍双方，并在无法直连时中继加密数据。</translation>
    </message>
    <message>
        <source>The first transfer with a device shows the same verification code on both screens: compare it with the other person before accepting.</source>
        <translation>与某台设备的第一次传输会在双方屏幕上显示相同的验证码：接受前请与对方核对。</translation>
    </message>
    <message>
        <source>Open Settings…</source>
        <translation>打开设置…</translation>
    </message>
    <message>
        <source>Got it</source>
        <translation>知道了</translation>
    </message>
    <message>
        <source>To reach devices elsewhere on the internet, both sides need the same PunchDrop server. There is no default server, so nothing passes through a machine you did not choose. Anyone can run one on a computer with a public address (&quot;punchdrop --server&quot;; see &quot;%1&quot; in the installation guide), then enter its address in Settings.</source>
        <translation>要连接互联网上其他地方的设备，双方需要使用同一个 PunchDrop 服务器。没有默认服务器，因此任何数据都不会经过你未选择的机器。任何人都可以在有公网地址的计算机上运行一个（“punchdrop --server”；见安装指南中的“%1”一节），然后在设置中填写它的地址。</translation>
    </message>
    <message>
        <source>Finding devices on this network is off (Settings): devices appear only through a server.</source>
        <translation>本网络设备发现已关闭（设置）：设备只能通过服务器出现。</translation>
    </message>
</context>
<context>
    <name>PunchDrop::TlsBackend</name>
    <message>
        <source>TLS 1.3 is not available (Qt&apos;s TLS backend: %1; installed: %2). PunchDrop needs Qt&apos;s OpenSSL backend and the OpenSSL 3 libraries; reinstall PunchDrop.</source>
        <translation>TLS 1.3 不可用（Qt 的 TLS 后端：%1；已安装：%2）。PunchDrop 需要 Qt 的 OpenSSL 后端和 OpenSSL 3 库；请重新安装 PunchDrop。</translation>
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
        <translation>无法加载本设备的身份：%1</translation>
    </message>
</context>
<context>
    <name>RecipientResolver</name>
    <message>
        <source>several contacts are called &quot;%1&quot; (%2); use id: and the device ID</source>
        <translation>有多个联系人名为“%1”（%2）；请使用 id: 加设备 ID</translation>
    </message>
    <message>
        <source>the server answered &quot;%1&quot; with device %2 (&quot;%3&quot;), which does not match it</source>
        <translation>服务器对“%1”的应答是设备 %2（“%3”），与查询不符</translation>
    </message>
    <message>
        <source>device %1 calls itself &quot;%2&quot;, the name of your contact %3, but it is not that contact; if it is a new device of theirs, send to its full device ID and compare the verification code</source>
        <translation>设备 %1 自称“%2”，这是你的联系人 %3 的名称，但它并不是该联系人；如果这是对方的新设备，请发送到它的完整设备 ID 并核对验证码</translation>
    </message>
</context>
<context>
    <name>SafePath</name>
    <message>
        <source>unsafe path &quot;%1&quot;: empty</source>
        <translation>不安全的路径“%1”：为空</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: longer than %2 bytes</source>
        <translation>不安全的路径“%1”：超过 %2 字节</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: absolute or UNC path</source>
        <translation>不安全的路径“%1”：绝对路径或 UNC 路径</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: drive letter</source>
        <translation>不安全的路径“%1”：包含盘符</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: deeper than %2 levels</source>
        <translation>不安全的路径“%1”：层级超过 %2 层</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: empty component</source>
        <translation>不安全的路径“%1”：包含空的路径段</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: &apos;.&apos; or &apos;..&apos; component</source>
        <translation>不安全的路径“%1”：包含“.”或“..”路径段</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: a name longer than %2 bytes</source>
        <translation>不安全的路径“%1”：有名称超过 %2 字节</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;: a name made only of dots, spaces or nothing</source>
        <translation>不安全的路径“%1”：有名称只由点、空格组成或为空</translation>
    </message>
    <message>
        <source>unsafe path &quot;%1&quot;</source>
        <translation>不安全的路径“%1”</translation>
    </message>
    <message>
        <source>refusing to follow the symlink &quot;%1&quot;</source>
        <translation>拒绝跟随符号链接“%1”</translation>
    </message>
    <message>
        <source>&quot;%1&quot; exists and is not a folder</source>
        <translation>“%1”已存在且不是文件夹</translation>
    </message>
    <message>
        <source>cannot create the folder &quot;%1&quot;</source>
        <translation>无法创建文件夹“%1”</translation>
    </message>
</context>
<context>
    <name>TransferEngine</name>
    <message>
        <source>cannot listen for LAN transfers: %1</source>
        <translation>无法监听局域网传输：%1</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>%1 is not reachable: no server is configured and it is not on the local network</source>
        <translation>无法连接到 %1：没有配置服务器，且它不在局域网中</translation>
    </message>
    <message>
        <source>asked for %1 on the local network, but %2 answered: another device may be impersonating it. Nothing was sent.</source>
        <translation>在局域网中要连接的是 %1，但应答的是 %2：可能有其他设备在冒充它。没有发送任何内容。</translation>
    </message>
    <message>
        <source>asked for %1, but the connection led to %2: the rendezvous server may be lying or compromised. Nothing was sent.</source>
        <translation>要连接的是 %1，但连接到的是 %2：会合服务器可能在撒谎或已被攻破。没有发送任何内容。</translation>
    </message>
</context>
<context>
    <name>TransferHistory</name>
    <message>
        <source>cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>The transfer history could not be read (%1); it was set aside as %2.</source>
        <translation>无法读取传输历史（%1）；已将其另存为 %2。</translation>
    </message>
    <message>
        <source>The transfer history %1 could not be read (%2).</source>
        <translation>无法读取传输历史 %1（%2）。</translation>
    </message>
    <message>
        <source>cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
</context>
</TS>
