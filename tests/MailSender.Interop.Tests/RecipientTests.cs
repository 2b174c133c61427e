using MailSender.Interop.Tests.Support;

namespace MailSender.Interop.Tests;

/// <summary>100 recipients in one message, two of them refused (550 and 450) where the server refuses test recipients.</summary>
public sealed class RecipientTests(SenderCache senders) : IClassFixture<SenderCache>
{
    [SkippableTheory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public async Task SendAsync_HundredRecipientsSomeRefused_ReportsEachAndDeliversToTheAccepted(string name, Security security, string mode)
    {
        var server = InteropEnvironment.Require(name);
        var token = InteropMessages.NewToken();
        var good = Enumerable.Range(0, 98).Select(i => InteropMessages.Address($"r{i:D2}", token)).ToList();
        var all = new List<string>(good);
        all.Insert(40, InteropMessages.RejectRecipient);
        all.Insert(70, InteropMessages.TempfailRecipient);
        var message = InteropMessages.Create(token, $"100 recipients {name} {security} {mode}", InteropMessages.SevenBit(token), [.. all]);

        var result = await senders.For(server.Uri(security, mode)).SendAsync(message);

        if (server.Profile.RefusesTestRecipients)
        {
            Assert.Equal(good, result.AcceptedRecipients);
            Assert.Collection(
                result.RejectedRecipients,
                r =>
                {
                    Assert.Equal(InteropMessages.RejectRecipient, r.Address);
                    Assert.Equal(550, r.StatusCode);
                    Assert.False(r.IsTransient);
                },
                r =>
                {
                    Assert.Equal(InteropMessages.TempfailRecipient, r.Address);
                    Assert.Equal(450, r.StatusCode);
                    Assert.True(r.IsTransient);
                });
            await Delivery.AssertStoredAsync(server, message, good);
        }
        else
        {
            // smtp-sink accepts every recipient.
            Assert.Equal(all, result.AcceptedRecipients);
            Assert.Empty(result.RejectedRecipients);
            await Delivery.AssertStoredAsync(server, message, all);
        }
    }
}
