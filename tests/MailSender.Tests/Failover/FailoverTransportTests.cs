using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.Tests.Failover;

/// <summary><c>failover(A B)</c> and <c>roundrobin(A B)</c> against two scripted SMTP servers on 127.0.0.1.</summary>
public sealed class FailoverTransportTests
{
    [Fact]
    public async Task SendAsync_FirstServerBusy_FailsOverToTheSecond()
    {
        await using var a = ScriptedSmtpServer.Start(new SmtpScript { Greeting = "421 4.3.2 Service not available" });
        await using var b = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create($"failover({Smtp(a)} {Smtp(b)})");

        var result = await host.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(1, result.Attempts);
        Assert.Contains($":{b.Port}", result.Transport, StringComparison.Ordinal);
        Assert.Equal(1, a.ConnectionCount);
        Assert.Empty(a.Transactions);
        Assert.Single(b.Transactions);
    }

    [Fact]
    public async Task SendAsync_RecipientRefusedWith550_DoesNotTryTheNextServer()
    {
        await using var a = ScriptedSmtpServer.Start(new SmtpScript { RecipientReply = "550 5.1.1 No such user" });
        await using var b = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create($"failover({Smtp(a)} {Smtp(b)})");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
        Assert.Equal(0, b.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_DeliveryUncertain_DoesNotTryTheNextServer()
    {
        await using var a = ScriptedSmtpServer.Start(new SmtpScript { Fault = SmtpFault.CloseAfterFinalDot });
        await using var b = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create($"failover({Smtp(a)} {Smtp(b)})");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.DeliveryUncertain, error.Kind);
        Assert.Single(a.Transactions);
        Assert.Equal(0, b.ConnectionCount);
    }

    [Fact]
    public async Task SendAsync_RoundRobin_SpreadsMessagesAcrossTheServers()
    {
        await using var a = ScriptedSmtpServer.Start();
        await using var b = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create($"roundrobin({Smtp(a)} {Smtp(b)})");

        for (var i = 0; i < 4; i++)
        {
            await host.Sender.SendAsync(TestMessages.Text());
        }

        Assert.Equal(2, a.Transactions.Count);
        Assert.Equal(2, b.Transactions.Count);
    }

    [Fact]
    public async Task SendAsync_RoundRobinWithOneServerDown_SendsEverythingThroughTheOther()
    {
        await using var a = ScriptedSmtpServer.Start(new SmtpScript { Greeting = "421 4.3.2 Service not available" });
        await using var b = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create($"roundrobin({Smtp(a)} {Smtp(b)})");

        for (var i = 0; i < 4; i++)
        {
            await host.Sender.SendAsync(TestMessages.Text());
        }

        Assert.Empty(a.Transactions);
        Assert.Equal(4, b.Transactions.Count);
    }

    [Fact]
    public async Task SendAsync_RoundRobinWithOneServerDown_StopsTryingItOnceItsCircuitOpens()
    {
        await using var a = ScriptedSmtpServer.Start(new SmtpScript { Greeting = "421 4.3.2 Service not available" });
        await using var b = ScriptedSmtpServer.Start();
        await using var host = MailSenderHost.Create($"roundrobin({Smtp(a)} {Smtp(b)})", o =>
        {
            o.Resilience.Enabled = true;
            o.Resilience.Retry.MaxRetryAttempts = 1;
            o.Resilience.Retry.Delay = TimeSpan.FromMilliseconds(1);
            o.Resilience.CircuitBreaker.MinimumThroughput = 2;
            o.Resilience.CircuitBreaker.FailureRatio = 0.5;
            o.Resilience.CircuitBreaker.BreakDuration = TimeSpan.FromMinutes(10);
        });

        for (var i = 0; i < 10; i++)
        {
            await host.Sender.SendAsync(TestMessages.Text());
        }

        // Messages 1 and 3 start at A and fail over; after those two failures A's own circuit is open and A is skipped
        // (without a circuit per transport, every other message would knock on A again: 5 connections).
        Assert.Equal(2, a.ConnectionCount);
        Assert.Equal(10, b.Transactions.Count);
    }

    [Theory]
    [InlineData("failover(smtp://a.example.com)", "at least two")]
    [InlineData("failover(smtp://a.example.com smtp://b.example.com", "must end with ')'")]
    [InlineData("roundrobin(failover(smtp://a.example.com smtp://b.example.com) smtp://c.example.com)", "do not nest")]
    [InlineData("failover(smtp://a.example.com nope://b)", "Unknown transport scheme 'nope:'")]
    public void AddMailSender_InvalidComposite_FailsAtStartWithTheReason(string transport, string reason)
    {
        using var provider = new ServiceCollection().AddMailSender(o => o.Transport = transport).Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static string Smtp(ScriptedSmtpServer server) => TestTransports.Smtp(server.Port, "security=none");
}
