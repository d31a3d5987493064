// SPDX-License-Identifier: GPL-3.0-or-later
// ControlLink on real loopback sockets: the TLS 1.3 handshake over memory BIOs, the exported-key
// record layer, and every way a peer can get it wrong (tampering, bad lengths, no certificate,
// wrong or missing ALPN, an unexpected server).

#include "net/security/controllink.h"
#include "net/security/deviceidentity.h"
#include "support/testhelpers.h"

#include <QPointer>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QtEndian>

#include <memory>

using namespace PunchDrop;

namespace {
//! Hands out accepted descriptors, like the rendezvous server after its first-byte sniff.
class DescriptorServer : public QTcpServer
{
public:
    QList<qintptr> descriptors;

protected:
    void incomingConnection(qintptr fd) override { descriptors.append(fd); }
};

/*!
 * A TCP man-in-the-middle between a client and a server link: forwards both ways, and on request
 * flips a bit of the client's next chunk or holds the client's bytes to release them at once.
 */
class TamperProxy : public QObject
{
public:
    bool listen(quint16 target)
    {
        m_target = target;
        connect(&m_listener, &QTcpServer::newConnection, this, [this] {
            m_client = m_listener.nextPendingConnection();
            connect(m_client, &QIODevice::readyRead, this, &TamperProxy::fromClient);
            connect(&m_upstream, &QAbstractSocket::connected, this, [this] {
                m_upstream.write(m_early);
                m_early.clear();
            });
            connect(&m_upstream, &QIODevice::readyRead, this, [this] {
                if (holdAfterServerSpeaks)
                    hold = true;
                m_client->write(m_upstream.readAll());
            });
            connect(&m_upstream, &QAbstractSocket::disconnected, m_client,
                [this] { m_client->disconnectFromHost(); });
            connect(m_client, &QAbstractSocket::disconnected, this,
                [this] { m_upstream.disconnectFromHost(); });
            m_upstream.connectToHost(QHostAddress::LocalHost, m_target);
        });
        return m_listener.listen(QHostAddress::LocalHost, 0);
    }
    quint16 port() const { return m_listener.serverPort(); }

    void release()
    {
        hold = false;
        m_upstream.write(held);
        held.clear();
    }

    bool flipNextClientChunk = false;
    bool holdAfterServerSpeaks = false;
    bool hold = false;
    QByteArray held;
    qint64 fromClientTotal = 0;

private:
    void fromClient()
    {
        QByteArray data = m_client->readAll();
        fromClientTotal += data.size();
        if (flipNextClientChunk && !data.isEmpty()) {
            data[data.size() - 1] = char(data.at(data.size() - 1) ^ 0x01); // inside the tag
            flipNextClientChunk = false;
        }
        if (hold)
            held += data;
        else if (m_upstream.state() == QAbstractSocket::ConnectedState)
            m_upstream.write(data);
        else
            m_early += data;
    }

    QTcpServer m_listener;
    QTcpSocket *m_client = nullptr;
    QTcpSocket m_upstream;
    QByteArray m_early;
    quint16 m_target = 0;
};

//! Records what one link reports.
struct Observer
{
    explicit Observer(ControlLink *link)
        : done(link, &ControlLink::handshakeDone)
        , errors(link, &ControlLink::errorOccurred)
        , closed(link, &ControlLink::closed)
    {
        QObject::connect(link, &ControlLink::plaintextReady, link,
            [this](const QByteArray &data) { received += data; });
    }
    ControlLink::Error lastError() const
    {
        return errors.isEmpty() ? ControlLink::Error::None
                                : errors.last().at(0).value<ControlLink::Error>();
    }
    QString lastMessage() const
    {
        return errors.isEmpty() ? QString() : errors.last().at(1).toString();
    }
    QSignalSpy done;
    QSignalSpy errors;
    QSignalSpy closed;
    QByteArray received;
};

QByteArray recordHeader(quint32 length)
{
    QByteArray header(4, Qt::Uninitialized);
    qToBigEndian(length, header.data());
    return header;
}
} // namespace

