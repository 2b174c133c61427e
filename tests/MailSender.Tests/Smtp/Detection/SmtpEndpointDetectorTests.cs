using System.Diagnostics;
using System.Runtime.CompilerServices;
using MailSender.Smtp.Detection;
using MailSender.Smtp;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;
using Xunit.Abstractions;

namespace MailSender.Tests.Smtp.Detection;

/// <summary>Detection against in-process and scripted servers on 127.0.0.1: preference, refusals, timing and diagnostics.</summary>
public class SmtpEndpointDetectorTests(ITestOutputHelper output)
{
    private const string User = "mailer@example.com";
    private const string Password = "Corr3ct-H0rse:B@ttery";

    [Fact]
    public async Task DetectAsync_ImplicitTlsAndStartTlsServers_RecommendsImplicitTls()
    {
        await using var startTls = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });
        await using var implicitTls = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit });

        // STARTTLS first in the list: the preference is by security, not by order.
        var report = await DetectionTestSupport.Detector().DetectAsync(DetectionTestSupport.Request(startTls.Port, implicitTls.Port));

        var recommended = Assert.IsType<SmtpEndpointRecommendation>(report.Recommended);
        Assert.Equal(implicitTls.Port, recommended.Port);
        Assert.Equal(SmtpSecurity.Implicit, recommended.Security);
        Assert.Equal($"smtps://127.0.0.1:{implicitTls.Port}", recommended.TransportUri);
        var usable = Assert.Single(report.Attempts, a => a.Outcome == SmtpProbeOutcome.Usable && a.Port == implicitTls.Port);
        Assert.StartsWith("220 ", usable.Greeting, StringComparison.Ordinal);
        Assert.StartsWith("Tls1", usable.TlsProtocol, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(usable.CipherSuite));
        Assert.Contains("CN=localhost", usable.CertificateSubject, StringComparison.Ordinal);
        Assert.True(usable.CertificateNotAfter > DateTimeOffset.UtcNow);
        Assert.Null(usable.CertificateError);
        Assert.All(report.Attempts, a => Assert.Equal(SmtpProbeSource.Configured, a.Source));
    }

    [Fact]
    public async Task DetectAsync_OnlyStartTls_RecommendsStartTlsWithCapabilities()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = User, Password = Password, MaxMessageSize = 10_000_000 });

        var request = DetectionTestSupport.Request(server.Port);
        request.UserName = User;
        request.Password = Password;
        var report = await DetectionTestSupport.Detector().DetectAsync(request);

        var recommended = Assert.IsType<SmtpEndpointRecommendation>(report.Recommended);
        Assert.Equal(SmtpSecurity.StartTls, recommended.Security);
        Assert.Equal(server.Port, recommended.Port);
        Assert.Contains("PLAIN", recommended.AuthenticationMechanisms);
        Assert.Contains("STARTTLS", recommended.Capabilities);
        Assert.Contains("SIZE", recommended.Capabilities);
        var usable = Assert.Single(report.Attempts, a => a.Outcome == SmtpProbeOutcome.Usable);
        Assert.True(usable.Authenticated);
        Assert.Equal(10_000_000, usable.MaxMessageSize);
        Assert.Equal([User + ":yes"], server.Authentications);

        // The implicit-TLS probe of the same port met a plain-text greeting: a TLS failure with a hint about STARTTLS.
        var implicitProbe = Assert.Single(report.Attempts, a => a.Security == SmtpSecurity.Implicit);
        Assert.Equal(SmtpProbeOutcome.Failed, implicitProbe.Outcome);
        Assert.Equal(EmailErrorKind.TlsFailed, implicitProbe.ErrorKind);
        Assert.Contains("STARTTLS", implicitProbe.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetectAsync_PlainTextServerWithCredentials_RefusesItAndSendsNoAuth()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "AUTH PLAIN LOGIN"] });

        var request = DetectionTestSupport.Request(server.Port);
        request.UserName = User;
        request.Password = Password;
        request.AllowPlaintext = true;
        var report = await DetectionTestSupport.Detector().DetectAsync(request);

        Assert.Null(report.Recommended);
        var plain = Assert.Single(report.Attempts, a => a.Security == SmtpSecurity.None);
        Assert.Equal(SmtpProbeOutcome.NotUsable, plain.Outcome);
        Assert.Equal(EmailErrorKind.TlsFailed, plain.ErrorKind);
        Assert.Contains("587", plain.Hint, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("AUTH"));
        Assert.DoesNotContain(report.Attempts, a => (a.Error ?? string.Empty).Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DetectAsync_PlainTextAllowedWithoutCredentials_RecommendsNone()
    {
        await using var server = ScriptedSmtpServer.Start();

        var request = DetectionTestSupport.Request(server.Port);
        request.AllowPlaintext = true;
        var report = await DetectionTestSupport.Detector().DetectAsync(request);

        Assert.Equal(SmtpSecurity.None, report.Recommended?.Security);
        Assert.Equal($"smtp://127.0.0.1:{server.Port}?security=none", report.Recommended?.TransportUri);
    }

    [Fact]
    public async Task DetectAsync_PlainTextNotAllowed_RecommendsNothing()
    {
        await using var server = ScriptedSmtpServer.Start();

        var report = await DetectionTestSupport.Detector().DetectAsync(DetectionTestSupport.Request(server.Port));

        Assert.Null(report.Recommended);
        Assert.Contains(report.Attempts, a => a.Outcome == SmtpProbeOutcome.NotUsable && a.Hint == SmtpHints.StartTlsNotOffered);
    }

    [Fact]
    public async Task DetectAsync_BlackHoleAndClosedPort_FinishesWithinAboutOneProbeTimeout()
    {
        using var blackHole = new BlackHoleListener();
        var closed = LoopbackPorts.Closed();
        var request = DetectionTestSupport.Request(blackHole.Port, closed);
        request.Options.ProbeTimeout = TimeSpan.FromSeconds(2);

        var watch = Stopwatch.StartNew();
        var report = await DetectionTestSupport.Detector().DetectAsync(request);
        watch.Stop();

        output.WriteLine($"Detection over a black hole and a closed port with a 2 s probe timeout took {watch.Elapsed.TotalMilliseconds:F0} ms.");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"took {watch.Elapsed}: the black hole should have been waited for until the timeout");
        Assert.Null(report.Recommended);
        Assert.All(report.Attempts.Where(a => a.Port == blackHole.Port), a => Assert.Equal(SmtpProbeOutcome.TimedOut, a.Outcome));
        Assert.All(report.Attempts.Where(a => a.Port == closed), a =>
        {
            Assert.Equal(SmtpProbeOutcome.Failed, a.Outcome);
            Assert.Equal(EmailErrorKind.ConnectionFailed, a.ErrorKind);
            Assert.Contains("Nothing is listening", a.Hint, StringComparison.Ordinal);
        });
        Assert.Contains(report.Attempts, a => a.Port == blackHole.Port && a.Security == SmtpSecurity.StartTls && a.Hint!.Contains("no greeting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DetectAsync_BestResultIn_StopsTheOtherProbesEarly()
    {
        await using var implicitTls = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit });
        using var blackHole = new BlackHoleListener();
        var request = DetectionTestSupport.Request(implicitTls.Port, blackHole.Port);
        request.Options.ProbeTimeout = TimeSpan.FromSeconds(20);

        var watch = Stopwatch.StartNew();
        var report = await DetectionTestSupport.Detector().DetectAsync(request);

        output.WriteLine($"Implicit TLS found and the black hole abandoned after {watch.Elapsed.TotalMilliseconds:F0} ms.");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(implicitTls.Port, report.Recommended?.Port);
        Assert.All(report.Attempts.Where(a => a.Port == blackHole.Port), a => Assert.Equal(SmtpProbeOutcome.Cancelled, a.Outcome));
    }

    [Fact]
    public async Task DetectAsync_WrongPassword_ReportsAuthenticationFailureWith535Hint()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["PIPELINING", "AUTH PLAIN LOGIN"],
            Certificate = TestCertificates.Server,
            AuthReply = "535 5.7.8 Error: authentication failed",
        });

        var request = DetectionTestSupport.Request(server.Port);
        request.UserName = User;
        request.Password = "Wr0ng-S3cret-Pa55!";
        var report = await DetectionTestSupport.Detector().DetectAsync(request);

        Assert.Null(report.Recommended);
        var attempt = Assert.Single(report.Attempts, a => a.ErrorKind == EmailErrorKind.AuthenticationFailed);
        Assert.Equal(SmtpProbeOutcome.Failed, attempt.Outcome);
        Assert.Equal(SmtpSecurity.StartTls, attempt.Security);
        Assert.False(attempt.Authenticated);
        Assert.Equal(535, attempt.StatusCode);
        Assert.Equal("5.7.8", attempt.EnhancedStatusCode);
        Assert.Contains("app password", attempt.Hint, StringComparison.Ordinal);
        Assert.DoesNotContain("Wr0ng-S3cret-Pa55!", attempt.Error, StringComparison.Ordinal);

        var error = DetectedEndpointCache.NoUsableEndpoint(report);
        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Equal(535, error.StatusCode);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task DetectAsync_SelfSignedCertificate_ReportsCertificateProblemAndHint()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit, Certificate = TestCertificates.UntrustedSelfSigned });

        var report = await DetectionTestSupport.Detector().DetectAsync(DetectionTestSupport.Request(server.Port));

        Assert.Null(report.Recommended);
        var attempt = Assert.Single(report.Attempts, a => a.Security == SmtpSecurity.Implicit);
        Assert.Equal(EmailErrorKind.TlsFailed, attempt.ErrorKind);
        Assert.Contains("self-signed", attempt.CertificateError, StringComparison.Ordinal);
        Assert.Contains("Nobody Trusts Me", attempt.CertificateSubject, StringComparison.Ordinal);
        Assert.Equal(SmtpHints.CertificateUntrusted, attempt.Hint);
    }

    [Fact]
    public async Task DetectAsync_EndpointSeenWithTlsStopsOfferingStartTls_ReportsStripping()
    {
        var stripping = new StrongBox<bool>(false);
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Certificate = TestCertificates.Server, OfferStartTlsOn = _ => !Volatile.Read(ref stripping.Value) });
        var detector = DetectionTestSupport.Detector(history: new TlsHistory());
        var request = DetectionTestSupport.Request(server.Port);
        request.AllowPlaintext = true;

        var first = await detector.DetectAsync(request);
        Assert.Equal(SmtpSecurity.StartTls, first.Recommended?.Security);

        // From now on a middlebox removes STARTTLS from the EHLO reply.
        Volatile.Write(ref stripping.Value, true);
        var second = await detector.DetectAsync(request);

        Assert.Null(second.Recommended);
        var stripped = Assert.Single(second.Attempts, a => a.Security == SmtpSecurity.None);
        Assert.Equal(SmtpProbeOutcome.Failed, stripped.Outcome);
        Assert.Equal(SmtpHints.StartTlsStripped, stripped.Hint);
    }

    [Fact]
    public async Task DetectAsync_SrvRecordForSenderDomain_ProbesItsTarget()
    {
        await using var implicitTls = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit });
        var srv = new FakeSrvResolver(new()
        {
            ["_submissions._tcp.example.test"] = [new SrvTarget("127.0.0.1", implicitTls.Port, 0, 0)],
        });
        var request = DetectionTestSupport.Request(LoopbackPorts.Closed());
        request.SenderDomain = "example.test";
        request.Options.UseDnsSrv = true;

        var report = await DetectionTestSupport.Detector(srv).DetectAsync(request);

        Assert.Equal(["_submissions._tcp.example.test", "_submission._tcp.example.test"], srv.Queries);
        Assert.Equal(implicitTls.Port, report.Recommended?.Port);
        Assert.Equal(SmtpSecurity.Implicit, report.Recommended?.Security);
        Assert.Contains(report.Attempts, a => a.Source == SmtpProbeSource.Srv && a.Outcome == SmtpProbeOutcome.Usable);
    }

    [Fact]
    public async Task DetectAsync_SrvTargetIsAnotherHostAndCredentialsAreSet_IsNotProbed()
    {
        // DNS answers are not authenticated: the password goes only to the host the caller named.
        await using var implicitTls = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit });
        var srv = new FakeSrvResolver(new()
        {
            ["_submissions._tcp.example.test"] = [new SrvTarget("localhost", implicitTls.Port, 0, 0)],
        });
        var request = DetectionTestSupport.Request(LoopbackPorts.Closed());
        request.SenderDomain = "example.test";
        request.UserName = "ann@example.test";
        request.Password = "secret";
        request.Options.UseDnsSrv = true;

        var report = await DetectionTestSupport.Detector(srv).DetectAsync(request);

        Assert.Contains("_submissions._tcp.example.test", srv.Queries);
        Assert.DoesNotContain(report.Attempts, a => a.Source == SmtpProbeSource.Srv);
        Assert.Null(report.Recommended);
        Assert.Empty(implicitTls.Messages);
    }

    [Fact]
    public async Task DetectAsync_KnownEndpoint_IsProbedAsPreset()
    {
        await using var startTls = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });
        var known = new FixedKnownEndpoint(new KnownEndpoint("127.0.0.1", startTls.Port, SmtpSecurity.StartTls, "test-provider"));

        var request = DetectionTestSupport.Request(LoopbackPorts.Closed());
        request.SenderDomain = "example.org";

        var report = await DetectionTestSupport.Detector(known: known).DetectAsync(request);

        Assert.Equal(startTls.Port, report.Recommended?.Port);
        var preset = Assert.Single(report.Attempts, a => a.Source == SmtpProbeSource.Preset);
        Assert.Equal(SmtpProbeOutcome.Usable, preset.Outcome);
        Assert.Equal(("127.0.0.1", "example.org"), known.LastQuery);
    }

    [Fact]
    public async Task DetectAsync_DefaultPorts_AreProbedWithTheirModes()
    {
        var detector = DetectionTestSupport.Detector();
        var request = new SmtpDetectionRequest("127.0.0.1");

        var candidates = detector.InitialCandidates(request).ToList();

        Assert.Equal([(465, SmtpSecurity.Implicit), (587, SmtpSecurity.StartTls), (25, SmtpSecurity.StartTls), (2525, SmtpSecurity.StartTls)], candidates.Select(c => (c.Port, c.Mode)));
        Assert.All(candidates, c => Assert.Equal(SmtpProbeSource.Probe, c.Source));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task DetectAsync_CallerCancels_StopsAtOnce()
    {
        using var blackHole = new BlackHoleListener();
        var request = DetectionTestSupport.Request(blackHole.Port);
        request.Options.ProbeTimeout = TimeSpan.FromSeconds(30);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DetectionTestSupport.Detector().DetectAsync(request, cancellation.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task DetectAsync_UserWithoutPassword_IsAConfigurationError()
    {
        var request = DetectionTestSupport.Request(25);
        request.UserName = User;

        var error = await Assert.ThrowsAsync<EmailSendException>(() => DetectionTestSupport.Detector().DetectAsync(request));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
    }

    private sealed class FixedKnownEndpoint(KnownEndpoint endpoint) : IKnownEndpointSource
    {
        public (string, string?) LastQuery { get; private set; }

        public KnownEndpoint? Find(string host, string? senderDomain)
        {
            LastQuery = (host, senderDomain);
            return endpoint;
        }
    }
}
