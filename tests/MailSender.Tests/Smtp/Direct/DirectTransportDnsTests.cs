using System.Net;
using MailSender.Smtp.Direct;
using MailSender.TestSupport;

namespace MailSender.Tests.Smtp.Direct;

/// <summary>
/// Direct delivery as an application configures it (<c>direct:?dns=127.0.0.1:15353&amp;port=N</c>), with MX records from a real DNS server
/// (dnsmasq, started by scripts/direct/setup.sh) that point at SMTP servers on loopback addresses. Skipped without dnsmasq, except under CI=true.
/// </summary>
public class DirectTransportDnsTests
{
    [SkippableFact]
    public async Task DnsMxResolver_TestRecords_AnswersAsConfigured()
    {
        await TestDns.RequireAsync();
        var resolver = TestDns.CreateResolver();

        var ok = await resolver.LookupMxAsync("mx-ok.test", CancellationToken.None);
        var fallback = await resolver.LookupMxAsync("fallback.test", CancellationToken.None);
        var nullMx = await resolver.LookupMxAsync("nullmx.test", CancellationToken.None);
        var noMx = await resolver.LookupMxAsync("nomx.test", CancellationToken.None);
        var missing = await resolver.LookupMxAsync("missing.test", CancellationToken.None);

        Assert.Equal([new MxRecord("mx1.mx-ok.test", 10)], ok.Records);
        Assert.Equal([new MxRecord("down.fallback.test", 10), new MxRecord("up.fallback.test", 20)], fallback.Records.OrderBy(r => r.Preference));
        Assert.True(DirectRouting.IsNullMx(nullMx.Records));
        Assert.Equal(MxLookupStatus.NoRecords, noMx.Status);
        Assert.Equal(MxLookupStatus.DomainNotFound, missing.Status);
        Assert.Equal([IPAddress.Parse("127.0.0.8")], await resolver.LookupAddressesAsync("nomx.test", CancellationToken.None));
        Assert.Empty(await resolver.LookupAddressesAsync("missing.test", CancellationToken.None));
    }

    [SkippableFact]
    public async Task SendAsync_MxRecord_Delivers()
    {
        await TestDns.RequireAsync();
        await using var server = await InProcessSmtpServer.StartAsync();

        var result = await MailSenderHost.SendAsync(Uri(server.Port), TestMessages.Text("Via DNS.", "ann@mx-ok.test"));

        Assert.Equal(["ann@mx-ok.test"], result.AcceptedRecipients);
        Assert.Equal(["ann@mx-ok.test"], Assert.Single(server.Messages).To);
    }

    [SkippableFact]
    public async Task SendAsync_FirstMxRefusesConnection_DeliversThroughTheSecond()
    {
        await TestDns.RequireAsync();
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(2), LoopbackPorts.Address(3));
        await using var up = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(3), Port = port });

        var result = await MailSenderHost.SendAsync(Uri(port), TestMessages.Text("Second MX.", "ann@fallback.test"));

        Assert.Equal(["ann@fallback.test"], result.AcceptedRecipients);
        Assert.Single(up.Messages);
    }

    [SkippableFact]
    public async Task SendAsync_FirstMxAnswers421_DeliversThroughTheSecond()
    {
        await TestDns.RequireAsync();
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(4), LoopbackPorts.Address(5));
        await using var busy = ScriptedSmtpServer.Start(new SmtpScript { Greeting = "421 4.3.2 Too busy, try later" }, LoopbackPorts.Address(4), port);
        await using var up = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(5), Port = port });

        var result = await MailSenderHost.SendAsync(Uri(port), TestMessages.Text("Busy first.", "ann@busy.test"));

        Assert.Equal(["ann@busy.test"], result.AcceptedRecipients);
        Assert.Equal(1, busy.ConnectionCount);
        Assert.Single(up.Messages);
    }

    [SkippableFact]
    public async Task SendAsync_FirstMxAnswers550_NoOtherMxTried()
    {
        await TestDns.RequireAsync();
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(6), LoopbackPorts.Address(7));
        await using var refusing = ScriptedSmtpServer.Start(new SmtpScript { RecipientReply = "550 5.1.1 No such user" }, LoopbackPorts.Address(6), port);
        await using var backup = ScriptedSmtpServer.Start(new SmtpScript(), LoopbackPorts.Address(7), port);

        var error = await MailSenderHost.SendFailingAsync(Uri(port), TestMessages.Text("Refused.", "ann@reject.test"));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.Equal(("ann@reject.test", 550, "5.1.1"), (error.Recipients[0].Address, error.Recipients[0].StatusCode, error.Recipients[0].EnhancedStatusCode));
        Assert.Equal(0, backup.ConnectionCount);
    }

    [SkippableFact]
    public async Task SendAsync_NoMx_DeliversToTheARecord()
    {
        await TestDns.RequireAsync();
        var port = LoopbackPorts.FreeOn(LoopbackPorts.Address(8));
        await using var server = await InProcessSmtpServer.StartAsync(new() { Address = LoopbackPorts.Address(8), Port = port });

        var result = await MailSenderHost.SendAsync(Uri(port), TestMessages.Text("Implicit MX.", "ann@nomx.test"));

        Assert.Equal(["ann@nomx.test"], result.AcceptedRecipients);
        Assert.Single(server.Messages);
    }

    [SkippableFact]
    public async Task SendAsync_NullMx_PermanentFailure()
    {
        await TestDns.RequireAsync();

        var error = await MailSenderHost.SendFailingAsync(Uri(2525), TestMessages.Text("Null MX.", "ann@nullmx.test"));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Equal((556, "5.1.10"), (error.Recipients[0].StatusCode, error.Recipients[0].EnhancedStatusCode));
    }

    [SkippableFact]
    public async Task SendAsync_TwoDomainsOneWithNullMx_DeliversToTheOtherAndReportsBoth()
    {
        await TestDns.RequireAsync();
        await using var server = await InProcessSmtpServer.StartAsync();

        var result = await MailSenderHost.SendAsync(Uri(server.Port), TestMessages.Text("Two domains.", "ann@mx-ok.test", "bob@nullmx.test"));

        Assert.Equal(["ann@mx-ok.test"], result.AcceptedRecipients);
        Assert.Equal("bob@nullmx.test", Assert.Single(result.RejectedRecipients).Address);
        Assert.Equal(["ann@mx-ok.test"], Assert.Single(server.Messages).To);
    }

    [SkippableFact]
    public async Task SendAsync_UnknownDomain_PermanentFailure()
    {
        await TestDns.RequireAsync();

        var error = await MailSenderHost.SendFailingAsync(Uri(2525), TestMessages.Text("Nobody.", "ann@missing.test"));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.Contains("NXDOMAIN", error.Message, StringComparison.Ordinal);
    }

    private static string Uri(int port) => $"direct:?dns={TestDns.Server}&port={port}&connectTimeout=5s&timeout=10s";
}