class TestControlLink : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void handshakeAndBothDirections();
    void peerIdIsTheCertificateKey();
    void largeWritesSplitIntoRecords();
    void serverBacklogDrainsWhenThePeerReads();
    void firstFrameCoalescedWithHandshake();
    void flippedCiphertextIsAnIntegrityError();
    void badRecordLength_data();
    void badRecordLength();
    void truncatedRecordWaitsSilently();
    void closeDeliversTheLastFrame();
    void clientWithoutCertificateIsRefused();
    void wrongAlpnIsRefused();
    void legacyTlsClientIsRefused();
    void legacyTlsServerIsRefused();
    void unexpectedServerIsRefused();
    void garbageInsteadOfTlsIsRefused();

private:
    //! Connects a client link (through \a proxy, if given) to a server link.
    bool connectPair(const ControlLinkContext &clientContext, TamperProxy *proxy = nullptr);
    bool waitEstablished();

    DeviceIdentity m_serverIdentity = Test::ephemeralIdentity();
    DeviceIdentity m_clientIdentity = Test::ephemeralIdentity();
    ControlLinkContext m_serverContext;
    ControlLinkContext m_clientContext;
    std::unique_ptr<DescriptorServer> m_listener;
    std::unique_ptr<ControlLink> m_server;
    std::unique_ptr<ControlLink> m_client;
    std::unique_ptr<Observer> m_serverSeen;
    std::unique_ptr<Observer> m_clientSeen;
};

void TestControlLink::initTestCase()
{
    m_serverContext = ControlLinkContext(ControlLinkContext::Role::Server, m_serverIdentity);
    m_clientContext = ControlLinkContext(ControlLinkContext::Role::Client, m_clientIdentity);
    QVERIFY2(m_serverContext.isValid(), qPrintable(m_serverContext.errorString()));
    QVERIFY2(m_clientContext.isValid(), qPrintable(m_clientContext.errorString()));
}

void TestControlLink::cleanup()
{
    m_serverSeen.reset();
    m_clientSeen.reset();
    m_server.reset();
    m_client.reset();
    m_listener.reset();
}

bool TestControlLink::connectPair(const ControlLinkContext &clientContext, TamperProxy *proxy)
{
    m_listener = std::make_unique<DescriptorServer>();
    if (!m_listener->listen(QHostAddress::LocalHost, 0))
        return false;
    if (proxy && !proxy->listen(m_listener->serverPort()))
        return false;
    auto *socket = new QTcpSocket;
    socket->connectToHost(
        QHostAddress::LocalHost, proxy ? proxy->port() : m_listener->serverPort());
    if (!socket->waitForConnected(5000)) {
        delete socket;
        return false;
    }
    m_client = std::make_unique<ControlLink>(clientContext, socket);
    m_clientSeen = std::make_unique<Observer>(m_client.get());
    if (!QTest::qWaitFor([this] { return !m_listener->descriptors.isEmpty(); }, 5000))
        return false;
    m_server = std::make_unique<ControlLink>(m_serverContext, m_listener->descriptors.takeFirst());
    m_serverSeen = std::make_unique<Observer>(m_server.get());
    return true;
}

bool TestControlLink::waitEstablished()
{
    return QTest::qWaitFor(
        [this] { return m_server->isEstablished() && m_client->isEstablished(); }, 5000);
}

void TestControlLink::handshakeAndBothDirections()
{
    QVERIFY(connectPair(m_clientContext));
    QVERIFY(waitEstablished());
    QCOMPARE(m_serverSeen->done.size(), 1);
    QCOMPARE(m_clientSeen->done.size(), 1);

    QVERIFY(m_client->write("from the client"));
    QVERIFY(m_server->write("from the server"));
    QVERIFY(m_client->write(", twice"));
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->received, QByteArray("from the client, twice"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->received, QByteArray("from the server"), 5000);
    QVERIFY(m_serverSeen->errors.isEmpty());
    QVERIFY(m_clientSeen->errors.isEmpty());
    QVERIFY(m_serverSeen->closed.isEmpty());

    m_client->close();
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QCOMPARE(m_server->error(), ControlLink::Error::RemoteClosed);
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->closed.size(), 1, 5000);
    QVERIFY(!m_client->write("too late"));
}

