using MailSender.Smtp.Detection;
using MailSender.RealPeer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
        var logs = new CapturingLoggerFactory();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(logs);
        services.AddMailSender(o =>
        {
            o.Transport = $"smtp://{Uri.EscapeDataString(peer.UserName)}:{Uri.EscapeDataString(peer.Password)}@localhost?caFile={Uri.EscapeDataString(peer.CaFile)}";
            o.DefaultFrom = "MailSender real-peer tests <sender@example.test>";
            o.Resilience.Enabled = false;
            o.Smtp.Detection.Ports = [peer.StartTlsPort, peer.ImplicitTlsPort];
            o.Smtp.Detection.ProbeTimeout = TimeSpan.FromSeconds(10);
            o.Smtp.Detection.UseDnsSrv = false;
        });
        await using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<IEmailSender>().SendAsync(TestMessage.Text(token, peer.Address("to", token)));

        Assert.Single(result.AcceptedRecipients);
        Assert.Single(await peer.Maildir.WaitForAsync(token));

        // Event 200 names the endpoint detection chose: implicit TLS, although STARTTLS on 12587 works too.
        Assert.Contains($"Detected smtps://localhost:{peer.ImplicitTlsPort}", logs.Messages);
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

    /// <summary>Keeps every formatted log message, to read which endpoint detection chose.</summary>
    private sealed class CapturingLoggerFactory : ILoggerFactory, ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public string Messages => string.Join("\n", _messages);

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
