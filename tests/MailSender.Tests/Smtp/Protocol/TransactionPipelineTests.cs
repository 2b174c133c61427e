using System.Text;
using MailSender.Internal;
using MailSender.Smtp.Protocol;
using MailSender.TestSupport;
using MimeKit;

namespace MailSender.Tests.Smtp.Protocol;

/// <summary>
/// The transaction engine against the scripted server: which commands travel together (round trips, counted by the
/// server from the replies it had sent when it read each command), and the guarantees each mode keeps.
/// </summary>
public class TransactionPipelineTests
{
    private static readonly string[] PipeliningOnly = ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"];
    private static readonly string[] Chunking = ["PIPELINING", "CHUNKING", "8BITMIME", "ENHANCEDSTATUSCODES"];

    // Holds the greeting until every send of a test has queued, so they share the first flight even on a busy machine.
    private static readonly TimeSpan UntilAllQueued = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task On_WithChunking_EnvelopeInOneWriteThenBdat_TwoRoundTrips()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = Chunking });
        await using var host = Host(server, "pipelining=on");

        var message = TestMessages.Text("one\r\ntwo", "a@example.com", "b@example.com");
        await host.Sender.SendAsync(message);

        var connection = Assert.Single(server.Connections);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "RCPT", "BDAT"], connection.Verbs.Take(5));
        Assert.Equal(1, connection.RoundTrips(1, 3));
        Assert.Equal(2, connection.RoundTrips(1, 4));
        var transaction = Assert.Single(server.Transactions);
        Assert.True(transaction.Chunked);
        Assert.Equal(Wire(message), transaction.Data);
        Assert.Matches(@"^BDAT \d+ LAST$", connection.Commands[4]);
    }

    [Fact]
    public async Task On_WithoutChunking_MailRcptAndDataInOneWrite()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = PipeliningOnly });
        await using var host = Host(server, "pipelining=on");

        await host.Sender.SendAsync(TestMessages.Text("hello", "a@example.com", "b@example.com"));

        var connection = Assert.Single(server.Connections);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "RCPT", "DATA"], connection.Verbs.Take(5));
        Assert.Equal(1, connection.RoundTrips(1, 4));
        Assert.False(Assert.Single(server.Transactions).Chunked);
    }

    [Fact]
    public async Task Off_IsLockStepEvenWhenTheServerPipelines()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = Chunking });
        await using var host = Host(server, "pipelining=off");

        await host.Sender.SendAsync(TestMessages.Text("hello", "a@example.com", "b@example.com"));

        var connection = Assert.Single(server.Connections);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "RCPT", "DATA"], connection.Verbs.Take(5));
        Assert.Equal(4, connection.RoundTrips(1, 4));
    }

    [Fact]
    public async Task Aggressive_WithoutPipeliningAdvertised_NeverWritesBeforeTheReplyItDependsOn()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = ["CHUNKING", "8BITMIME"] });
        await using var host = Host(server, "pipelining=aggressive");

        await host.Sender.SendAsync(TestMessages.Text("hello", "a@example.com", "b@example.com"));
        await host.Sender.SendAsync(TestMessages.Text("again", "c@example.com"));

        var connection = Assert.Single(server.Connections);
        Assert.Equal(connection.Commands.Count, connection.RepliesBefore.Distinct().Count());
        Assert.Equal(2, server.Transactions.Count);
    }

    [Fact]
    public async Task Aggressive_LoneMessage_IsOneRoundTrip()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = Chunking });
        await using var host = Host(server, "pipelining=aggressive");

        var message = TestMessages.Text("hello", "a@example.com", "b@example.com");
        await host.Sender.SendAsync(message);

        var connection = Assert.Single(server.Connections);
        Assert.Equal(["EHLO", "MAIL", "RCPT", "RCPT", "BDAT"], connection.Verbs.Take(5));
        Assert.Equal(1, connection.RoundTrips(1, 4));
        Assert.Equal(Wire(message), Assert.Single(server.Transactions).Data);
    }

    [Fact]
    public async Task On_MessagesQueuedForOneConnection_NextEnvelopeRidesWithTheMessageBefore()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = Chunking, GreetingDelay = UntilAllQueued });
        await using var host = Host(server, "pipelining=on&maxConnections=1");

        var sends = Enumerable.Range(0, 10).Select(i => host.Sender.SendAsync(TestMessages.WithSubject($"queued {i}"))).ToArray();
        await Task.WhenAll(sends);

        var connection = Assert.Single(server.Connections);
        var verbs = connection.Verbs;
        var bdats = Enumerable.Range(0, verbs.Count).Where(i => verbs[i] == "BDAT").ToArray();
        Assert.Equal(10, bdats.Length);

        // Each message but the last went out with the next one's MAIL and RCPT: one round trip per message.
        foreach (var bdat in bdats[..^1])
        {
            Assert.Equal("MAIL", verbs[bdat + 1]);
            Assert.Equal(connection.RepliesBefore[bdat], connection.RepliesBefore[bdat + 1]);
        }

        Assert.Equal(10, server.Transactions.Count);
    }

    [Fact]
    public async Task Aggressive_TwentyInFlightOneRefusedInTheMiddle_EachJudgedAlone()
    {
        // As Postfix: a transaction whose recipients were all refused stays open, so the next MAIL needs an RSET first.
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = Chunking,
            GreetingDelay = UntilAllQueued,
            RejectNestedMail = true,
            RecipientReplies = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["reject@example.com"] = "550 5.1.1 <reject@example.com>: no such user" },
        });
        await using var host = Host(server, "pipelining=aggressive&maxConnections=1&maxInFlight=20");

        var sends = Enumerable.Range(0, 20)
            .Select(i => Outcome(host.Sender.SendAsync(TestMessages.WithSubject($"flight {i}", i == 10 ? "reject@example.com" : "rcpt@example.com"))))
            .ToArray();
        var outcomes = await Task.WhenAll(sends);

        var refused = Assert.IsType<EmailSendException>(outcomes[10]);
        Assert.Equal(EmailErrorKind.RecipientsRejected, refused.Kind);
        Assert.Equal(550, refused.StatusCode);
        Assert.All(outcomes.Where((_, i) => i != 10), o => Assert.IsType<SendResult>(o));
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 10).Select(i => $"flight {i}").Order(StringComparer.Ordinal), Subjects(server).Order(StringComparer.Ordinal));
        var connection = Assert.Single(server.Connections);

        // Several transactions were on the wire before the first reply was read.
        Assert.True(connection.RepliesBefore.Skip(1).Distinct().Count() < 20, "the transactions were written one after the other's reply");
    }

    [Fact]
    public async Task Aggressive_ServerRefusesPipelinedBdat_FallsBackToOnAndSendsTheMessageOnce()
    {
        var refusals = 0;
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = Chunking,

            // A server that does not take BDAT before the envelope replies (RFC 3030 section 2 read strictly).
            Intercept = (e, _) => Task.FromResult(e.Command.StartsWith("BDAT", StringComparison.Ordinal) && Interlocked.Increment(ref refusals) == 1
                ? "503 5.5.1 Error: BDAT before the envelope was answered"
                : null),
        });
        await using var host = Host(server, "pipelining=aggressive&maxConnections=1");

        var result = await host.Sender.SendAsync(TestMessages.WithSubject("refused once"));
        await host.Sender.SendAsync(TestMessages.WithSubject("after the fallback"));

        Assert.Equal(["rcpt@example.com"], result.AcceptedRecipients);
        Assert.Equal(["refused once", "after the fallback"], Subjects(server));
        var connection = Assert.Single(server.Connections);
        var lastMail = connection.Verbs.ToList().LastIndexOf("MAIL");

        // From then on the envelope is answered before BDAT: two round trips.
        Assert.Equal(2, connection.RoundTrips(lastMail, lastMail + 2));
    }

    [Fact]
    public async Task Aggressive_SeveralInFlightAllRefusedAsPipelinedBdat_EachSentAgainOnce()
    {
        var refusals = 0;
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = Chunking,
            GreetingDelay = UntilAllQueued,
            Intercept = (e, _) => Task.FromResult(e.Command.StartsWith("BDAT", StringComparison.Ordinal) && Interlocked.Increment(ref refusals) <= 3
                ? "503 5.5.1 Error: BDAT before the envelope was answered"
                : null),
        });
        await using var host = Host(server, "pipelining=aggressive&maxConnections=1&maxInFlight=3");

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Outcome(host.Sender.SendAsync(TestMessages.WithSubject($"in flight {i}")))));

        Assert.All(results, r => Assert.Equal(["rcpt@example.com"], Assert.IsType<SendResult>(r).AcceptedRecipients));
        Assert.Equal(["in flight 0", "in flight 1", "in flight 2"], Subjects(server).Order(StringComparer.Ordinal));

        // Regression: a transaction written before the fallback got its BDAT written a second time after it.
        Assert.Equal(6, server.Connections.Single().Verbs.Count(v => v == "BDAT"));
    }

    [Fact]
    public async Task On_ConnectionClosedWhileTheNextEnvelopeWaits_SendsThatMessageAgainOnANewConnection()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = Chunking, CloseAfterTransactions = 2 });
        await using var host = Host(server, "pipelining=on&maxConnections=1");

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => host.Sender.SendAsync(TestMessages.WithSubject($"message {i}"))));

        Assert.All(results, r => Assert.Equal(["rcpt@example.com"], r.AcceptedRecipients));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"message {i}").Order(StringComparer.Ordinal), Subjects(server).Order(StringComparer.Ordinal));
        Assert.True(server.ConnectionCount >= 3);
    }

    [Fact]
    public async Task Aggressive_ConnectionClosedWithMessagesWritten_ThoseAreUncertainNotCancelledOrResent()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = Chunking, CloseAfterTransactions = 2, GreetingDelay = UntilAllQueued });
        await using var host = Host(server, "pipelining=aggressive&maxConnections=1&maxInFlight=5");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Outcome(host.Sender.SendAsync(TestMessages.WithSubject($"message {i}")))));

        // Every message was on the wire when the server left: two were confirmed, each of the others may have arrived.
        Assert.Equal(2, outcomes.Count(o => o is SendResult));
        Assert.All(outcomes.OfType<Exception>(), e => Assert.Equal(EmailErrorKind.DeliveryUncertain, Assert.IsType<EmailSendException>(e).Kind));
        Assert.Equal(1, server.ConnectionCount);
    }

    [Theory]
    [InlineData("pipelining=on", true)]
    [InlineData("pipelining=on", false)]
    [InlineData("pipelining=off", false)]
    [InlineData("pipelining=aggressive", true)]
    public async Task DotsAndEmptyLines_ArriveByteForByte(string mode, bool chunking)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = chunking ? Chunking : PipeliningOnly });
        await using var host = Host(server, mode);
        var message = TestMessages.Text(".\r\n.leading dot\r\n..\r\n\r\n. \r\nlast line without a break");

        await host.Sender.SendAsync(message);

        var transaction = Assert.Single(server.Transactions);
        Assert.Equal(chunking, transaction.Chunked);
        Assert.Equal(Wire(message), transaction.Data);
        if (!chunking)
        {
            // Every line that starts with a dot got one more on the wire.
            Assert.True(transaction.RawData.AsSpan().IndexOf("\r\n..leading dot\r\n"u8) >= 0, "the line starting with a dot was not dot-stuffed");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EmptyBody_ArrivesByteForByte(bool chunking)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = chunking ? Chunking : PipeliningOnly });
        await using var host = Host(server, "pipelining=on");
        var message = TestMessages.Text(string.Empty);

        await host.Sender.SendAsync(message);

        Assert.Equal(Wire(message), Assert.Single(server.Transactions).Data);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FiftyMegabytes_ArriveByteForByte(bool chunking)
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = chunking ? Chunking : PipeliningOnly });
        await using var host = Host(server, "pipelining=on");
        var line = ".starts with a dot, and is long enough to make fifty megabytes in about 680,000 lines\r\n";
        var body = new StringBuilder(50 * 1024 * 1024 + line.Length);
        while (body.Length < 50 * 1024 * 1024)
        {
            body.Append(line);
        }

        var message = TestMessages.Text(body.ToString());

        await host.Sender.SendAsync(message);

        var transaction = Assert.Single(server.Transactions);
        Assert.True(transaction.Data.Length > 50 * 1024 * 1024);
        Assert.True(Wire(message).AsSpan().SequenceEqual(transaction.Data), "The 50 MB message did not arrive byte for byte.");
    }

    [Fact]
    public async Task BinaryBody_WithBinaryMime_GoesAsIsWithBdat()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = [.. Chunking, "BINARYMIME"] });
        await using var host = Host(server, "pipelining=off");
        // High-bit octets in CRLF lines: binary as far as MIME goes, and nothing the preparer must re-encode.
        var bytes = Enumerable.Range(0, 4096).Select(i => i % 64 == 62 ? (byte)'\r' : i % 64 == 63 ? (byte)'\n' : (byte)(128 + (i % 120))).ToArray();
        var message = TestMessages.RawBody(bytes, ContentEncoding.Binary);

        await host.Sender.SendAsync(message);

        var transaction = Assert.Single(server.Transactions);
        Assert.True(transaction.Chunked);
        Assert.EndsWith(" BODY=BINARYMIME", transaction.MailCommand, StringComparison.Ordinal);
        Assert.Equal(Wire(message), transaction.Data);
    }

    [Fact]
    public async Task Cancelled_WhileTheEnvelopeIsAnswered_NothingIsSentAndTheNextSendWorks()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = Chunking,
            Intercept = async (e, ct) =>
            {
                if (e.Command.Contains("hold@example.com", StringComparison.Ordinal))
                {
                    held.TrySetResult();
                    await Task.Delay(TimeSpan.FromSeconds(30), ct);
                }

                return null;
            },
        });
        await using var host = Host(server, "pipelining=on");
        using var cancel = new CancellationTokenSource();

        var send = host.Sender.SendAsync(TestMessages.Text("held", "hold@example.com"), cancel.Token);
        await held.Task;
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        await host.Sender.SendAsync(TestMessages.WithSubject("after the cancellation"));
        Assert.Equal(["after the cancellation"], Subjects(server));
    }

    [Fact]
    public async Task On_CancelledWhileTheMessageBeforeItAwaitsItsReply_AbandonedBeforeItsBdatAndTheConnectionKept()
    {
        var gate = ScriptedReplyGate.AtEndOfData();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Capabilities = Chunking, GreetingDelay = UntilAllQueued, Intercept = gate.Intercept });
        await using var host = Host(server, "pipelining=on&maxConnections=1");
        using var cancel = new CancellationTokenSource();

        var first = host.Sender.SendAsync(TestMessages.WithSubject("first"));
        var second = host.Sender.SendAsync(TestMessages.WithSubject("second"), cancel.Token);
        await gate.WaitForArrivalsAsync(1);

        // The second envelope went out with the first message, whose reply is held: dropping the connection now would
        // make the first uncertain, so the second is abandoned when its turn comes, before its BDAT.
        await cancel.CancelAsync();
        gate.Open();
        await first;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        await host.Sender.SendAsync(TestMessages.WithSubject("third"));

        Assert.Equal(["first", "third"], Subjects(server));
        var verbs = Assert.Single(server.Connections).Verbs;
        Assert.Equal(["EHLO", "MAIL", "RCPT", "BDAT", "MAIL", "RCPT", "RSET", "MAIL", "RCPT", "BDAT"], verbs.Take(10));
    }

    [Fact]
    public void PlanDotStuffing_BareLineFeedOrCarriageReturn_IsRefused()
    {
        foreach (var content in new[] { "a\nb\r\n", "a\rb\r\n", "a\r\n\n.\r\n", "ends with a CR\r" })
        {
            var error = Assert.Throws<EmailSendException>(() => SmtpContent.PlanDotStuffing(Encoding.ASCII.GetBytes(content)));
            Assert.Equal(EmailErrorKind.InvalidMessage, error.Kind);
        }
    }

    [Fact]
    public void PlanDotStuffing_FindsEveryLineThatStartsWithADot()
    {
        Assert.Equal([0, 3, 16], SmtpContent.PlanDotStuffing(".\r\n.leading\r\nx\r\n..\r\n"u8.ToArray())!);
        Assert.Null(SmtpContent.PlanDotStuffing("no dots\r\nhere.\r\n"u8.ToArray()));
    }

    private static MailSenderHost Host(ScriptedSmtpServer server, string query) =>
        MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none&" + query), o => o.Resilience.Enabled = false);

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

    private static string[] Subjects(ScriptedSmtpServer server) => server.Transactions.Select(t => t.Parse().Subject ?? string.Empty).ToArray();

    /// <summary>The message as the engine writes it (the send has prepared it): CRLF line breaks, Bcc hidden.</summary>
    private static byte[] Wire(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(WireFormat.Options, stream);
        return stream.ToArray();
    }
}
