using MailSender.Interop.Tests.Support;
using MimeKit;

namespace MailSender.Interop.Tests;

/// <summary>One recipient; 7-bit, 8-bit (UTF-8, 8bit) and binary bodies, each read back byte for byte.</summary>
public sealed class BodyTests(SenderCache senders) : IClassFixture<SenderCache>
{
    [SkippableTheory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public async Task SendAsync_SevenBitEightBitAndBinaryBodies_StoredExactlyAsSent(string name, Security security, string mode)
    {
        var server = InteropEnvironment.Require(name);
        var sender = senders.For(server.Uri(security, mode));
        var bodies = new (string Case, Func<string, MimeEntity> Body)[]
        {
            ("7bit", InteropMessages.SevenBit),
            ("8bit", InteropMessages.EightBit),
            ("binary", _ => InteropMessages.Binary()),
        };
        var messages = bodies.Select(b =>
        {
            var token = InteropMessages.NewToken();
            var to = InteropMessages.Address("to", token);
            return (To: to, Message: InteropMessages.Create(token, $"{b.Case} {name} {security} {mode}", b.Body(token), to));
        }).ToArray();

        var results = await Task.WhenAll(messages.Select(m => sender.SendAsync(m.Message)));

        for (var i = 0; i < messages.Length; i++)
        {
            Assert.Equal([messages[i].To], results[i].AcceptedRecipients);
            Assert.Empty(results[i].RejectedRecipients);
            Assert.Equal(messages[i].Message.MessageId, results[i].MessageId);
        }

        foreach (var (to, message) in messages)
        {
            await Delivery.AssertStoredAsync(server, message, [to]);
        }
    }
}