void TestControlLink::peerIdIsTheCertificateKey()
{
    QVERIFY(connectPair(m_clientContext));
    QVERIFY(waitEstablished());
    QCOMPARE(m_server->peerId(), m_clientIdentity.id());
    QCOMPARE(m_client->peerId(), m_serverIdentity.id());
    QCOMPARE(m_serverSeen->done.first().at(0).value<DeviceId>(), m_clientIdentity.id());
    QCOMPARE(m_server->peerId(), deviceIdOfCertificate(m_clientIdentity.certificate()));
}

void TestControlLink::largeWritesSplitIntoRecords()
{
    QVERIFY(connectPair(m_clientContext));
    QVERIFY(waitEstablished());
    QByteArray big(3 * ControlLink::kMaxPlaintext + 123, Qt::Uninitialized);
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char(i * 7);
    QVERIFY(m_server->write(big));
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->received.size(), big.size(), 5000);
    QCOMPARE(m_clientSeen->received, big);
}

void TestControlLink::serverBacklogDrainsWhenThePeerReads()
{
    // The server side writes to its bare descriptor; what the kernel does not take waits in the
    // link (bytesToWrite(), the server's "not reading" guard) until the peer reads.
    QVERIFY(connectPair(m_clientContext));
    QVERIFY(waitEstablished());
    const QByteArray chunk(ControlLink::kMaxPlaintext, 'b');
    constexpr int kChunks = 128; // 8 MiB: more than loopback's socket buffers hold
    for (int i = 0; i < kChunks; ++i)
        QVERIFY(m_server->write(chunk));
    QVERIFY(m_server->bytesToWrite() > 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->received.size(), kChunks * chunk.size(), 20000);
    QCOMPARE(m_server->bytesToWrite(), 0);
    QVERIFY(m_clientSeen->received.count('b') == m_clientSeen->received.size());
}

void TestControlLink::firstFrameCoalescedWithHandshake()
{
    TamperProxy proxy;
    proxy.holdAfterServerSpeaks = true; // hold the client's Finished flight and what follows
    QVERIFY(connectPair(m_clientContext, &proxy));
    // The first frame leaves in the same call as the client's Finished flight.
    QObject::connect(m_client.get(), &ControlLink::handshakeDone, m_client.get(),
        [this] { m_client->write("first frame"); });
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->done.size(), 1, 5000);
    // The held bytes end with the whole first record (4 + 11 + 16 bytes) …
    const qsizetype recordSize = RecordCipher::kLengthSize + 11 + RecordCipher::kTagSize;
    QTRY_VERIFY_WITH_TIMEOUT(proxy.held.size() > recordSize
            && proxy.held.mid(proxy.held.size() - recordSize, 4)
                == recordHeader(quint32(11 + RecordCipher::kTagSize)),
        5000);
    QVERIFY(!m_server->isEstablished());
    // … and reach the server in one write, after the handshake records.
    proxy.release();
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->received, QByteArray("first frame"), 5000);
    QCOMPARE(m_serverSeen->done.size(), 1);
    QVERIFY(m_serverSeen->errors.isEmpty());
}

void TestControlLink::flippedCiphertextIsAnIntegrityError()
{
    TamperProxy proxy;
    QVERIFY(connectPair(m_clientContext, &proxy));
    QVERIFY(waitEstablished());
    QVERIFY(m_client->write("intact"));
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->received, QByteArray("intact"), 5000);
    proxy.flipNextClientChunk = true;
    QVERIFY(m_client->write("tampered"));
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QCOMPARE(m_serverSeen->lastError(), ControlLink::Error::Integrity);
    QVERIFY2(m_serverSeen->lastMessage().contains(u"failed authentication"),
        qPrintable(m_serverSeen->lastMessage()));
    QCOMPARE(m_serverSeen->received, QByteArray("intact")); // nothing of the tampered record
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->closed.size(), 1, 5000);
}

void TestControlLink::badRecordLength_data()
{
    QTest::addColumn<quint32>("length");
    QTest::newRow("zero") << 0u;
    QTest::newRow("tag only, no plaintext") << quint32(RecordCipher::kTagSize);
    QTest::newRow("one byte over the largest frame")
        << quint32(ControlLink::kMaxPlaintext + RecordCipher::kTagSize + 1);
    QTest::newRow("16 MiB") << quint32(16 * 1024 * 1024);
    QTest::newRow("a TLS record header") << 0x17030300u;
}

