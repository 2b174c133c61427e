using System.Runtime.CompilerServices;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailSender.Tests.Deliverability;

public sealed class BulkSendTests
{
    [Fact]
    public async Task SendBulkAsync_NeverMoreThanMaxConcurrencyInFlight_AndOneResultPerMessage()
    {
        var sender = new CountingSender(delay: TimeSpan.FromMilliseconds(5));

        var results = await Collect(sender.SendBulkAsync(Messages(200), new BulkSendOptions { MaxConcurrency = 4 }));

        Assert.Equal(200, results.Count);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), results.Select(r => r.Index).Order());
        Assert.All(results, r => Assert.Equal(BulkSendState.Sent, r.State));
        Assert.Equal(4, sender.MaxInFlight);
        Assert.Equal(200, sender.Sent);
    }

    [Fact]
    public async Task SendBulkAsync_ReadsTheInputLazily_NeverFarAheadOfTheResultsRead()
    {
        var sender = new CountingSender(delay: TimeSpan.Zero);
        var read = 0;
        var maxAhead = 0;

        async IAsyncEnumerable<MimeMessage> Source()
        {
            for (var i = 0; i < 1000; i++)
            {
                Interlocked.Increment(ref read);
                yield return TestMessages.Text("Hello.", $"user{i}@example.org");
                await Task.Yield();
            }
        }

        var consumed = 0;
        await foreach (var _ in sender.SendBulkAsync(Source(), new BulkSendOptions { MaxConcurrency = 4 }))
        {
            consumed++;
            maxAhead = Math.Max(maxAhead, Volatile.Read(ref read) - consumed);
        }

        Assert.Equal(1000, consumed);

        // In flight (4), waiting in the results channel (4), one being read by the pump: a window, not the input.
        Assert.InRange(maxAhead, 0, 4 + 4 + 2);
    }

    [Fact]
    public async Task SendBulkAsync_OneFailure_DoesNotStopTheOthers_AndSaysWhy()
    {
        var sender = new CountingSender(delay: TimeSpan.Zero, failFor: "user3@example.org");

        var results = await Collect(sender.SendBulkAsync(Messages(10)));

        var failed = Assert.Single(results, r => r.State == BulkSendState.Failed);
        Assert.Equal(["user3@example.org"], failed.Recipients);
        Assert.Contains("550 5.1.1", failed.Reply, StringComparison.Ordinal);
        Assert.Equal(9, results.Count(r => r.State == BulkSendState.Sent));
    }

    [Fact]
    public async Task SendBulkAsync_ComposeFailure_IsThatItemsFailure()
    {
        var sender = new CountingSender(delay: TimeSpan.Zero);

        var results = await Collect(sender.SendBulkAsync(
            Range(5),
            (i, _) => i == 2 ? throw new InvalidOperationException("model 2 has no name") : ValueTask.FromResult(TestMessages.Text("Hi.", $"user{i}@example.org")),
            null,
            CancellationToken.None));

        var failed = Assert.Single(results, r => r.State == BulkSendState.Failed);
        Assert.Equal(2, failed.Index);
        Assert.Contains("model 2 has no name", failed.Reply, StringComparison.Ordinal);
        Assert.Equal(4, sender.Sent);
    }

    [Fact]
    public async Task SendBulkAsync_SuppressedRecipient_IsNotSent_AndListIdIsSet()
    {
        var sender = new CountingSender(delay: TimeSpan.Zero);
        var services = new ServiceCollection().AddSuppressionList();
        await using var provider = services.BuildServiceProvider();
        var list = provider.GetRequiredService<IEmailSuppressionList>();
        await list.AddAsync(new EmailSuppression("user1@example.org", SuppressionReason.Unsubscribed, "news.example.com"));
        await list.AddAsync(new EmailSuppression("user2@example.org", SuppressionReason.Unsubscribed, "offers.example.com"));

        var results = await Collect(sender.SendBulkAsync(Messages(3), new BulkSendOptions { ListId = "news.example.com", SuppressionList = list }));

        var suppressed = Assert.Single(results, r => r.State == BulkSendState.Suppressed);
        Assert.Equal(["user1@example.org"], suppressed.Recipients);
        Assert.Equal(SuppressionReason.Unsubscribed, suppressed.Suppression!.Reason);
        Assert.Equal(2, sender.Sent);
        Assert.All(sender.ListIds, id => Assert.Equal("<news.example.com>", id));
    }

    [Fact]
    public async Task SendBulkAsync_Cancelled_StopsReadingAndEndsWithCancellation()
    {
        var sender = new CountingSender(delay: TimeSpan.FromMilliseconds(20));
        using var cts = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in sender.SendBulkAsync(Messages(10_000), new BulkSendOptions { MaxConcurrency = 2 }, cts.Token))
            {
                if (++seen == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.InRange(sender.Started, 3, 10);
    }

    [Fact]
    public async Task SendBulkAsync_CallerStopsEarly_SendsInFlightEndAndNothingHangs()
    {
        var sender = new CountingSender(delay: TimeSpan.FromMilliseconds(5));

        await foreach (var _ in sender.SendBulkAsync(Messages(10_000), new BulkSendOptions { MaxConcurrency = 3 }))
        {
            break;
        }

        Assert.InRange(sender.Started, 1, 10);
        Assert.Equal(0, sender.InFlight);
    }

    [Fact]
    public async Task SendBulkAsync_ProgressHandlerThatThrows_LosesNoResult()
    {
        var sender = new CountingSender(delay: TimeSpan.Zero);

        var results = await Collect(sender.SendBulkAsync(Messages(20), new BulkSendOptions { Progress = new Throwing() }));

        Assert.Equal(20, results.Count);
    }

    [Fact]
    public async Task SendBulkAsync_VetoedByTheSuppressionCheck_IsSuppressed_OtherVetoesAreRefused()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mailsender-bulk-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var host = MailSenderHost.Create("pickup:" + folder + "?envelope=false", build: b => b.Services.AddSuppressionList());
            await host.Provider.GetRequiredService<IEmailSuppressionList>().AddAsync(new EmailSuppression("user1@example.org", SuppressionReason.HardBounce));

            var results = await Collect(host.Sender.SendBulkAsync(Messages(3), new BulkSendOptions { ListId = "news.example.com" }));

            Assert.Equal(BulkSendState.Suppressed, Assert.Single(results, r => r.Recipients[0] == "user1@example.org").State);
            Assert.Equal(2, results.Count(r => r.State == BulkSendState.Sent));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(4, "news example")]
    [InlineData(4, "<news>")]
    public void SendBulkAsync_BadOptions_AreRefusedUpFront(int concurrency, string? listId)
    {
        var sender = new CountingSender(delay: TimeSpan.Zero);

        Assert.ThrowsAny<ArgumentException>(() => sender.SendBulkAsync(Messages(1), new BulkSendOptions { MaxConcurrency = concurrency, ListId = listId }));
    }

    [Fact]
    public async Task SendBulkAsync_ThroughARealSender_WithUnsubscribe_EachMessageGetsItsOwnToken()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mailsender-bulk-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var host = MailSenderHost.Create("pickup:" + folder + "?envelope=false", build: b => b.Services.AddOneClickUnsubscribe(o =>
            {
                o.BaseUrl = "https://example.com/u";
                o.Keys.Add(new UnsubscribeKey { Id = "k", Secret = Convert.ToBase64String(new byte[32]) });
            }));
            var tokens = host.Provider.GetRequiredService<IUnsubscribeTokens>();

            var results = await Collect(host.Sender.SendBulkAsync(Messages(5), new BulkSendOptions { ListId = "news.example.com" }));

            Assert.All(results, r => Assert.Equal(BulkSendState.Sent, r.State));
            var files = Directory.GetFiles(folder, "*.eml");
            Assert.Equal(5, files.Length);
            foreach (var file in files)
            {
                var message = MimeMessage.Load(file);
                var value = message.Headers[HeaderId.ListUnsubscribe]!;
                var token = value["<https://example.com/u/".Length..^1];
                Assert.Equal(message.To.Mailboxes.Single().Address, tokens.Validate(token).Address);
            }
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async IAsyncEnumerable<MimeMessage> Messages(int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return TestMessages.Text("Hello.", $"user{i}@example.org");
            await Task.Yield();
        }
    }

    private static async IAsyncEnumerable<int> Range(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return i;
            await Task.Yield();
        }
    }

    private static async Task<List<BulkSendResult>> Collect(IAsyncEnumerable<BulkSendResult> results)
    {
        var list = new List<BulkSendResult>();
        await foreach (var result in results)
        {
            list.Add(result);
        }

        return list;
    }

    private sealed class Throwing : IProgress<BulkSendProgress>
    {
        public void Report(BulkSendProgress value) => throw new InvalidOperationException("progress handler failed");
    }

    private sealed class CountingSender(TimeSpan delay, string? failFor = null) : IEmailSender
    {
        private int _inFlight;
        private int _maxInFlight;
        private int _sent;
        private int _started;

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public int InFlight => Volatile.Read(ref _inFlight);

        public int Sent => Volatile.Read(ref _sent);

        public int Started => Volatile.Read(ref _started);

        public System.Collections.Concurrent.ConcurrentBag<string?> ListIds { get; } = [];

        public async Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _started);
            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while ((seen = Volatile.Read(ref _maxInFlight)) < now && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
            {
            }

            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, cancellationToken);
                }

                var to = message.To.Mailboxes.Single().Address;
                if (to == failFor)
                {
                    throw new EmailSendException(EmailErrorKind.RecipientsRejected, "550 5.1.1 user unknown");
                }

                ListIds.Add(message.Headers[HeaderId.ListId]);
                Interlocked.Increment(ref _sent);
                return new SendResult { MessageId = message.MessageId ?? "id", Transport = "test", AcceptedRecipients = [to], ServerResponse = "250 2.0.0 queued" };
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
