using System.Text;
using MailSender.RealPeer.Tests.Support;
using MimeKit;
using MimeKit.Text;

namespace MailSender.RealPeer.Tests.Smtp;

/// <summary>
/// Messages sent through each Postfix listener with the public API, read back from Postfix's Maildir:
/// headers, bodies, attachment bytes, Bcc only in the envelope, SMTPUTF8 and 8-bit text.
/// </summary>
public sealed class PostfixDeliveryTests(PostfixFixture postfix) : IClassFixture<PostfixFixture>
{
    public enum Listener
    {
        /// <summary>12525 with security=none and no credentials.</summary>
        Plain,

        /// <summary>12587 with security=starttls and credentials.</summary>
        StartTls,

        /// <summary>12465 with smtps:// and credentials.</summary>
        ImplicitTls,

        /// <summary>12588 (STARTTLS offered, not required) with the default security=auto and credentials.</summary>
        AutoOnOptionalTls,
    }

    [SkippableTheory]
    [InlineData(Listener.Plain)]
    [InlineData(Listener.StartTls)]
    [InlineData(Listener.ImplicitTls)]
    [InlineData(Listener.AutoOnOptionalTls)]
    public async Task SendAsync_ThroughListener_DeliversHeadersBodiesAndAttachmentUnchanged(Listener listener)
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        var to = peer.Address("to", token);
        var attachment = new byte[48 * 1024 + 7];
        Random.Shared.NextBytes(attachment);

        var message = new MimeMessage { MessageId = token + "@mailsender.test", Subject = $"Listener {listener} {token}" };
        message.From.Add(new MailboxAddress("Real-peer suite", peer.UserName));
        message.To.Add(new MailboxAddress("Recipient", to));
        message.Headers.Add("X-Test-Token", token);
        var body = new BodyBuilder
        {
            TextBody = $"Plain text for {token}.\nSecond line.\n",
            HtmlBody = $"<p>HTML for <b>{token}</b>.</p>\n",
        };
        body.Attachments.Add("random.bin", attachment, new ContentType("application", "octet-stream"));
        message.Body = body.ToMessageBody();

        var result = await PeerSender.SendAsync(Transport(peer, listener), message);

        Assert.Equal([to], result.AcceptedRecipients);
        Assert.Empty(result.RejectedRecipients);
        Assert.Contains("queued as", result.ServerResponse, StringComparison.Ordinal);
        Assert.DoesNotContain(peer.Password, result.Transport, StringComparison.Ordinal);

        var delivered = Assert.Single(await peer.Maildir.WaitForAsync(token));
        var stored = delivered.Message;
        Assert.Equal(to, delivered.DeliveredTo);
        Assert.Equal(token + "@mailsender.test", stored.MessageId);
        Assert.Equal($"Listener {listener} {token}", stored.Subject);
        Assert.Equal("\"Real-peer suite\" <" + peer.UserName + ">", stored.From.ToString());
        Assert.Equal("\"Recipient\" <" + to + ">", stored.To.ToString());
        Assert.Equal(token, stored.Headers["X-Test-Token"]);
        Assert.NotEqual(default, stored.Date);
        Assert.Equal($"Plain text for {token}.\nSecond line.\n", Lf(stored.GetTextBody(TextFormat.Plain)));
        Assert.Equal($"<p>HTML for <b>{token}</b>.</p>\n", Lf(stored.HtmlBody));
        var part = Assert.Single(stored.Attachments.OfType<MimePart>());
        Assert.Equal("random.bin", part.FileName);
        Assert.NotNull(part.Content);
        using var content = new MemoryStream();
        await part.Content.DecodeToAsync(content);
        Assert.Equal(attachment, content.ToArray());