void TestControlLink::badRecordLength()
{
    QFETCH(quint32, length);
    QVERIFY(connectPair(m_clientContext));
    QVERIFY(waitEstablished());
    m_client->writeRaw(QByteArray(recordHeader(length) + QByteArray(40, 'x')));
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QCOMPARE(m_serverSeen->lastError(), ControlLink::Error::Oversize);
    QVERIFY(m_serverSeen->received.isEmpty());
}

void TestControlLink::truncatedRecordWaitsSilently()
{
    // Half a record, then silence: the link itself waits (its owner's handshake/idle deadline
    // ends it: tst_rendezvousserver::halfRecordThenSilenceIsDropped).
    QVERIFY(connectPair(m_clientContext));
    QVERIFY(waitEstablished());
    m_client->writeRaw(QByteArray(recordHeader(100) + QByteArray(10, 'x')));
    QVERIFY(!m_serverSeen->closed.wait(300));
    QVERIFY(m_server->isEstablished());
    QVERIFY(m_serverSeen->received.isEmpty());
    // The rest of a record that was not sealed with the key: an integrity error, not a hang.
    m_client->writeRaw(QByteArray(90, 'y'));
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QCOMPARE(m_serverSeen->lastError(), ControlLink::Error::Integrity);
}

void TestControlLink::closeDeliversTheLastFrame()
{
    QVERIFY(connectPair(m_clientContext));
    QVERIFY(waitEstablished());
    QVERIFY(m_server->write(QByteArray(50000, 'e')));
    m_server->close();
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->closed.size(), 1, 5000);
    QCOMPARE(m_clientSeen->received, QByteArray(50000, 'e'));
    QCOMPARE(m_client->error(), ControlLink::Error::RemoteClosed);
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QVERIFY(m_serverSeen->errors.isEmpty());
}

void TestControlLink::clientWithoutCertificateIsRefused()
{
    ControlLinkContext::Options options;
    options.presentCertificate = false;
    const ControlLinkContext anonymous(ControlLinkContext::Role::Client, m_clientIdentity, options);
    QVERIFY(anonymous.isValid());
    QVERIFY(connectPair(anonymous));
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QCOMPARE(m_serverSeen->lastError(), ControlLink::Error::Handshake);
    QVERIFY2(m_serverSeen->lastMessage().contains(u"no certificate"),
        qPrintable(m_serverSeen->lastMessage()));
    QCOMPARE(m_serverSeen->done.size(), 0);
    // TLS 1.3: the client finished first, then learns of the refusal from the server's alert.
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->closed.size(), 1, 5000);
    QCOMPARE(m_clientSeen->lastError(), ControlLink::Error::Handshake);
    QVERIFY2(m_clientSeen->lastMessage().contains(u"certificate required"),
        qPrintable(m_clientSeen->lastMessage()));
}

void TestControlLink::wrongAlpnIsRefused()
{
    ControlLinkContext::Options options;
    options.alpn = "punchdrop-control/0";
    const ControlLinkContext old(ControlLinkContext::Role::Client, m_clientIdentity, options);
    QVERIFY(connectPair(old));
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QCOMPARE(m_serverSeen->lastError(), ControlLink::Error::Handshake);
    QVERIFY2(
        m_serverSeen->lastMessage().contains(u"ALPN"), qPrintable(m_serverSeen->lastMessage()));
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->closed.size(), 1, 5000);
    QCOMPARE(m_clientSeen->lastError(), ControlLink::Error::Handshake);
    QVERIFY2(m_clientSeen->lastMessage().contains(u"does not speak"),
        qPrintable(m_clientSeen->lastMessage()));
    QCOMPARE(m_clientSeen->done.size(), 0);
}

