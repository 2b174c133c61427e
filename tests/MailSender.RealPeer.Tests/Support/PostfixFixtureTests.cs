using System.Net;
using System.Net.Sockets;
using MailSender.TestSupport;

namespace MailSender.RealPeer.Tests.Support;

/// <summary>
/// The fixture's decision, without Postfix: skip when it is absent, fail under CI, and read <c>peer.env</c> correctly.
/// </summary>
public sealed class PostfixFixtureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailsender-postfix-fixture-").FullName;

    [Fact]
    public void Require_NoPeerFile_SkipsWithTheStartCommandInTheReason()
    {
        var fixture = new PostfixFixture(_directory, isCi: false);

        var skip = Assert.Throws<SkipException>(fixture.Require);

        Assert.Null(fixture.Peer);
        Assert.StartsWith("Postfix not running: run scripts/postfix/start.sh", skip.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_directory, "peer.env"), skip.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_NoPeerFileUnderCi_Fails()
    {
        var fixture = new PostfixFixture(_directory, isCi: true);

        var error = Assert.Throws<InvalidOperationException>(fixture.Require);

        Assert.StartsWith("Postfix not running: run scripts/postfix/start.sh", error.Message, StringComparison.Ordinal);
        Assert.Contains("CI=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_PeerFileButNothingListening_SkipsSayingSo()
    {
        WritePeerFile(plainPort: LoopbackPorts.Closed());
        var fixture = new PostfixFixture(_directory, isCi: false);

        var skip = Assert.Throws<SkipException>(fixture.Require);

        Assert.Contains("exists, but 127.0.0.1:", skip.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_PeerFileAndListener_ReturnsEverySetting()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        WritePeerFile(plainPort: ((IPEndPoint)listener.LocalEndpoint).Port);

        var peer = new PostfixFixture(_directory, isCi: true).Require();

        Assert.Equal("127.0.0.1", peer.Host);
        Assert.Equal(((IPEndPoint)listener.LocalEndpoint).Port, peer.PlainPort);
        Assert.Equal(12587, peer.StartTlsPort);
        Assert.Equal(12465, peer.ImplicitTlsPort);
        Assert.Equal(12588, peer.OptionalTlsPort);
        Assert.Equal("/tmp/x/tls/ca.pem", peer.CaFile);
        Assert.Equal("sender@example.test", peer.UserName);
        Assert.Equal("s3cret=with=equals", peer.Password);
        Assert.Equal("example.test", peer.Domain);
        Assert.Equal("/tmp/x/mail/inbox", peer.MaildirPath);
        Assert.Equal("reject@example.test", peer.RejectRecipient);
        Assert.Equal("tempfail@example.test", peer.TempfailRecipient);
        Assert.Equal(
            $"smtp://sender%40example.test:s3cret%3Dwith%3Dequals@127.0.0.1:12587?security=starttls&caFile=%2Ftmp%2Fx%2Ftls%2Fca.pem&connectTimeout=10s&timeout=10s",
            peer.Uri("smtp", peer.StartTlsPort, "security=starttls"));
        Assert.DoesNotContain(peer.Password, peer.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private void WritePeerFile(int plainPort) => File.WriteAllText(Path.Combine(_directory, "peer.env"), $"""
        # written by the test
        MAILSENDER_POSTFIX_HOST=127.0.0.1
        MAILSENDER_POSTFIX_PLAIN_PORT={plainPort}
        MAILSENDER_POSTFIX_STARTTLS_PORT=12587
        MAILSENDER_POSTFIX_IMPLICIT_TLS_PORT=12465
        MAILSENDER_POSTFIX_OPTIONAL_TLS_PORT=12588
        MAILSENDER_POSTFIX_CA_FILE=/tmp/x/tls/ca.pem
        MAILSENDER_POSTFIX_USER=sender@example.test
        MAILSENDER_POSTFIX_PASSWORD=s3cret=with=equals
        MAILSENDER_POSTFIX_DOMAIN=example.test
        MAILSENDER_POSTFIX_MAILDIR=/tmp/x/mail/inbox
        MAILSENDER_POSTFIX_REJECT_RECIPIENT=reject@example.test
        MAILSENDER_POSTFIX_TEMPFAIL_RECIPIENT=tempfail@example.test
        """);
}
