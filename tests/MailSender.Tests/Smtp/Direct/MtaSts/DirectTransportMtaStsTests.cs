using MailSender.Diagnostics;
using MailSender.Smtp.Direct;
using MailSender.Tests.Diagnostics;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Direct.MtaSts;

/// <summary>
/// MTA-STS and <c>requireTls</c> in direct delivery, against real SMTP servers on loopback addresses, with MX and TXT records from
/// <see cref="FakeMxResolver"/> and policies from <see cref="FakePolicyFetcher"/> (<see cref="MtaStsDnsTests"/> does it over dnsmasq and HTTPS).
/// </summary>
public class DirectTransportMtaStsTests
{
    [Fact]
    public async Task Enforce_OnlyTheMatchingMxIsUsed_OverValidatedTls()
    {
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(2), LoopbackPorts.Address(3));
        await using var unlisted = ScriptedSmtpServer.Start(new SmtpScript(), LoopbackPorts.Address(2), port);
        await using var listed = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(3), Port = port, Security = InProcessSecurity.StartTls, Certificate = TestCertificates.ServerFor("mx.sts.test") });
        var (resolver, fetcher) = StsDomain("enforce", "mx.sts.test", ("other.example", 10, "127.0.0.2"), ("mx.sts.test", 20, "127.0.0.3"));
        var logs = new CapturingLoggerProvider();
        await using var transport = Create(resolver, fetcher, port, logs);

        var result = await DirectTransportTests.SendAsync(transport, TestMessages.Text("Enforced.", "ann@sts.test"));

        Assert.Equal(["ann@sts.test"], result.AcceptedRecipients);
        Assert.True(Assert.Single(listed.Messages).Secure);
        Assert.Equal(0, unlisted.ConnectionCount);
        Assert.Equal(["_mta-sts.sts.test"], resolver.TextQueries);
        Assert.Contains(logs.Events, e => e.Id == 247 && e.Message.Contains("other.example", StringComparison.Ordinal) && e.Message.Contains("does not match the mx patterns", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enforce_MatchingMxWithoutStartTls_TransientFailureNamingTheHost()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var (resolver, fetcher) = StsDomain("enforce", "mx.sts.test", ("mx.sts.test", 10, "127.0.0.1"));
        await using var transport = Create(resolver, fetcher, server.Port);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => DirectTransportTests.SendAsync(transport, TestMessages.Text("Plain refused.", "ann@sts.test")));

        Assert.True(error.IsTransient);
        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("MTA-STS policy (mode enforce)", error.Message, StringComparison.Ordinal);
        Assert.Contains("mx.sts.test at 127.0.0.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        Assert.Equal(451, error.Recipients[0].StatusCode);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Enforce_CertificateForAnotherName_RefusedEvenThoughOpportunisticTlsWouldAcceptIt()
    {
        // TestCertificates.Server is issued to localhost; the default (opportunistic) settings accept any certificate, the policy does not.
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });
        var (resolver, fetcher) = StsDomain("enforce", "mx.sts.test", ("mx.sts.test", 10, "127.0.0.1"));
        await using var transport = Create(resolver, fetcher, server.Port);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => DirectTransportTests.SendAsync(transport, TestMessages.Text("Wrong name.", "ann@sts.test")));

        Assert.True(error.IsTransient);
        Assert.Contains("name does not match", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task Enforce_UntrustedCertificateOnTheFirstMx_DeliversThroughTheSecond()
    {
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(2), LoopbackPorts.Address(3));
        await using var untrusted = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(2), Port = port, Security = InProcessSecurity.StartTls, Certificate = TestCertificates.UntrustedFor("mx1.sts.test") });
        await using var trusted = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(3), Port = port, Security = InProcessSecurity.StartTls, Certificate = TestCertificates.ServerFor("mx2.sts.test") });
        var (resolver, fetcher) = StsDomain("enforce", "*.sts.test", ("mx1.sts.test", 10, "127.0.0.2"), ("mx2.sts.test", 20, "127.0.0.3"));
        await using var transport = Create(resolver, fetcher, port);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Second.", "ann@sts.test"));

        Assert.Empty(untrusted.Messages);
        Assert.Single(trusted.Messages);
    }

    [Fact]
    public async Task Enforce_NoMxMatches_TransientFailureWithoutAnyConnection()
    {
        await using var server = ScriptedSmtpServer.Start();
        var (resolver, fetcher) = StsDomain("enforce", "*.sts.test", ("mx.elsewhere.example", 10, "127.0.0.1"));
        await using var transport = Create(resolver, fetcher, server.Port);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => DirectTransportTests.SendAsync(transport, TestMessages.Text("Nowhere.", "ann@sts.test")));

        Assert.True(error.IsTransient);
        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("none of its MX hosts qualified: mx.elsewhere.example (it does not match the mx patterns of the domain's MTA-STS policy (*.sts.test))", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        Assert.Equal(0, server.ConnectionCount);
    }

    [Fact]
    public async Task Testing_DeliversAsBefore_AndLogsWhatWouldFail()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var (resolver, fetcher) = StsDomain("testing", "*.sts.test", ("mx.elsewhere.example", 10, "127.0.0.1"));
        var logs = new CapturingLoggerProvider();
        await using var transport = Create(resolver, fetcher, server.Port, logs);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Testing.", "ann@sts.test"));

        Assert.False(Assert.Single(server.Messages).Secure);
        var warnings = logs.Events.Where(e => e.Id == 248).Select(e => e.Message).ToArray();
        Assert.Contains(warnings, m => m.Contains("does not match the mx patterns", StringComparison.Ordinal));
        Assert.Contains(warnings, m => m.Contains("does not offer STARTTLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Testing_ValidTls_NothingLogged()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, Certificate = TestCertificates.ServerFor("mx.sts.test") });
        var (resolver, fetcher) = StsDomain("testing", "mx.sts.test", ("mx.sts.test", 10, "127.0.0.1"));
        var logs = new CapturingLoggerProvider();
        await using var transport = Create(resolver, fetcher, server.Port, logs);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Fine.", "ann@sts.test"));

        Assert.True(Assert.Single(server.Messages).Secure);
        Assert.DoesNotContain(logs.Events, e => e.Id is 247 or 248);
    }

    [Fact]
    public async Task Testing_StartTlsFailsAndPlainTextFallback_LoggedAsAFailedHandshake()
    {
        // STARTTLS offered but refused with 502: opportunistic delivery goes on in plain text, which a testing policy reports.
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "STARTTLS"] });
        var (resolver, fetcher) = StsDomain("testing", "mx.sts.test", ("mx.sts.test", 10, "127.0.0.1"));
        var logs = new CapturingLoggerProvider();
        await using var transport = Create(resolver, fetcher, server.Port, logs);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Fallback.", "ann@sts.test"));

        Assert.Equal(2, server.ConnectionCount);
        Assert.Single(server.Transactions);
        Assert.Contains(logs.Events, e => e.Id == 248 && e.Message.Contains("the TLS handshake failed, so the message went in plain text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MtaStsTestingSetting_EnforcePolicyOnlyLogged()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var (resolver, fetcher) = StsDomain("enforce", "mx.sts.test", ("mx.sts.test", 10, "127.0.0.1"));
        var logs = new CapturingLoggerProvider();
        await using var transport = Create(resolver, fetcher, server.Port, logs, s => s with { MtaSts = MtaStsUse.Testing });

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Logged only.", "ann@sts.test"));

        Assert.Single(server.Messages);
        Assert.Contains(logs.Events, e => e.Id == 248 && e.Message.Contains("does not offer STARTTLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MtaStsOff_NoLookup()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var (resolver, fetcher) = StsDomain("enforce", "mx.sts.test", ("mx.sts.test", 10, "127.0.0.1"));
        await using var transport = DirectTransportTests.Create(resolver, server.Port, s => s with { MtaSts = MtaStsUse.Off }, policyFetcher: fetcher);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Off.", "ann@sts.test"));

        Assert.Single(server.Messages);
        Assert.Empty(resolver.TextQueries);
        Assert.Empty(fetcher.Fetches);
    }

    [Fact]
    public async Task AddressLiteral_NoLookup()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver();
        await using var transport = Create(resolver, new FakePolicyFetcher(), server.Port);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Literal.", "ann@[127.0.0.1]"));

        Assert.Empty(resolver.TextQueries);
    }

    [Fact]
    public async Task PolicyCachedPerTransport_OneFetchForTwoMessages()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, Certificate = TestCertificates.ServerFor("mx.sts.test") });
        var (resolver, fetcher) = StsDomain("enforce", "mx.sts.test", ("mx.sts.test", 10, "127.0.0.1"));
        await using var transport = DirectTransportTests.Create(resolver, server.Port, s => s with { TrustedCaFile = TestCertificates.AuthorityPemFile }, policyFetcher: fetcher);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("One.", "ann@sts.test"));
        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Two.", "bob@sts.test"));

        Assert.Equal(2, server.Messages.Count);
        Assert.Single(fetcher.Fetches);
    }

    [Fact]
    public async Task RequireTls_PlainMxSkipped_DeliversThroughTheNextOfferingStartTls()
    {
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(2), LoopbackPorts.Address(3));
        await using var plain = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(2), Port = port });
        await using var secure = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(3), Port = port, Security = InProcessSecurity.StartTls, Certificate = TestCertificates.ServerFor("mx2.tls.test") });
        var resolver = new FakeMxResolver()
            .Mx("tls.test", ("mx1.tls.test", 10), ("mx2.tls.test", 20))
            .Address("mx1.tls.test", "127.0.0.2")
            .Address("mx2.tls.test", "127.0.0.3");
        await using var transport = DirectTransportTests.Create(resolver, port, s => s with { RequireTls = true, ValidateCertificates = true, TrustedCaFile = TestCertificates.AuthorityPemFile });

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Encrypted only.", "ann@tls.test"));

        Assert.Empty(plain.Messages);
        Assert.True(Assert.Single(secure.Messages).Secure);
    }

    [Fact]
    public async Task RequireTls_NoMxOffersStartTls_TheErrorNamesEveryHostAndWhy()
    {
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(2), LoopbackPorts.Address(3));
        await using var first = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(2), Port = port });
        await using var second = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(3), Port = port, Security = InProcessSecurity.StartTls, Certificate = TestCertificates.UntrustedFor("mx2.tls.test") });
        var resolver = new FakeMxResolver()
            .Mx("tls.test", ("mx1.tls.test", 10), ("mx2.tls.test", 20))
            .Address("mx1.tls.test", "127.0.0.2")
            .Address("mx2.tls.test", "127.0.0.3");
        await using var transport = DirectTransportTests.Create(resolver, port, s => s with { RequireTls = true, ValidateCertificates = true, TrustedCaFile = TestCertificates.AuthorityPemFile });

        var error = await Assert.ThrowsAsync<EmailSendException>(() => DirectTransportTests.SendAsync(transport, TestMessages.Text("Nowhere.", "ann@tls.test")));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("No MX host of 'tls.test' took the message: mx1.tls.test at 127.0.0.2 (", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        Assert.Contains("mx2.tls.test at 127.0.0.3 (", error.Message, StringComparison.Ordinal);
        Assert.Contains("self-signed", error.Message, StringComparison.Ordinal);
        Assert.Empty(first.Messages);
        Assert.Empty(second.Messages);
    }

    /// <summary>A domain <c>sts.test</c> with the given MX hosts, a TXT record, and a policy of <paramref name="mode"/> with the comma-separated <paramref name="patterns"/>.</summary>
    private static (FakeMxResolver Resolver, FakePolicyFetcher Fetcher) StsDomain(string mode, string patterns, params (string Host, int Preference, string Address)[] hosts)
    {
        var resolver = new FakeMxResolver().Mx("sts.test", hosts.Select(h => (h.Host, h.Preference)).ToArray()).Text("_mta-sts.sts.test", "v=STSv1; id=20261201");
        foreach (var host in hosts)
        {
            resolver.Address(host.Host, host.Address);
        }

        return (resolver, new FakePolicyFetcher().Serve("sts.test", FakePolicyFetcher.Policy(mode, 86400, patterns.Split(','))));
    }

    private static DirectTransport Create(FakeMxResolver resolver, FakePolicyFetcher fetcher, int port, CapturingLoggerProvider? logs = null, Func<DirectTransportSettings, DirectTransportSettings>? configure = null)
    {
        var telemetry = logs is null ? null : new MailSenderTelemetry(MailSenderInstruments.Shared, logs.CreateLogger(MailSenderTelemetry.Name));
        return DirectTransportTests.Create(resolver, port, s => (configure ?? (x => x))(s with { TrustedCaFile = TestCertificates.AuthorityPemFile }), telemetry, fetcher);
    }
}