void TestControlLink::legacyTlsClientIsRefused()
{
    // The control connection before ControlLink: QSslSocket, device certificate, no ALPN.
    m_listener = std::make_unique<DescriptorServer>();
    QVERIFY(m_listener->listen(QHostAddress::LocalHost, 0));
    QSslSocket legacy;
    QSslConfiguration tls = m_clientIdentity.tlsConfiguration();
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    legacy.setSslConfiguration(tls);
    QSignalSpy legacyErrors(&legacy, &QAbstractSocket::errorOccurred);
    legacy.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_listener->serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(!m_listener->descriptors.isEmpty(), 5000);
    m_server = std::make_unique<ControlLink>(m_serverContext, m_listener->descriptors.takeFirst());
    m_serverSeen = std::make_unique<Observer>(m_server.get());
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QCOMPARE(m_serverSeen->lastError(), ControlLink::Error::Handshake);
    QVERIFY2(m_serverSeen->lastMessage().contains(u"does not offer ALPN"),
        qPrintable(m_serverSeen->lastMessage()));
    QTRY_VERIFY_WITH_TIMEOUT(!legacyErrors.isEmpty(), 5000);
    QVERIFY(!legacy.isEncrypted());
}

void TestControlLink::legacyTlsServerIsRefused()
{
    // A server from before ControlLink: QSslSocket, no ALPN; the handshake itself succeeds.
    DescriptorServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    auto *socket = new QTcpSocket;
    socket->connectToHost(QHostAddress::LocalHost, listener.serverPort());
    QVERIFY(socket->waitForConnected(5000));
    QTRY_VERIFY_WITH_TIMEOUT(!listener.descriptors.isEmpty(), 5000);
    QSslSocket legacy;
    QVERIFY(legacy.setSocketDescriptor(listener.descriptors.takeFirst()));
    legacy.setSslConfiguration(m_serverIdentity.tlsConfiguration());
    QObject::connect(&legacy, &QSslSocket::sslErrors, &legacy,
        [&legacy](const QList<QSslError> &errors) { legacy.ignoreSslErrors(errors); });
    legacy.startServerEncryption();
    m_client = std::make_unique<ControlLink>(m_clientContext, socket);
    m_clientSeen = std::make_unique<Observer>(m_client.get());
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->closed.size(), 1, 5000);
    QCOMPARE(m_clientSeen->lastError(), ControlLink::Error::Handshake);
    QVERIFY2(
        m_clientSeen->lastMessage().contains(u"ALPN"), qPrintable(m_clientSeen->lastMessage()));
    QCOMPARE(m_clientSeen->done.size(), 0);
}

void TestControlLink::unexpectedServerIsRefused()
{
    QVERIFY(connectPair(m_clientContext));
    m_client->setExpectedPeer(Test::ephemeralIdentity().id());
    QTRY_COMPARE_WITH_TIMEOUT(m_clientSeen->closed.size(), 1, 5000);
    QCOMPARE(m_clientSeen->lastError(), ControlLink::Error::Handshake);
    QVERIFY2(m_clientSeen->lastMessage().startsWith(
                 u"reached device " + m_serverIdentity.id().shortString()),
        qPrintable(m_clientSeen->lastMessage()));
    QCOMPARE(m_clientSeen->done.size(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QVERIFY(m_serverSeen->received.isEmpty());
}

void TestControlLink::garbageInsteadOfTlsIsRefused()
{
    m_listener = std::make_unique<DescriptorServer>();
    QVERIFY(m_listener->listen(QHostAddress::LocalHost, 0));
    QTcpSocket raw;
    raw.connectToHost(QHostAddress::LocalHost, m_listener->serverPort());
    QVERIFY(raw.waitForConnected(5000));
    QTRY_VERIFY_WITH_TIMEOUT(!m_listener->descriptors.isEmpty(), 5000);
    m_server = std::make_unique<ControlLink>(m_serverContext, m_listener->descriptors.takeFirst());
    m_serverSeen = std::make_unique<Observer>(m_server.get());
    raw.write("GET / HTTP/1.1\r\nHost: example\r\n\r\n");
    QTRY_COMPARE_WITH_TIMEOUT(m_serverSeen->closed.size(), 1, 5000);
    QCOMPARE(m_serverSeen->lastError(), ControlLink::Error::Handshake);
    QTRY_COMPARE_WITH_TIMEOUT(raw.state(), QAbstractSocket::UnconnectedState, 5000);
}

QTEST_GUILESS_MAIN(TestControlLink)
#include "tst_controllink.moc"
