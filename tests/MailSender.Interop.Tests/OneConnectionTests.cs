using MailSender.Interop.Tests.Support;

namespace MailSender.Interop.Tests;

/// <summary>20 sends at once through a pool of one connection (maxConnections=1), the 11th to a refused recipient only.</summary>
public sealed class OneConnectionTests(SenderCache senders) : IClassFixture<SenderCache>
{
    private const int Messages = 20;
    private const int Refused = 10;

    [SkippableTheory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public async Task SendAsync_TwentyConcurrentOnOneConnectionOneRefused_OthersDelivered(string name, Security security, string mode)
    {
        var server = InteropEnvironment.Require(name);
        var sender = senders.For(server.Uri(security, mode, "maxConnections=1"));
        var sends = Enumerable.Range(0, Messages).Select(i =>
        {
            var token = InteropMessages.NewToken();
            var to = i == Refused ? InteropMessages.RejectRecipient : InteropMessages.Address($"c{i:D2}", token);
            return (To: to, Message: InteropMessages.Create(token, $"one connection #{i} {name} {security} {mode}", InteropMessages.SevenBit(token), to));
        }).ToArray();

        var tasks = sends.Select(s => sender.SendAsync(s.Message)).ToArray();
        await Task.WhenAll(tasks).ContinueWith(static _ => { }, TaskScheduler.Default);

        for (var i = 0; i < Messages; i++)
        {
            if (i == Refused && server.Profile.RefusesTestRecipients)
            {
                var error = await Assert.ThrowsAsync<EmailSendException>(() => tasks[i]);
                Assert.Equal(EmailErrorKind.RecipientsRejected, error.Kind);
                Assert.Equal(550, error.StatusCode);
                continue;
            }

            var result = await tasks[i];
            Assert.Equal([sends[i].To], result.AcceptedRecipients);
        }

        foreach (var (to, message) in sends.Where((_, i) => i != Refused || !server.Profile.RefusesTestRecipients))
        {
            await Delivery.AssertStoredAsync(server, message, [to]);
        }
    }
}
