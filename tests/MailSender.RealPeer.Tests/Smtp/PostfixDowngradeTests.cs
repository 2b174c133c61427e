using MailSender.RealPeer.Tests.Support;

namespace MailSender.RealPeer.Tests.Smtp;

/// <summary>
/// A STARTTLS-stripping man in the middle in front of Postfix's STARTTLS-optional listener (12588): the library must
/// not send credentials over the stripped connection, and Postfix must never receive an AUTH command.
/// </summary>
public sealed class PostfixDowngradeTests(PostfixFixture postfix) : IClassFixture<PostfixFixture>
{
    [SkippableFact]
    public async Task SendAsync_StartTlsStrippedWithSecurityStartTls_FailsAndServerNeverReceivesAuth()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        await using var proxy = StartTlsStrippingProxy.Start(peer.Host, peer.OptionalTlsPort);

        var error = await PeerSender.SendFailingAsync(Through(peer, proxy, "security=starttls"), TestMessage.Text(token, peer.Address("to", token)));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        AssertNoAuthSent(peer, proxy);
        await AssertNothingDeliveredAsync(peer, token);
    }

    [SkippableFact]
    public async Task SendAsync_StartTlsStrippedWithSecurityAuto_RefusesCredentialsAndServerNeverReceivesAuth()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        await using var proxy = StartTlsStrippingProxy.Start(peer.Host, peer.OptionalTlsPort);

        var error = await PeerSender.SendFailingAsync(Through(peer, proxy, string.Empty), TestMessage.Text(token, peer.Address("to", token)));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.StartsWith("Refusing to send the credentials", error.Message, StringComparison.Ordinal);
        AssertNoAuthSent(peer, proxy);
        await AssertNothingDeliveredAsync(peer, token);
    }

    [SkippableFact]
    public async Task SendAsync_ThroughProxyWithoutCredentials_ProxyRelaysAWholePlaintextSession()
    {
        // The control for the tests above: the proxy relays a complete session to delivery. In front of the plain
        // listener, because 12588 accepts mail only from authenticated senders.
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        await using var proxy = StartTlsStrippingProxy.Start(peer.Host, peer.PlainPort);

        await PeerSender.SendAsync(Through(peer, proxy, "security=none", withCredentials: false), TestMessage.Text(token, peer.Address("to", token)));

        var delivered = Assert.Single(await peer.Maildir.WaitForAsync(token));
        Assert.Contains("with ESMTP id", delivered.Message.Headers["Received"], StringComparison.Ordinal);
        Assert.Contains(proxy.ClientLines, l => l.StartsWith("EHLO ", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(proxy.ClientLines, l => l.StartsWith("MAIL FROM:", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(proxy.ClientLines, l => l.Contains(token, StringComparison.Ordinal));
    }

    private static string Through(PostfixPeer peer, StartTlsStrippingProxy proxy, string query, bool withCredentials = true) =>
        peer.Uri("smtp", proxy.Port, query, withCredentials);

    private static void AssertNoAuthSent(PostfixPeer peer, StartTlsStrippingProxy proxy)
    {
        var lines = proxy.ClientLines;

        // The client did talk to Postfix through the proxy, and said nothing secret.
        Assert.True(proxy.Connections >= 1);
        Assert.Contains(lines, l => l.StartsWith("EHLO ", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Contains(peer.Password, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("MAIL FROM", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task AssertNothingDeliveredAsync(PostfixPeer peer, string token)
    {
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(peer.Maildir.Find(token));
    }
}
