using System.Net;
using MailSender.Diagnostics;
using MailSender.Smtp.Direct;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Direct.MtaSts;

/// <summary>
/// MTA-STS end to end: the <c>_mta-sts</c> TXT records and every host name from dnsmasq (scripts/direct/dnsmasq.conf, the "MTA-STS" block),
/// the policy from a local HTTPS server with the test CA, the message to an SMTP server on the MX host's loopback address.
/// Skipped without dnsmasq, except under CI=true.
/// </summary>
public class MtaStsDnsTests
{
    private const string PolicyPath = "/.well-known/mta-sts.txt";

    [SkippableFact]
    public async Task DnsMxResolver_StsRecords_AnswersAsConfigured()
    {
        await TestDns.RequireAsync();
        var resolver = TestDns.CreateResolver();

        Assert.Equal(["v=STSv1; id=20261201"], await resolver.LookupTextAsync("_mta-sts.sts-enforce.test", CancellationToken.None));
        Assert.Equal(["v=STSv1; id=not-valid"], await resolver.LookupTextAsync("_mta-sts.sts-badrecord.test", CancellationToken.None));
        Assert.Empty(await resolver.LookupTextAsync("_mta-sts.mx-ok.test", CancellationToken.None));
        Assert.Equal([IPAddress.Parse("127.0.0.20")], await resolver.LookupAddressesAsync("mta-sts.sts-enforce.test", CancellationToken.None));
    }

    [SkippableFact]
    public async Task Enforce_MxWithAValidCertificate_Delivers()
    {
        await TestDns.RequireAsync();
        var (webPort, smtpPort) = Ports(20, 21);
        await using var web = new TestHttpsServer(TestCertificates.ServerFor("mta-sts.sts-enforce.test"), LoopbackPorts.Address(20), webPort)
            .Respond(PolicyPath, TestHttpResponse.Text("version: STSv1\r\nmode: enforce\r\nmx: mx.sts-enforce.test\r\nmax_age: 86400\r\n"));
        await using var mx = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(21), Port = smtpPort, Security = InProcessSecurity.StartTls, Certificate = TestCertificates.ServerFor("mx.sts-enforce.test") });
        await using var transport = Create(webPort, smtpPort);

        var result = await DirectTransportTests.SendAsync(transport, TestMessages.Text("Enforced.", "ann@sts-enforce.test"));

        Assert.Equal(["ann@sts-enforce.test"], result.AcceptedRecipients);
        Assert.True(Assert.Single(mx.Messages).Secure);
        Assert.Single(web.Requests);
    }

    [SkippableFact]
    public async Task Enforce_MxWithoutStartTls_TransientFailure()
    {
        await TestDns.RequireAsync();
        var (webPort, smtpPort) = Ports(20, 21);
        await using var web = new TestHttpsServer(TestCertificates.ServerFor("mta-sts.sts-enforce.test"), LoopbackPorts.Address(20), webPort)
            .Respond(PolicyPath, TestHttpResponse.Text("version: STSv1\r\nmode: enforce\r\nmx: mx.sts-enforce.test\r\nmax_age: 86400\r\n"));
        await using var mx = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(21), Port = smtpPort });
        await using var transport = Create(webPort, smtpPort);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => DirectTransportTests.SendAsync(transport, TestMessages.Text("Refused.", "ann@sts-enforce.test")));

        Assert.True(error.IsTransient);
        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        Assert.Empty(mx.Messages);
    }

    [SkippableFact]
    public async Task PolicyWithAnUntrustedCertificate_DeliveredAsWithoutPolicy()
    {
        await TestDns.RequireAsync();
        var (webPort, smtpPort) = Ports(22, 23);
        await using var web = new TestHttpsServer(TestCertificates.UntrustedFor("mta-sts.sts-badcert.test"), LoopbackPorts.Address(22), webPort)
            .Respond(PolicyPath, TestHttpResponse.Text("version: STSv1\r\nmode: enforce\r\nmx: mx.sts-badcert.test\r\nmax_age: 86400\r\n"));
        await using var mx = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(23), Port = smtpPort });
        var logs = new CapturingLoggerProvider();
        await using var transport = Create(webPort, smtpPort, logs);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("No usable policy.", "ann@sts-badcert.test"));

        Assert.False(Assert.Single(mx.Messages).Secure);
        Assert.Contains(logs.Events, e => e.Id == 246 && e.Message.Contains("certificate is not valid", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task InvalidTxtRecord_NothingFetchedAndDelivered()
    {
        await TestDns.RequireAsync();
        var (webPort, smtpPort) = Ports(24, 25);
        await using var web = new TestHttpsServer(TestCertificates.ServerFor("mta-sts.sts-badrecord.test"), LoopbackPorts.Address(24), webPort)
            .Respond(PolicyPath, TestHttpResponse.Text("version: STSv1\r\nmode: enforce\r\nmx: nothing.example\r\nmax_age: 86400\r\n"));
        await using var mx = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(25), Port = smtpPort });
        await using var transport = Create(webPort, smtpPort);

        await DirectTransportTests.SendAsync(transport, TestMessages.Text("Bad record.", "ann@sts-badrecord.test"));

        Assert.Single(mx.Messages);
        Assert.Empty(web.Requests);
    }

    /// <summary>One port free on the policy host's address, one on the MX host's.</summary>
    private static (int Web, int Smtp) Ports(int webAddress, int smtpAddress) =>
        (LoopbackPorts.FreeOn(LoopbackPorts.Address(webAddress)), LoopbackPorts.FreeOn(LoopbackPorts.Address(smtpAddress)));

    private static DirectTransport Create(int policyPort, int smtpPort, CapturingLoggerProvider? logs = null)
    {
        var telemetry = logs is null ? MailSenderTelemetry.Shared : new MailSenderTelemetry(MailSenderInstruments.Shared, logs.CreateLogger(MailSenderTelemetry.Name));
        var settings = new DirectTransportSettings
        {
            NameServers = [IPEndPoint.Parse(TestDns.Server)],
            Port = smtpPort,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(10),
            TrustedCaFile = TestCertificates.AuthorityPemFile,
            MtaStsPolicyPort = policyPort,
            MtaStsPolicyTrust = new CertificateValidator([TestCertificates.Authority], null),
            DisplayName = "direct:",
        };
        var trust = new TrustStore();
        return new DirectTransport(
            settings,
            new SmtpConnector(TimeProvider.System, telemetry),
            trust.Create(settings.TrustedCaFile, null, acceptInvalid: true),
            TestDns.CreateResolver(),
            TimeProvider.System,
            new Random(7),
            telemetry,
            trust.Create(settings.TrustedCaFile, null));
    }
}
