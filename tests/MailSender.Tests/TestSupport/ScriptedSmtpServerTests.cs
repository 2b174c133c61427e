using System.Net;
using System.Net.Sockets;
using System.Text;
using MailSender.TestSupport;

namespace MailSender.Tests.TestSupport;

/// <summary>The scripted server itself, driven byte by byte, so suites built on it can trust what it records.</summary>
public class ScriptedSmtpServerTests
{
    [Fact]
    public async Task PipelinedCommands_AreAnsweredInOrderAndRecorded()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            RecipientReplies = new Dictionary<string, string> { ["nobody@example.com"] = "550 5.1.1 no such user" },
        });
        await using var client = await RawClient.ConnectAsync(server.Port);

        await client.WriteAsync("EHLO client\r\nMAIL FROM:<a@example.com> BODY=8BITMIME\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<nobody@example.com>\r\nDATA\r\n");

        Assert.StartsWith("220 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.EndsWith("250 ENHANCEDSTATUSCODES", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal("250 2.1.0 Ok", await client.ReadReplyAsync());
        Assert.Equal("250 2.1.5 Ok", await client.ReadReplyAsync());
        Assert.Equal("550 5.1.1 no such user", await client.ReadReplyAsync());
        Assert.StartsWith("354 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        await client.WriteAsync("Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n");
        Assert.Equal("250 2.0.0 Ok: queued as SCRIPTED", await client.ReadReplyAsync());
        Assert.Equal("221 2.0.0 Bye", await client.ReadReplyAsync());

        var transaction = Assert.Single(server.Transactions);
        Assert.Equal("MAIL FROM:<a@example.com> BODY=8BITMIME", transaction.MailCommand);
        Assert.Equal("a@example.com", transaction.From);
        Assert.Equal(["b@example.com"], transaction.Recipients);
        Assert.Equal("Subject: x\r\n\r\n..leading dot\r\n", Encoding.ASCII.GetString(transaction.RawData));
        Assert.Equal("Subject: x\r\n\r\n.leading dot\r\n", Encoding.ASCII.GetString(transaction.Data));
        Assert.Equal(["EHLO client", "MAIL FROM:<a@example.com> BODY=8BITMIME", "RCPT TO:<b@example.com>", "RCPT TO:<nobody@example.com>", "DATA", "QUIT"], server.Commands);
    }

    [Fact]
    public async Task StrictServer_KeepsBareLfDotInsideTheMessage()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var client = await RawClient.ConnectAsync(server.Port);

        await client.SendEnvelopeAsync();
        await client.WriteAsync("a\n.\nMAIL FROM:<evil@example.com>\r\n.\r\n");
        Assert.StartsWith("250 ", await client.ReadReplyAsync(), StringComparison.Ordinal);

        Assert.Equal("a\n.\nMAIL FROM:<evil@example.com>\r\n", Encoding.ASCII.GetString(Assert.Single(server.Transactions).RawData));
        Assert.Single(server.CommandsStartingWith("MAIL"));
    }

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\r\n.\n")]
    [InlineData("\n.\r\n")]
    public async Task LenientServer_EndsDataAtBareLineBreakDot_LikeASmugglingVictim(string sequence)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { LenientEndOfData = true });
        await using var client = await RawClient.ConnectAsync(server.Port);

        await client.SendEnvelopeAsync();
        await client.WriteAsync("a" + sequence + "MAIL FROM:<evil@example.com>\r\n");
        Assert.StartsWith("250 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Equal("250 2.1.0 Ok", await client.ReadReplyAsync());

        Assert.Equal("a" + sequence[..^(sequence.EndsWith("\r\n", StringComparison.Ordinal) ? 3 : 2)], Encoding.ASCII.GetString(Assert.Single(server.Transactions).RawData));
        Assert.Equal(["MAIL FROM:<a@example.com>", "MAIL FROM:<evil@example.com>"], server.CommandsStartingWith("MAIL"));
    }

    [Fact]
    public async Task EmptyMessage_IsRecordedAsEmpty()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var client = await RawClient.ConnectAsync(server.Port);

        await client.SendEnvelopeAsync();
        await client.WriteAsync(".\r\n");

        Assert.StartsWith("250 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        Assert.Empty(Assert.Single(server.Transactions).RawData);
    }

    [Fact]
    public async Task Connections_CountedWhileOpenAndNoLongerOnceQuitIsAnswered()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var first = await RawClient.ConnectAsync(server.Port);
        var second = await RawClient.ConnectAsync(server.Port);
        await first.ReadReplyAsync();
        await second.ReadReplyAsync();
        Assert.Equal(2, server.ActiveConnections);

        await first.WriteAsync("QUIT\r\n");
        Assert.Equal("221 2.0.0 Bye", await first.ReadReplyAsync());

        // Not counted from the moment QUIT is answered, so a client that waits for 221 before reconnecting is never counted twice.
        Assert.Equal(1, server.ActiveConnections);
        await second.DisposeAsync();
        await Eventually.TrueAsync(() => server.ActiveConnections == 0, "the server noticing the second client left");
        Assert.Equal(2, server.MaxConcurrentConnections);
        Assert.Equal([(1, true, true), (2, false, true)], server.Connections.Select(c => (c.Number, c.QuitReceived, c.Closed)));
    }

    [Fact]
    public async Task Intercept_421AtSecondMail_RepliesThenCloses()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (e, _) => Task.FromResult(e is { Transaction: 2, Verb: "MAIL" } ? "421 4.3.2 shutting down" : null),
        });
        await using var client = await RawClient.ConnectAsync(server.Port);
        await client.SendEnvelopeAsync();
        await client.WriteAsync("Subject: x\r\n\r\nhi\r\n.\r\n");
        Assert.StartsWith("250 ", await client.ReadReplyAsync(), StringComparison.Ordinal);

        await client.WriteAsync("MAIL FROM:<a@example.com>\r\n");

        Assert.Equal("421 4.3.2 shutting down", await client.ReadReplyAsync());
        await Assert.ThrowsAsync<IOException>(client.ReadReplyAsync);
        Assert.Equal(1, Assert.Single(server.Transactions).Connection);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "DATA", "MAIL"], Assert.Single(server.Connections).Verbs);
    }

    [Fact]
    public async Task CloseAfterTransactions_ClosesRightAfterConfirmingTheMessage()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { CloseAfterTransactions = 1 });
        await using var client = await RawClient.ConnectAsync(server.Port);
        await client.SendEnvelopeAsync();

        await client.WriteAsync("Subject: x\r\n\r\nhi\r\n.\r\n");

        Assert.StartsWith("250 ", await client.ReadReplyAsync(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<IOException>(client.ReadReplyAsync);
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task IdleDisconnectAfter_IdleAfterATransaction_SaysWhyAndCloses()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            IdleDisconnectAfter = TimeSpan.FromMilliseconds(100),
            IdleDisconnectReply = "421 4.4.2 Error: timeout exceeded",
        });
        await using var client = await RawClient.ConnectAsync(server.Port);
        await client.SendEnvelopeAsync();
        await client.WriteAsync("Subject: x\r\n\r\nhi\r\n.\r\n");
        Assert.StartsWith("250 ", await client.ReadReplyAsync(), StringComparison.Ordinal);

        Assert.Equal("421 4.4.2 Error: timeout exceeded", await client.ReadReplyAsync());
        await Assert.ThrowsAsync<IOException>(client.ReadReplyAsync);
        await Eventually.TrueAsync(() => server.Connections[0].Closed, "the server closing the idle connection");
    }

    /// <summary>A bare TCP client that writes exactly the given bytes and reads replies (continuation lines joined by LF).</summary>
    private sealed class RawClient : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly StreamReader _reader;

        private RawClient(TcpClient client)
        {
            _client = client;
            _stream = client.GetStream();
            _reader = new StreamReader(_stream, Encoding.UTF8);
        }

        public static async Task<RawClient> ConnectAsync(int port)
        {
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return new RawClient(client);
        }

        public async Task WriteAsync(string text)
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
            await _stream.FlushAsync();
        }

        /// <summary>Reads the greeting and sends EHLO, MAIL and RCPT for a@example.com to b@example.com, then DATA, reading every reply.</summary>
        public async Task SendEnvelopeAsync()
        {
            await ReadReplyAsync();
            foreach (var command in new[] { "EHLO client", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.com>", "DATA" })
            {
                await WriteAsync(command + "\r\n");
                var reply = await ReadReplyAsync();
                Assert.True(reply[0] is '2' or '3', $"{command} -> {reply}");
            }
        }

        public async Task<string> ReadReplyAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var lines = new List<string>();
            while (true)
            {
                var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new IOException("The server closed the connection.");
                lines.Add(line);
                if (line.Length < 4 || line[3] != '-')
                {
                    return string.Join('\n', lines);
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
