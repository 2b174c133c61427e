using MailSender.Interop.Tests.Support;

namespace MailSender.Interop.Tests;

/// <summary>A non-ASCII local part (josé-TOKEN@example.test): delivered with SMTPUTF8 where offered, refused clearly before sending where not.</summary>
public sealed class SmtpUtf8Tests(SenderCache senders) : IClassFixture<SenderCache>
{
    [SkippableTheory]
    [MemberData(nameof(InteropCases.All), MemberType = typeof(InteropCases))]
    public async Task SendAsync_NonAsciiLocalPart_DeliveredWithSmtpUtf8OrUnsupportedByServer(string name, Security security, string mode)
    {
        var server = InteropEnvironment.Require(name);
        var token = InteropMessages.NewToken();
        var to = InteropMessages.Address("josé", token);
        var message = InteropMessages.Create(token, $"SMTPUTF8 {name} {security} {mode}", InteropMessages.EightBit(token), to);
        var sender = senders.For(server.Uri(security, mode));

        if (server.Profile.SmtpUtf8)
        {
            var result = await sender.SendAsync(message);

            Assert.Equal([to], result.AcceptedRecipients);
            await Delivery.AssertStoredAsync(server, message, [to], international: true);
        }
        else
        {
            var error = await Assert.ThrowsAsync<EmailSendException>(() => sender.SendAsync(message));

            Assert.Equal(EmailErrorKind.UnsupportedByServer, error.Kind);
            Assert.Contains("SMTPUTF8", error.Message, StringComparison.Ordinal);
            await Delivery.AssertNothingStoredAsync(server, token);
        }
    }
}
