using MailSender.RealPeer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.RealPeer.Tests.Detection;

/// <summary>
/// Port and encryption detection against the real Postfix listeners: RFC 8314's preference (implicit TLS, then STARTTLS),
/// credentials never recommended on plain text, and a transport without a port that finds its endpoint and delivers.
/// </summary>
public sealed class PostfixDetectionTests(PostfixFixture postfix) : IClassFixture<PostfixFixture>
{
    [SkippableFact]
    public async Task DetectAsync_ImplicitTlsAndStartTlsListeners_RecommendsImplicitTls()
    {
        var peer = postfix.Require();

        var report = await DetectAsync(peer, withCredentials: true, peer.StartTlsPort, peer.ImplicitTlsPort, peer.OptionalTlsPort);

        Assert.NotNull(report.Recommended);
        Assert.Equal((peer.ImplicitTlsPort, SmtpSecurity.Implicit), (report.Recommended.Port, report.Recommended.Security));
        Assert.Contains("PLAIN", report.Recommended.AuthenticationMechanisms);
        var chosen = Assert.Single(report.Attempts, a => a.Port == peer.ImplicitTlsPort && a.Outcome == SmtpProbeOutcome.Usable);
        Assert.StartsWith("Tls1", chosen.TlsProtocol, StringComparison.Ordinal);
        Assert.Contains("localhost", chosen.CertificateSubject, StringComparison.Ordinal);
        Assert.True(chosen.Authenticated);
    }

    [SkippableFact]
    public async Task DetectAsync_OnlyStartTlsListeners_RecommendsStartTls()
    {
        var peer = postfix.Require();

        var report = await DetectAsync(peer, withCredentials: true, peer.StartTlsPort, peer.OptionalTlsPort);

        Assert.NotNull(report.Recommended);
        Assert.Equal(SmtpSecurity.StartTls, report.Recommended.Security);
        Assert.Contains(report.Recommended.Port, new[] { peer.StartTlsPort, peer.OptionalTlsPort });
        Assert.Contains("STARTTLS", report.Attempts.First(a => a.Outcome == SmtpProbeOutcome.Usable).Capabilities);
    }

    [SkippableFact]
    public async Task DetectAsync_PlaintextListenerWithCredentials_RecommendsNothing()
    {
        var peer = postfix.Require();

        var report = await DetectAsync(peer, withCredentials: true, peer.PlainPort);

        Assert.Null(report.Recommended);
        Assert.All(report.Attempts, a => Assert.NotEqual(SmtpProbeOutcome.Usable, a.Outcome));
        Assert.Contains(report.Attempts, a => a.Hint is not null && a.Hint.Contains("STARTTLS", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task DetectAsync_WrongPassword_ReportsThe535WithItsHint()
    {
        var peer = postfix.Require();

        var report = await DetectAsync(peer, withCredentials: true, password: "not-the-password", peer.ImplicitTlsPort);

        Assert.Null(report.Recommended);
        // 12465 is not 465, so it is probed both ways; the STARTTLS probe just waits for a greeting the TLS port never sends.
        var attempt = Assert.Single(report.Attempts, a => a.Security == SmtpSecurity.Implicit);
        Assert.Equal(EmailErrorKind.AuthenticationFailed, attempt.ErrorKind);
        Assert.Equal(535, attempt.StatusCode);
        Assert.Equal("5.7.8", attempt.EnhancedStatusCode);
        Assert.False(string.IsNullOrEmpty(attempt.Hint));
        Assert.DoesNotContain("not-the-password", attempt.Error ?? string.Empty, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task SendAsync_TransportWithoutPort_DetectsImplicitTlsAndDelivers()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        var transport = $"smtp://{Uri.EscapeDataString(peer.UserName)}:{Uri.EscapeDataString(peer.Password)}@localhost?caFile={Uri.EscapeDataString(peer.CaFile)}";
        await using var sender = PeerSender.Create(transport, o =>
        {
            o.Detection.Ports = [peer.StartTlsPort, peer.ImplicitTlsPort];
            o.Detection.ProbeTimeout = TimeSpan.FromSeconds(10);
            o.Detection.UseDnsSrv = false;
        });

        var result = await sender.Sender.SendAsync(TestMessage.Text(token, peer.Address("to", token)));

        Assert.Single(result.AcceptedRecipients);
        var delivered = Assert.Single(await peer.Maildir.WaitForAsync(token));
        Assert.Contains("TLS", delivered.Message.Headers["Received"], StringComparison.Ordinal);
    }

    private static Task<SmtpDetectionReport> DetectAsync(PostfixPeer peer, bool withCredentials, params int[] ports) =>
        DetectAsync(peer, withCredentials, password: null, ports);

    private static async Task<SmtpDetectionReport> DetectAsync(PostfixPeer peer, bool withCredentials, string? password, params int[] ports)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "pickup:" + Path.GetTempPath());
        await using var provider = services.BuildServiceProvider();
        var request = new SmtpDetectionRequest("localhost")
        {
            UserName = withCredentials ? peer.UserName : null,
            Password = withCredentials ? password ?? peer.Password : null,
            TrustedCaFile = peer.CaFile,
        };
        request.Options.Ports = ports;
        request.Options.ProbeTimeout = TimeSpan.FromSeconds(5);
        request.Options.UseDnsSrv = false;
        return await provider.GetRequiredService<ISmtpEndpointDetector>().DetectAsync(request);
    }
}
