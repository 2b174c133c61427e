using MailSender.Interop.Tests.Support;
using MimeKit;

namespace MailSender.Interop.Tests;

/// <summary>
/// Bodies that test the DATA encoding: lines that are "." or start with ".", a body without a final line break, an
/// empty body and a 3 MB body, each read back byte for byte (and 50 MB once per mode against Exim).
/// </summary>
public sealed class DotStuffingTests(SenderCache senders) : IClassFixture<SenderCache>
{
    /// <summary>Postfix announces SIZE 10240000 (scripts/postfix/start.sh, relied on by the real-peer suite), so 50 MB goes to Exim (200 MB).</summary>
    public static TheoryData<string, Security, string> FiftyMegabyteCases => InteropCases.Where(p => p.Name == ServerProfile.Exim);

    [SkippableTheory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public async Task SendAsync_DotsMissingFinalLineBreakEmptyAndLargeBodies_StoredExactlyAsSent(string name, Security security, string mode)
    {
        var server = InteropEnvironment.Require(name);
        var sender = senders.For(server.Uri(security, mode));
        var bodies = new (string Case, Func<MimeEntity> Body)[]
        {
            ("dots", InteropMessages.Dots),
            ("no-final-line-break", InteropMessages.NoFinalLineBreak),
            ("empty", InteropMessages.Empty),
            ("3MB", () => InteropMessages.Large(3 * 1024 * 1024)),
        };
        var messages = bodies.Select(b =>
        {
            var token = InteropMessages.NewToken();
            var to = InteropMessages.Address("to", token);
            return (To: to, Message: InteropMessages.Create(token, $"{b.Case} {name} {security} {mode}", b.Body(), to));
        }).ToArray();

        var results = await Task.WhenAll(messages.Select(m => sender.SendAsync(m.Message)));

        for (var i = 0; i < messages.Length; i++)
        {
            Assert.Equal([messages[i].To], results[i].AcceptedRecipients);
        }

        foreach (var (to, message) in messages)
        {
            await Delivery.AssertStoredAsync(server, message, [to]);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(FiftyMegabyteCases))]
    public async Task SendAsync_FiftyMegabytes_StoredExactlyAsSent(string name, Security security, string mode)
    {
        var server = InteropEnvironment.Require(name);
        var token = InteropMessages.NewToken();
        var to = InteropMessages.Address("to", token);
        var message = InteropMessages.Create(token, $"50MB {name} {security} {mode}", InteropMessages.Large(50 * 1024 * 1024), to);

        var result = await senders.For(server.Uri(security, mode)).SendAsync(message);

        Assert.Equal([to], result.AcceptedRecipients);
        await Delivery.AssertStoredAsync(server, message, [to], timeout: TimeSpan.FromSeconds(60));
    }
}
