using System.Net;
using MailSender.Diagnostics;
using MailSender.Smtp.Direct;
using MailSender.Internal;
using MailSender.Tests.Diagnostics;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;
using MimeKit;
using MailSender.Sending;

namespace MailSender.Tests.Smtp.Direct;

/// <summary>
/// Direct delivery against real SMTP servers on loopback addresses, with MX records from <see cref="FakeMxResolver"/> (no DNS server;
/// <see cref="DirectTransportDnsTests"/> does the same through dnsmasq).
/// </summary>
public class DirectTransportTests
{
    [Fact]
    public async Task SendAsync_OneMx_DeliversThereWithoutAuthentication()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver().Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port);

        var result = await SendAsync(transport, TestMessages.Text("Direct.", "ann@mx-ok.test", "bob@MX-OK.test"));

        Assert.Equal(["ann@mx-ok.test", "bob@MX-OK.test"], result.AcceptedRecipients);
        Assert.Empty(result.RejectedRecipients);
        Assert.Equal("2.0.0 Ok: queued as INPROC1", result.ServerResponse);
        Assert.Equal($"direct:?port={server.Port}", result.Transport);
        var stored = Assert.Single(server.Messages);
        Assert.Equal(["ann@mx-ok.test", "bob@MX-OK.test"], stored.To);
        Assert.Empty(server.Authentications);
        Assert.Equal(["MX mx-ok.test", "A mx1.mx-ok.test"], resolver.Queries);
    }

    [Fact]
    public async Task SendAsync_WithTelemetry_LogsTheConnectionEventsThere()
    {
        // Regression: direct delivery opened its connections with the shared telemetry (no logger), losing events 110-112.
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver().Mx("mx-log.test", ("mx1.mx-log.test", 10)).Address("mx1.mx-log.test", "127.0.0.1");
        var logs = new CapturingLoggerProvider();
        var telemetry = new MailSenderTelemetry(MailSenderInstruments.Shared, logs.CreateLogger(MailSenderTelemetry.Name));
        await using (var transport = Create(resolver, server.Port, telemetry: telemetry))
        {
            await SendAsync(transport, TestMessages.Text("Direct.", "ann@mx-log.test"));
        }

        var ids = logs.Events.Select(e => e.Id).ToArray();
        Assert.Contains(110, ids);
        Assert.Contains(112, ids);
        Assert.All(logs.Events.Where(e => e.Id is 110 or 112), e => Assert.Contains($"ServerPort={server.Port}", e.StateValues));
    }

    [Fact]
    public async Task SendAsync_FirstMxRefusesConnection_DeliversThroughTheNext()
    {
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(2), LoopbackPorts.Address(3));
        await using var up = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(3), Port = port });
        var resolver = new FakeMxResolver()
            .Mx("fallback.test", ("up.fallback.test", 20), ("down.fallback.test", 10))
            .Address("down.fallback.test", "127.0.0.2")
            .Address("up.fallback.test", "127.0.0.3");
        await using var transport = Create(resolver, port);

        var result = await SendAsync(transport, TestMessages.Text("Fallback.", "ann@fallback.test"));

        Assert.Equal(["ann@fallback.test"], result.AcceptedRecipients);
        Assert.Single(up.Messages);
        Assert.Equal(["MX fallback.test", "A down.fallback.test", "A up.fallback.test"], resolver.Queries);
    }

    [Theory]
    [InlineData("421 4.3.2 Service shutting down", null)]
    [InlineData(null, "451 4.7.1 Greylisted, try again later")]
    public async Task SendAsync_FirstMxAnswers4xx_DeliversThroughTheNext(string? greeting, string? mailReply)
    {
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(4), LoopbackPorts.Address(5));
        var script = new SmtpScript();
        script = script with { Greeting = greeting ?? script.Greeting, MailReply = mailReply ?? script.MailReply };
        await using var busy = ScriptedSmtpServer.Start(script, LoopbackPorts.Address(4), port);
        await using var up = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(5), Port = port });
        var resolver = new FakeMxResolver()
            .Mx("busy.test", ("busy.busy.test", 10), ("up.busy.test", 20))
            .Address("busy.busy.test", "127.0.0.4")
            .Address("up.busy.test", "127.0.0.5");
        await using var transport = Create(resolver, port);

        var result = await SendAsync(transport, TestMessages.Text("Busy first.", "ann@busy.test"));

        Assert.Equal(["ann@busy.test"], result.AcceptedRecipients);
        Assert.Equal(1, busy.ConnectionCount);
        Assert.Single(up.Messages);
    }

    [Fact]
    public async Task SendAsync_FirstMxAnswers5xx_FailsWithoutTryingTheNext()
    {
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(6), LoopbackPorts.Address(7));
        await using var refusing = ScriptedSmtpServer.Start(new SmtpScript { MailReply = "550 5.7.1 Sender refused by policy" }, LoopbackPorts.Address(6), port);
        await using var backup = ScriptedSmtpServer.Start(new SmtpScript(), LoopbackPorts.Address(7), port);
        var resolver = new FakeMxResolver()
            .Mx("reject.test", ("mx.reject.test", 10), ("backup.reject.test", 20))
            .Address("mx.reject.test", "127.0.0.6")
            .Address("backup.reject.test", "127.0.0.7");
        await using var transport = Create(resolver, port);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Refused.", "ann@reject.test")));

        Assert.Equal(EmailErrorKind.SenderRejected, error.Kind);
        Assert.Equal(550, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.StartsWith("Direct delivery to reject.test failed:", error.Message, StringComparison.Ordinal);
        var rejected = Assert.Single(error.Recipients);
        Assert.Equal(("ann@reject.test", 550, "5.7.1"), (rejected.Address, rejected.StatusCode, rejected.EnhancedStatusCode));
        Assert.Equal(0, backup.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_ConnectionLostAfterTheFinalDot_DeliveryUncertainAndNoOtherMxTried()
    {
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(6), LoopbackPorts.Address(7));
        var silent = new SmtpScript { Intercept = (exchange, _) => Task.FromResult(exchange.Command == "." ? SmtpScript.CloseSilently : null) };
        await using var first = ScriptedSmtpServer.Start(silent, LoopbackPorts.Address(6), port);
        await using var backup = ScriptedSmtpServer.Start(new SmtpScript(), LoopbackPorts.Address(7), port);
        var resolver = new FakeMxResolver()
            .Mx("reject.test", ("mx.reject.test", 10), ("backup.reject.test", 20))
            .Address("mx.reject.test", "127.0.0.6")
            .Address("backup.reject.test", "127.0.0.7");
        await using var transport = Create(resolver, port);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Maybe.", "ann@reject.test")));

        Assert.Equal(EmailErrorKind.DeliveryUncertain, error.Kind);
        Assert.True(error.MayHaveBeenAccepted);
        Assert.False(error.IsTransient);
        Assert.Equal(0, backup.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_NoMxRecord_DeliversToTheDomainsAddress()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver().Address("nomx.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port);

        var result = await SendAsync(transport, TestMessages.Text("Implicit MX.", "ann@nomx.test"));

        Assert.Equal(["ann@nomx.test"], result.AcceptedRecipients);
        Assert.Single(server.Messages);
        Assert.Equal(["MX nomx.test", "A nomx.test"], resolver.Queries);
    }

    [Fact]
    public async Task SendAsync_NoMxAndNoAddress_PermanentFailure()
    {
        var resolver = new FakeMxResolver().Mx("bare.test", MxLookup.NoRecords);
        await using var transport = Create(resolver, 25);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Nowhere.", "ann@bare.test")));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("no MX record and no A or AAAA record", error.Message, StringComparison.Ordinal);
        Assert.Equal((550, "5.1.2"), (error.Recipients[0].StatusCode, error.Recipients[0].EnhancedStatusCode));
    }

    [Fact]
    public async Task SendAsync_NullMx_PermanentFailureWithoutConnecting()
    {
        var resolver = new FakeMxResolver().Mx("nullmx.test", (".", 0));
        await using var transport = Create(resolver, 25);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Null.", "ann@nullmx.test", "bob@nullmx.test")));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("null MX (RFC 7505)", error.Message, StringComparison.Ordinal);
        Assert.Equal(["ann@nullmx.test", "bob@nullmx.test"], error.Recipients.Select(r => r.Address));
        Assert.All(error.Recipients, r => Assert.Equal((556, "5.1.10"), (r.StatusCode, r.EnhancedStatusCode)));
        Assert.Equal(["MX nullmx.test"], resolver.Queries);
    }

    [Fact]
    public async Task SendAsync_DomainDoesNotExist_PermanentFailure()
    {
        await using var transport = Create(new FakeMxResolver(), 25);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Typo.", "ann@no-such-domain.test")));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.Contains("does not exist (DNS answered NXDOMAIN)", error.Message, StringComparison.Ordinal);
        Assert.Equal(550, Assert.Single(error.Recipients).StatusCode);
    }

    [Fact]
    public async Task SendAsync_DnsServerFails_TransientFailure()
    {
        var resolver = new FakeMxResolver().Mx("flaky.test", MxLookup.Failed("Query 1234 => flaky.test IN MX on 127.0.0.1:53 failed with an error: ServerFailure"));
        await using var transport = Create(resolver, 25);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Later.", "ann@flaky.test")));

        Assert.Equal(EmailErrorKind.ConnectionFailed, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal((451, "4.4.3"), (error.Recipients[0].StatusCode, error.Recipients[0].EnhancedStatusCode));
    }

    [Fact]
    public async Task SendAsync_NameServerDoesNotAnswer_TransientFailure()
    {
        // A real resolver pointed at a port where no DNS server listens.
        var port = LoopbackPorts.FreeOn(IPAddress.Loopback);

        var error = await MailSenderHost.SendFailingAsync($"direct:?dns=127.0.0.1:{port}&dnsTimeout=200ms&port=2525", TestMessages.Text("No DNS.", "ann@example.test"));

        Assert.Equal(EmailErrorKind.ConnectionFailed, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Contains("The MX lookup of 'example.test' failed", error.Message, StringComparison.Ordinal);
        Assert.Equal((451, "4.4.3"), (error.Recipients[0].StatusCode, error.Recipients[0].EnhancedStatusCode));
    }

    [Fact]
    public async Task SendAsync_TwoDomainsOneFailing_DeliversToTheOtherAndMergesTheResults()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver()
            .Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1")
            .Mx("nullmx.test", (".", 0));
        await using var transport = Create(resolver, server.Port);

        var result = await SendAsync(transport, TestMessages.Text("Half.", "ann@mx-ok.test", "bob@nullmx.test", "cid@mx-ok.test"));

        Assert.Equal(["ann@mx-ok.test", "cid@mx-ok.test"], result.AcceptedRecipients);
        var rejected = Assert.Single(result.RejectedRecipients);
        Assert.Equal(("bob@nullmx.test", 556, "5.1.10", false), (rejected.Address, rejected.StatusCode, rejected.EnhancedStatusCode, rejected.IsTransient));
        Assert.Equal(["ann@mx-ok.test", "cid@mx-ok.test"], Assert.Single(server.Messages).To);
        Assert.Equal("mx-ok.test: 2.0.0 Ok: queued as INPROC1", result.ServerResponse);
    }

    [Fact]
    public async Task SendAsync_TwoDomainsDelivered_EachGetsTheSameBytes()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver()
            .Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1")
            .Address("nomx.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port);
        var message = TestMessages.Text("Both.", "ann@mx-ok.test", "bob@nomx.test");
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "Both, with an attachment." }, new MimePart("application", "octet-stream") { Content = new MimeContent(new MemoryStream(new byte[5000])), FileName = "zeros.bin" } };

        var result = await SendAsync(transport, message);

        Assert.Equal(["ann@mx-ok.test", "bob@nomx.test"], result.AcceptedRecipients.Order());
        Assert.Equal(2, server.Messages.Count);
        Assert.Equal(server.Messages[0].Data, server.Messages[1].Data);
    }

    [Fact]
    public async Task SendAsync_EveryDomainFails_ThrowsWithEveryRecipient()
    {
        var resolver = new FakeMxResolver().Mx("nullmx.test", (".", 0));
        await using var transport = Create(resolver, 25);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("None.", "ann@nullmx.test", "bob@missing.test")));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.False(error.IsTransient);
        Assert.StartsWith("Direct delivery failed for every domain: nullmx.test: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing.test: The domain 'missing.test' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Equal(["ann@nullmx.test", "bob@missing.test"], error.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task SendAsync_ManyMessagesToOneDomain_NeverMoreConnectionsThanTheCap()
    {
        var script = new SmtpScript { Intercept = async (exchange, ct) => { if (exchange.Verb == "MAIL") { await Task.Delay(150, ct); } return null; } };
        await using var server = ScriptedSmtpServer.Start(script);
        var resolver = new FakeMxResolver().Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port, s => s with { MaxConnectionsPerDomain = 2 });

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => SendAsync(transport, TestMessages.Text($"Message {i}.", $"user{i}@mx-ok.test"))));

        Assert.All(results, r => Assert.Single(r.AcceptedRecipients));
        Assert.Equal(6, server.Transactions.Count);
        Assert.Equal(2, server.MaxConcurrentConnections);
        Assert.Equal(0, transport.OpenDomainGates);
    }

    [Fact]
    public async Task SendAsync_StartTlsHandshakeFails_DeliversWithoutEncryptionOnANewConnection()
    {
        var script = new SmtpScript
        {
            // Offers STARTTLS, agrees, then answers the TLS handshake with plain text.
            Capabilities = ["PIPELINING", "STARTTLS"],
            Intercept = (exchange, _) => Task.FromResult(exchange.Verb == "STARTTLS" ? "220 2.0.0 Ready\r\nTHIS IS NOT TLS" : null),
        };
        await using var server = ScriptedSmtpServer.Start(script);
        var resolver = new FakeMxResolver().Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port);

        var result = await SendAsync(transport, TestMessages.Text("Plain after all.", "ann@mx-ok.test"));

        Assert.Equal(["ann@mx-ok.test"], result.AcceptedRecipients);
        Assert.Equal(2, server.ConnectionCount);
        Assert.Contains("STARTTLS", server.Connections[0].Commands);
        Assert.DoesNotContain("STARTTLS", server.Connections[1].Commands);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_StartTlsHandshakeFailsAndCertificatesMustValidate_NoPlainTextFallback()
    {
        var script = new SmtpScript
        {
            Capabilities = ["PIPELINING", "STARTTLS"],
            Intercept = (exchange, _) => Task.FromResult(exchange.Verb == "STARTTLS" ? "220 2.0.0 Ready\r\nTHIS IS NOT TLS" : null),
        };
        await using var server = ScriptedSmtpServer.Start(script);
        var resolver = new FakeMxResolver().Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port, s => s with { ValidateCertificates = true });

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("No.", "ann@mx-ok.test")));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Equal(1, server.ConnectionCount);
        Assert.Empty(server.Transactions);
    }

    [Fact]
    public async Task SendAsync_StartTlsOfferedWithACertificateForAnotherName_EncryptsAnyway()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, Certificate = TestCertificates.UntrustedSelfSigned });
        var resolver = new FakeMxResolver().Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port);

        await SendAsync(transport, TestMessages.Text("Encrypted.", "ann@mx-ok.test"));

        Assert.True(Assert.Single(server.Messages).Secure);
    }

    [Fact]
    public async Task SendAsync_RequireTlsAndNoStartTls_FailsTheDomain()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver().Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port, s => s with { RequireTls = true, ValidateCertificates = true });

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Plain refused.", "ann@mx-ok.test")));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        Assert.Equal((554, "5.7.10"), (error.Recipients[0].StatusCode, error.Recipients[0].EnhancedStatusCode));
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task SendAsync_RequireTlsAndCertificateNotForTheMxName_FailsValidation()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });
        var resolver = new FakeMxResolver().Mx("mx-ok.test", ("mx1.mx-ok.test", 10)).Address("mx1.mx-ok.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port, s => s with { RequireTls = true, ValidateCertificates = true, TrustedCaFile = TestCertificates.AuthorityPemFile });

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Wrong name.", "ann@mx-ok.test")));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Contains("name does not match", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Messages);
    }

    [Fact]
    public async Task SendAsync_RequireTlsWithAValidCertificate_Delivers()
    {
        // The test certificate is issued to localhost: an MX named localhost validates against the test CA.
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls });
        var resolver = new FakeMxResolver().Mx("mx-ok.test", ("localhost", 10)).Address("localhost", "127.0.0.1");
        await using var transport = Create(resolver, server.Port, s => s with { RequireTls = true, ValidateCertificates = true, TrustedCaFile = TestCertificates.AuthorityPemFile });

        await SendAsync(transport, TestMessages.Text("Validated.", "ann@mx-ok.test"));

        Assert.True(Assert.Single(server.Messages).Secure);
    }

    [Fact]
    public async Task SendAsync_AddressLiteral_DeliversToThatAddress()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var resolver = new FakeMxResolver();
        await using var transport = Create(resolver, server.Port);

        await SendAsync(transport, TestMessages.Text("Literal.", "ann@[127.0.0.1]"));

        Assert.Single(server.Messages);
        Assert.Empty(resolver.Queries);
    }

    [Theory]
    [InlineData(EmailErrorKind.ConnectionFailed, null, true, false, true)]
    [InlineData(EmailErrorKind.Timeout, null, true, false, true)]
    [InlineData(EmailErrorKind.TlsFailed, null, false, false, true)]
    [InlineData(EmailErrorKind.ServerBusy, 421, true, false, true)]
    [InlineData(EmailErrorKind.SenderRejected, 451, true, false, true)]
    [InlineData(EmailErrorKind.SenderRejected, 550, false, false, false)]
    [InlineData(EmailErrorKind.MessageRejected, 554, false, false, false)]
    [InlineData(EmailErrorKind.RecipientsRejected, 450, true, false, true)]
    [InlineData(EmailErrorKind.RecipientsRejected, 450, false, false, false)]
    [InlineData(EmailErrorKind.DeliveryUncertain, null, false, true, false)]
    public void ShouldTryNextHost_ByError(EmailErrorKind kind, int? code, bool transient, bool mayHaveBeenAccepted, bool expected)
    {
        var error = new EmailSendException(kind, "x") { StatusCode = code, IsTransient = transient, MayHaveBeenAccepted = mayHaveBeenAccepted };

        Assert.Equal(expected, DirectTransport.ShouldTryNextHost(error));
    }

    [Fact]
    public async Task SendAsync_NonAsciiLocalPartAndMxWithoutSmtpUtf8_UnsupportedByServerBeforeMailFrom()
    {
        // Direct delivery shares the SMTP session, so it refuses what the MX could only mangle, as the SMTP transport does.
        await using var server = ScriptedSmtpServer.Start();
        var resolver = new FakeMxResolver().Mx("utf8.test", ("mx.utf8.test", 10)).Address("mx.utf8.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text("Hej.", "jöran@utf8.test")));

        Assert.Equal(EmailErrorKind.UnsupportedByServer, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("SMTPUTF8", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.ConnectionCount);
        Assert.Empty(server.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task SendAsync_NonAsciiLocalPartAndMxWithSmtpUtf8_DeliversWithTheSmtpUtf8Parameter()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "8BITMIME", "SMTPUTF8"] });
        var resolver = new FakeMxResolver().Mx("utf8.test", ("mx.utf8.test", 10)).Address("mx.utf8.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port);

        var result = await SendAsync(transport, TestMessages.Text("Hej.", "jöran@utf8.test"));

        Assert.Equal(["jöran@utf8.test"], result.AcceptedRecipients);
        Assert.Contains("SMTPUTF8", Assert.Single(server.CommandsStartingWith("MAIL")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_MessageOverTheMxSizeLimit_MessageTooLargeBeforeMailFrom()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["PIPELINING", "SIZE 2000"] });
        var resolver = new FakeMxResolver().Mx("size.test", ("mx.size.test", 10)).Address("mx.size.test", "127.0.0.1");
        await using var transport = Create(resolver, server.Port);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => SendAsync(transport, TestMessages.Text(new string('x', 5000), "ann@size.test")));

        Assert.Equal(EmailErrorKind.MessageTooLarge, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("2,000 bytes (SIZE)", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.CommandsStartingWith("MAIL"));
        Assert.Equal(1, server.ConnectionCount);
    }

    internal static DirectTransport Create(FakeMxResolver resolver, int port, Func<DirectTransportSettings, DirectTransportSettings>? configure = null, MailSenderTelemetry? telemetry = null, MailSender.Smtp.Direct.MtaSts.IMtaStsPolicyFetcher? policyFetcher = null)
    {
        var settings = new DirectTransportSettings
        {
            Port = port,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(10),
            DisplayName = $"direct:?port={port}",
        };
        settings = configure?.Invoke(settings) ?? settings;
        telemetry ??= MailSenderTelemetry.Shared;
        var trust = new TrustStore();
        var certificates = trust.Create(settings.TrustedCaFile, settings.TrustedCertificateThumbprint, acceptInvalid: !settings.ValidateCertificates);
        var validating = trust.Create(settings.TrustedCaFile, settings.TrustedCertificateThumbprint);
        return new DirectTransport(settings, new SmtpConnector(TimeProvider.System, telemetry), certificates, resolver, TimeProvider.System, new Random(7), telemetry, validating, policyFetcher);
    }

    internal static Task<SendResult> SendAsync(DirectTransport transport, MimeMessage message) =>
        transport.SendAsync(message, MessagePreparer.Prepare(message, null));
}