        // Postfix's own Received header says whether the session was encrypted and authenticated.
        var received = stored.Headers["Received"];
        if (listener == Listener.Plain)
        {
            Assert.Contains("with ESMTP id", received, StringComparison.Ordinal);
            Assert.DoesNotContain("using TLS", received, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("using TLS", received, StringComparison.Ordinal);
            Assert.Contains("with ESMTPSA id", received, StringComparison.Ordinal);
            Assert.Contains("(Authenticated sender: " + peer.UserName + ")", received, StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task SendAsync_WithBcc_DeliversToEveryRecipientWithoutBccHeader()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        var to = peer.Address("to", token);
        var cc = peer.Address("cc", token);
        var bcc = peer.Address("bcc", token);
        var message = TestMessage.Text(token, to);
        message.Cc.Add(MailboxAddress.Parse(cc));
        message.Bcc.Add(new MailboxAddress("Hidden", bcc));

        var result = await PeerSender.SendAsync(peer.Uri("smtp", peer.StartTlsPort, "security=starttls"), message);

        Assert.Equal(new[] { to, cc, bcc }.Order(), result.AcceptedRecipients.Order());
        var delivered = await peer.Maildir.WaitForAsync(token, count: 3);
        Assert.Equal(new[] { bcc, cc, to }, delivered.Select(d => d.DeliveredTo));
        foreach (var copy in delivered)
        {
            Assert.Equal(token + "@mailsender.test", copy.Message.MessageId);
            Assert.Empty(copy.Message.Bcc);
            Assert.DoesNotContain("\nBcc:", "\n" + copy.HeaderText, StringComparison.OrdinalIgnoreCase);
            Assert.Equal([to], copy.Message.To.Mailboxes.Select(m => m.Address));
            Assert.Equal([cc], copy.Message.Cc.Mailboxes.Select(m => m.Address));
        }

        // The Bcc address reaches only the envelope of its own copy (Delivered-To, X-Original-To, Received "for").
        Assert.All(delivered.Where(d => d.DeliveredTo != bcc), copy => Assert.DoesNotContain(bcc, Encoding.UTF8.GetString(copy.Bytes), StringComparison.OrdinalIgnoreCase));
    }

    [SkippableFact]
    public async Task SendAsync_NonAsciiAddressAndEightBitBody_DeliveredWithSmtpUtf8Unchanged()
    {
        var peer = postfix.Require();
        var token = TestMessage.NewToken();
        var to = $"jörg-{token}@{peer.Domain}";
        const string Text = "Grüße aus Köln, ✓ 日本語.\n";
        var message = new MimeMessage { MessageId = token + "@mailsender.test", Subject = "Grüße " + token };
        message.To.Add(new MailboxAddress("Jörg Müller", to));
        message.Body = new TextPart(TextFormat.Plain) { Text = Text, ContentTransferEncoding = ContentEncoding.EightBit };

        var result = await PeerSender.SendAsync(peer.Uri("smtps", peer.ImplicitTlsPort), message);

        Assert.Equal([to], result.AcceptedRecipients);
        var delivered = Assert.Single(await peer.Maildir.WaitForAsync(token));
        Assert.Equal(to, delivered.DeliveredTo);
        Assert.Equal("Grüße " + token, delivered.Message.Subject);
        Assert.Equal(to, Assert.Single(delivered.Message.To.Mailboxes).Address);
        Assert.Equal(Text, Lf(delivered.Message.TextBody));

        // Sent as it is: the UTF-8 address in the envelope (SMTPUTF8) and the body as 8-bit text (8BITMIME), not re-encoded.
        var raw = Encoding.UTF8.GetString(delivered.Bytes);
        Assert.Contains("Delivered-To: " + to, raw, StringComparison.Ordinal);
        Assert.Contains("with UTF8SMTPSA id", delivered.Message.Headers["Received"], StringComparison.Ordinal);
        Assert.Contains(Text, raw, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task SendAsync_ManyConcurrentMessagesThroughThePool_EachDeliveredExactlyOnce()
    {
        var peer = postfix.Require();
        var tokens = Enumerable.Range(0, 40).Select(_ => TestMessage.NewToken()).ToArray();
        await using var host = PeerSender.Create(peer.Uri("smtp", peer.StartTlsPort, "security=starttls&maxConnections=4"));

        var results = await Task.WhenAll(tokens.Select(token => host.Sender.SendAsync(TestMessage.Text(token, peer.Address("to", token)))));

        Assert.All(results, r => Assert.True(r.AllRecipientsAccepted));
        foreach (var token in tokens)
        {
            var delivered = Assert.Single(await peer.Maildir.WaitForAsync(token));
            Assert.Equal(peer.Address("to", token), delivered.DeliveredTo);
        }
    }

    private static string Transport(PostfixPeer peer, Listener listener) => listener switch
    {
        Listener.Plain => peer.Uri("smtp", peer.PlainPort, "security=none", withCredentials: false, trustCa: false),
        Listener.StartTls => peer.Uri("smtp", peer.StartTlsPort, "security=starttls"),
        Listener.ImplicitTls => peer.Uri("smtps", peer.ImplicitTlsPort),
        _ => peer.Uri("smtp", peer.OptionalTlsPort),
    };

    private static string Lf(string? text) => (text ?? string.Empty).ReplaceLineEndings("\n");
}
