using MailSender.RealPeer.Tests.Support;

namespace MailSender.RealPeer.Tests.Smtp;

/// <summary>
/// The transaction engine against Postfix (PIPELINING and CHUNKING): every mode delivers, and with
/// <c>pipelining=aggressive</c> twenty transactions in flight on one connection, one of them refused, are judged alone.
/// </summary>
public sealed class PostfixPipeliningTests(PostfixFixture postfix) : IClassFixture<PostfixFixture>
{
    [SkippableTheory]
    [InlineData("off")]
    [InlineData("on")]
    [InlineData("aggressive")]
    public async Task SendAsync_TwentyOnOneConnectionOneRefused_OthersDeliveredOnceEach(string mode)
    {
        var peer = postfix.Require();
        var tokens = Enumerable.Range(0, 20).Select(_ => TestMessage.NewToken()).ToArray();
        await using var host = PeerSender.Create(
            peer.Uri("smtp", peer.PlainPort, $"security=none&pipelining={mode}&maxConnections=1&maxInFlight=20", withCredentials: false, trustCa: false),
            o => o.Resilience.Enabled = false);

        var sends = tokens.Select((token, i) => Outcome(host.Sender.SendAsync(TestMessage.Text(token, i == 10 ? peer.RejectRecipient : peer.Address("to", token))))).ToArray();
        var outcomes = await Task.WhenAll(sends);

        var refused = Assert.IsType<EmailSendException>(outcomes[10]);
        Assert.Equal(EmailErrorKind.RecipientsRejected, refused.Kind);
        Assert.Equal(550, refused.StatusCode);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (i == 10)
            {
                continue;
            }

            Assert.True(Assert.IsType<SendResult>(outcomes[i]).AllRecipientsAccepted);
            var delivered = Assert.Single(await peer.Maildir.WaitForAsync(tokens[i]));
            Assert.Equal(peer.Address("to", tokens[i]), delivered.DeliveredTo);
        }

        Assert.Empty(peer.Maildir.Find(tokens[10]));
    }

    private static async Task<object> Outcome(Task<SendResult> send)
    {
        try
        {
            return await send;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
