using System.Diagnostics;
using MailSender.Outbox.Delivery;
using MailSender.Outbox.Storage;
using MailSender.TestSupport;
using MailSender.Templates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Xunit;

namespace MailSender.Outbox.Tests.Delivery;

/// <summary>The outbox end to end on SQLite: enqueue through <see cref="IEmailOutbox"/>, deliver with the worker to real SMTP servers on 127.0.0.1.</summary>
public sealed class OutboxWorkerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Worker_DeliversEveryMessageOnce_AndDeletesTheBodies()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var host = Host($"smtp://127.0.0.1:{server.Port}");
        var ids = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await host.Outbox.EnqueueAsync(TestMessages.WithSubject($"m{i}")));
        }

        await host.RunUntilEmptyAsync();

        Assert.Equal(20, server.Messages.Count);
        Assert.Equal(20, server.Messages.Select(m => m.Parse().Subject).Distinct().Count());
        foreach (var id in ids)
        {
            var stored = (await host.Outbox.GetAsync(id))!;
            Assert.Equal(OutboxState.Sent, stored.State);
            Assert.False(stored.HasBody);
            Assert.Equal(1, stored.Attempts);
            Assert.Equal(250, Assert.Single(stored.Recipients).StatusCode);
        }

        var statistics = await host.Outbox.GetStatisticsAsync();
        Assert.Equal(20, statistics.Counts[OutboxState.Sent]);
    }

    [Fact]
    public async Task PermanentRefusal_FailsThatRecipient_OthersSent_BodyKeptForRetry()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new InProcessSmtpServerOptions { RejectedRecipients = ["gone@example.com"] });
        await using var host = Host($"smtp://127.0.0.1:{server.Port}");
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text(to: ["ok@example.com", "gone@example.com"]));

        await host.RunUntilEmptyAsync();

        var stored = (await host.Outbox.GetAsync(id))!;
        Assert.Equal(OutboxState.Failed, stored.State);
        Assert.True(stored.HasBody);
        Assert.Equal((OutboxState.Sent, 250), (stored.Recipients[0].State, stored.Recipients[0].StatusCode));
        Assert.Equal((OutboxState.Failed, 550), (stored.Recipients[1].State, stored.Recipients[1].StatusCode));
        Assert.Contains("550", stored.LastError, StringComparison.Ordinal);
        Assert.Equal(["ok@example.com"], Assert.Single(server.Messages).To);
    }

    [Fact]
    public async Task TransientRefusal_DefersThatRecipientAlone_ThenSendsOnlyToIt()
    {
        var greylisting = true;
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (exchange, _) => Task.FromResult(greylisting && exchange.Command.StartsWith("RCPT TO:<later@", StringComparison.OrdinalIgnoreCase) ? "451 4.7.1 Greylisted, try later" : null),
        });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Host($"smtp://127.0.0.1:{server.Port}", time: time);
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text(to: ["now@example.com", "later@example.com"]));

        await host.RunUntilEmptyAsync();

        var deferred = (await host.Outbox.GetAsync(id))!;
        Assert.Equal(OutboxState.Deferred, deferred.State);
        Assert.Equal(OutboxState.Sent, deferred.Recipients[0].State);
        Assert.Equal((OutboxState.Deferred, 451), (deferred.Recipients[1].State, deferred.Recipients[1].StatusCode));
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(300), deferred.NextAttemptAt!.Value, TimeSpan.FromSeconds(1));
        Assert.Contains("Greylisted", deferred.LastError, StringComparison.Ordinal);

        greylisting = false;
        time.Advance(TimeSpan.FromSeconds(301));
        await host.RunUntilEmptyAsync();

        var sent = (await host.Outbox.GetAsync(id))!;
        Assert.Equal(OutboxState.Sent, sent.State);
        Assert.Equal(2, sent.Attempts);
        var recipients = server.Transactions.Select(t => string.Join(",", t.Recipients)).ToList();
        Assert.Equal(["now@example.com", "later@example.com"], recipients);
    }

    [Fact]
    public async Task BccOnly_AndAGivenEnvelope_AreDeliveredToTheEnvelope_WithoutABccHeader()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var host = Host($"smtp://127.0.0.1:{server.Port}");
        var bccOnly = TestMessages.Text();
        bccOnly.To.Clear();
        bccOnly.Bcc.Add(MailboxAddress.Parse("hidden@example.com"));
        var enveloped = TestMessages.WithSubject("enveloped", "header@example.com");
        enveloped.To.Clear();

        await host.Outbox.EnqueueAsync(bccOnly);
        await host.Outbox.EnqueueAsync(enveloped, new OutboxEnqueueOptions { Envelope = new MailEnvelope(MailboxAddress.Parse("bounce@example.com"), [MailboxAddress.Parse("a@example.com"), MailboxAddress.Parse("b@example.com")]) });
        await host.RunUntilEmptyAsync();

        var hidden = Assert.Single(server.Messages, m => m.To.SequenceEqual(["hidden@example.com"]));
        Assert.DoesNotContain("hidden@example.com", System.Text.Encoding.ASCII.GetString(hidden.Data), StringComparison.Ordinal);
        var other = Assert.Single(server.Messages, m => m.From == "bounce@example.com");
        Assert.Equal(["a@example.com", "b@example.com"], other.To);
        Assert.Equal(2, (await host.Outbox.GetStatisticsAsync()).Counts[OutboxState.Sent]);
    }

    [Fact]
    public async Task Deferred_AcrossARestart_IsDeliveredOnceLater()
    {
        var greylisting = true;
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (exchange, _) => Task.FromResult(greylisting && exchange.Verb == "RCPT" ? "451 4.7.1 Greylisted, try later" : null),
        });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Guid id;
        await using (var before = Host($"smtp://127.0.0.1:{server.Port}", time: time))
        {
            id = await before.Outbox.EnqueueAsync(TestMessages.Text());
            await before.RunUntilEmptyAsync();
            Assert.Equal(OutboxState.Deferred, (await before.Outbox.GetAsync(id))!.State);
        }

        // The application is redeployed: a new container (and worker) on the same file, later.
        greylisting = false;
        time.Advance(TimeSpan.FromSeconds(300));
        await using var after = Host($"smtp://127.0.0.1:{server.Port}", time: time);
        await after.RunUntilEmptyAsync();

        var stored = (await after.Outbox.GetAsync(id))!;
        Assert.Equal((OutboxState.Sent, 2), (stored.State, stored.Attempts));
        Assert.Single(server.Transactions);
    }

    [Fact]
    public async Task DeadServer_FailsWithLifetimeExceeded_AndTheLastReply()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Host($"smtp://127.0.0.1:{LoopbackPorts.Closed()}", time: time);
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text());

        await host.RunUntilEmptyAsync();
        Assert.Equal(OutboxState.Deferred, (await host.Outbox.GetAsync(id))!.State);

        time.Advance(TimeSpan.FromDays(5));
        await host.RunUntilEmptyAsync();

        var failed = (await host.Outbox.GetAsync(id))!;
        Assert.Equal(OutboxState.Failed, failed.State);
        Assert.StartsWith("Lifetime exceeded: not delivered within 5 day(s) after 2 attempt(s); last:", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("refused", failed.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("Lifetime exceeded", Assert.Single(failed.Recipients).Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionLostAfterTheFinalDot_IsUncertain_NeverSentAgain()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Fault = SmtpFault.CloseAfterFinalDot });
        await using var host = Host($"smtp://127.0.0.1:{server.Port}");
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text());

        await host.RunUntilEmptyAsync();

        var stored = (await host.Outbox.GetAsync(id))!;
        Assert.Equal(OutboxState.Uncertain, stored.State);
        Assert.Equal(OutboxStates.UncertainHint, stored.Hint);
        Assert.Equal(OutboxState.Uncertain, Assert.Single(stored.Recipients).State);
        Assert.Single(server.CommandsStartingWith("DATA"));
    }

    [Fact]
    public async Task ConnectionLostBeforeTheEnd_IsDeferred_NotUncertain()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Fault = SmtpFault.CloseAfterRcpt });
        await using var host = Host($"smtp://127.0.0.1:{server.Port}");
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text());

        await host.RunUntilEmptyAsync();

        Assert.Equal(OutboxState.Deferred, (await host.Outbox.GetAsync(id))!.State);
    }

    [Fact]
    public async Task DeadWorker_BeforeTheFinalWrite_MessageIsTakenOverAndSentOnce()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Host($"smtp://127.0.0.1:{server.Port}", time: time);
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text());

        // A worker claims it and dies before writing anything.
        var dead = Assert.Single(await host.Store.ClaimAsync(1, time.GetUtcNow(), TimeSpan.FromMinutes(2), false, default));
        await host.RunForAsync(TimeSpan.FromMilliseconds(500));
        Assert.Empty(server.Messages);

        time.Advance(TimeSpan.FromMinutes(2));
        await host.RunUntilEmptyAsync();

        Assert.Equal(dead.Id, id);
        Assert.Single(server.Messages);
        Assert.Equal(OutboxState.Sent, (await host.Outbox.GetAsync(id))!.State);
    }

    [Fact]
    public async Task DeadWorker_AfterTheFinalWrite_MessageIsUncertain_NotSentAgain()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Host($"smtp://127.0.0.1:{server.Port}", time: time);
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text());
        var dead = Assert.Single(await host.Store.ClaimAsync(1, time.GetUtcNow(), TimeSpan.FromMinutes(2), false, default));
        Assert.True(await host.Store.MarkFinalWriteAsync(dead.Id, dead.Lease, time.GetUtcNow(), default));

        time.Advance(TimeSpan.FromMinutes(2));
        await host.RunUntilEmptyAsync();

        Assert.Empty(server.Messages);
        Assert.Equal(OutboxState.Uncertain, (await host.Outbox.GetAsync(id))!.State);

        // The decision to send it anyway is the operator's.
        Assert.True(await host.Outbox.RetryAsync(id));
        await host.RunUntilEmptyAsync();
        Assert.Single(server.Messages);
    }

    [Fact]
    public async Task EveryDeliveredMessage_ReachedItsCheckpointFirst()
    {
        // The worker records the final write before the end goes out: a store that refuses it stops the send.
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var host = Host($"smtp://127.0.0.1:{server.Port}", store: inner => new RefusingCheckpointStore(inner));
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text());

        await host.RunForAsync(TimeSpan.FromSeconds(1));

        Assert.Empty(server.Messages);
        Assert.Equal(OutboxState.Sending, (await host.Outbox.GetAsync(id))!.State);
    }

    [Fact]
    public async Task StoreUnreachableForAWhile_WorkerWaitsAndResumes_NothingLost()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        FlakyStore? flaky = null;
        await using var host = Host($"smtp://127.0.0.1:{server.Port}", store: inner => flaky = new FlakyStore(inner));
        for (var i = 0; i < 5; i++)
        {
            await host.Outbox.EnqueueAsync(TestMessages.WithSubject($"m{i}"));
        }

        flaky!.FailuresLeft = 3;
        await host.RunUntilEmptyAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, flaky.FailuresLeft);
        Assert.Equal(5, server.Messages.Count);
        Assert.Equal(5, (await host.Outbox.GetStatisticsAsync()).Counts[OutboxState.Sent]);
    }

    [Fact]
    public async Task GracefulStop_GivesBackWhatWasNotWritten()
    {
        var gate = new TaskCompletionSource();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = async (exchange, token) =>
            {
                if (exchange.Verb == "MAIL")
                {
                    await gate.Task.WaitAsync(token);
                }

                return null;
            },
        });
        await using var host = Host($"smtp://127.0.0.1:{server.Port}");
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text());
        using var stopping = new CancellationTokenSource();
        using var abort = new CancellationTokenSource();
        var run = host.Worker.RunAsync(exitWhenEmpty: false, stopping.Token, abort.Token);
        while ((await host.Outbox.GetAsync(id))!.State != OutboxState.Sending || server.CommandsStartingWith("MAIL").Count == 0)
        {
            await Task.Delay(20);
        }

        await stopping.CancelAsync();
        await abort.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));
        gate.TrySetResult();

        var stored = (await host.Outbox.GetAsync(id))!;
        Assert.Equal((OutboxState.Queued, 0), (stored.State, stored.Attempts));
        Assert.Equal(1, host.Worker.Counters.Released);
    }

    [Fact]
    public async Task Enqueue_BadInput_FailsAtOnce_WithNothingStored()
    {
        await using var host = Host("smtp://127.0.0.1:25");
        var noRecipient = TestMessages.Text();
        noRecipient.To.Clear();
        var injected = TestMessages.Text();
        injected.Headers.Add("X-Note", "ok");
        injected.Headers.First(h => h.Field == "X-Note").SetRawValue(System.Text.Encoding.ASCII.GetBytes(" ok\r\nBcc: victim@example.com\r\n"));
        var big = TestMessages.Text(new string('x', 40_000));

        var empty = await Assert.ThrowsAsync<EmailSendException>(() => host.Outbox.EnqueueAsync(noRecipient));
        var header = await Assert.ThrowsAsync<EmailSendException>(() => host.Outbox.EnqueueAsync(injected));
        var large = await Assert.ThrowsAsync<EmailSendException>(() => host.Outbox.EnqueueAsync(big));

        Assert.Equal(EmailErrorKind.InvalidMessage, empty.Kind);
        Assert.Equal(EmailErrorKind.InvalidMessage, header.Kind);
        Assert.Contains("X-Note", header.Message, StringComparison.Ordinal);
        Assert.Equal(EmailErrorKind.MessageTooLarge, large.Kind);
        Assert.Contains("MaxMessageSize", large.Message, StringComparison.Ordinal);
        Assert.Empty(await host.Outbox.ListAsync());
    }

    [Fact]
    public async Task Enqueue_UnknownSender_IsAConfigurationError()
    {
        await using var host = Host("smtp://127.0.0.1:25");

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Outbox.EnqueueAsync(TestMessages.Text(), new OutboxEnqueueOptions { SenderName = "marketing" }));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("'marketing'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enqueue_NamedSender_IsDeliveredByIt()
    {
        await using var main = await InProcessSmtpServer.StartAsync();
        await using var marketing = await InProcessSmtpServer.StartAsync();
        await using var host = Host($"smtp://127.0.0.1:{main.Port}", services => services.AddMailSender("marketing", o => o.Transport = $"smtp://127.0.0.1:{marketing.Port}"));

        await host.Outbox.EnqueueAsync(TestMessages.WithSubject("news"), new OutboxEnqueueOptions { SenderName = "marketing" });
        await host.Outbox.EnqueueAsync(TestMessages.WithSubject("receipt"));
        await host.RunUntilEmptyAsync();

        Assert.Equal("news", Assert.Single(marketing.Messages).Parse().Subject);
        Assert.Equal("receipt", Assert.Single(main.Messages).Parse().Subject);
    }

    [Fact]
    public async Task Enqueue_AfterShutdown_IsAClearError()
    {
        var host = Host("smtp://127.0.0.1:25");
        var outbox = host.Outbox;
        await host.DisposeAsync();

        var error = await Assert.ThrowsAsync<EmailSendException>(() => outbox.EnqueueAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.StorageFailed, error.Kind);
        Assert.Contains("closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotBefore_HoldsTheMessageUntilThen()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = Host($"smtp://127.0.0.1:{server.Port}", time: time);
        var id = await host.Outbox.EnqueueAsync(TestMessages.Text(), new OutboxEnqueueOptions { NotBefore = time.GetUtcNow().AddMinutes(10) });

        await host.RunUntilEmptyAsync();
        Assert.Empty(server.Messages);

        time.Advance(TimeSpan.FromMinutes(10));
        await host.RunUntilEmptyAsync();
        Assert.Single(server.Messages);
        Assert.Equal(OutboxState.Sent, (await host.Outbox.GetAsync(id))!.State);
    }

    [Fact]
    public async Task QueueSends_MakesIEmailSenderEnqueue_AndSaysSoInTheResult()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var host = Host($"smtp://127.0.0.1:{server.Port}", configure: o => o.QueueSends = true);
        var sender = host.Provider.GetRequiredService<IEmailSender>();

        var result = await sender.SendAsync(TestMessages.Text());

        Assert.Empty(result.AcceptedRecipients);
        Assert.Equal("outbox:sqlite", result.Transport);
        Assert.StartsWith("queued as ", result.ServerResponse, StringComparison.Ordinal);
        var id = Guid.Parse(result.ServerResponse!["queued as ".Length..]);
        Assert.Empty(server.Messages);
        await host.RunUntilEmptyAsync();
        Assert.Single(server.Messages);
        Assert.Equal(OutboxState.Sent, (await host.Outbox.GetAsync(id))!.State);
    }

    [Fact]
    public async Task QueueSends_TemplatedSend_StoresTheRenderedMessageNotTheModel()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var host = Host(
            $"smtp://127.0.0.1:{server.Port}",
            services =>
            {
                services.PostConfigureAll<MailSenderOptions>(o => o.DefaultFrom = "app@example.com");
                services.AddMailSenderTemplates().AddTemplate("welcome", "Welcome, {{ name }}", "<p>Hello {{ name }}</p>");
            },
            o => o.QueueSends = true);
        var templates = host.Provider.GetRequiredService<MailSender.Templates.IEmailTemplates>();

        var result = await host.Provider.GetRequiredService<IEmailSender>().SendTemplateAsync(templates, "welcome", new { Name = "Ana", Secret = "model-only-value" }, "ana@example.com");

        // Queued already rendered: the store holds the subject and body, so the worker needs neither templates nor model.
        var id = Guid.Parse(result.ServerResponse!["queued as ".Length..]);
        Assert.Equal("Welcome, Ana", (await host.Outbox.GetAsync(id))!.Subject);
        await host.RunUntilEmptyAsync();
        var delivered = Assert.Single(server.Messages).Parse();
        Assert.Equal("Welcome, Ana", delivered.Subject);
        Assert.Equal("<p>Hello Ana</p>", delivered.HtmlBody);
    }

    [Fact]
    public async Task QueueSends_AppliesToNamedSendersAndTheFactory_AsTheIdentityAdapterUsesIt()
    {
        await using var main = await InProcessSmtpServer.StartAsync();
        await using var marketing = await InProcessSmtpServer.StartAsync();
        await using var host = Host($"smtp://127.0.0.1:{main.Port}", services => services.AddMailSender("marketing", o => o.Transport = $"smtp://127.0.0.1:{marketing.Port}"), o => o.QueueSends = true);

        var viaFactory = await host.Provider.GetRequiredService<IEmailSenderFactory>().GetSender("marketing").SendAsync(TestMessages.WithSubject("news"));
        var viaKey = await host.Provider.GetRequiredKeyedService<IEmailSender>("marketing").SendAsync(TestMessages.WithSubject("more news"));

        Assert.Equal("outbox:sqlite", viaFactory.Transport);
        Assert.Equal("outbox:sqlite", viaKey.Transport);
        Assert.Empty(marketing.Messages);
        await host.RunUntilEmptyAsync();
        Assert.Equal(["more news", "news"], marketing.Messages.Select(m => m.Parse().Subject).Order());
        Assert.Empty(main.Messages);
    }

    [Fact]
    public async Task Delivery_ContinuesTheTraceOfTheEnqueuingRequest()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var host = Host($"smtp://127.0.0.1:{server.Port}");
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("MailSender", StringComparison.Ordinal) || source.Name == "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("test");

        ActivityTraceId traceId;
        using (var request = source.StartActivity("request"))
        {
            traceId = request!.TraceId;
            await host.Outbox.EnqueueAsync(TestMessages.Text());
        }

        await host.RunUntilEmptyAsync();

        var delivery = Assert.Single(spans, s => s.OperationName == "outbox deliver");
        Assert.Equal(traceId, delivery.TraceId);
        Assert.Equal("sent", delivery.GetTagItem("mailsender.outbox.state"));
    }

    [Fact]
    public async Task Metrics_CountEnqueuesAttemptsAndDeliveryTime_AndTheDepthByState()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var host = Host($"smtp://127.0.0.1:{server.Port}");
        var measurements = new System.Collections.Concurrent.ConcurrentBag<(string Instrument, double Value, string? State)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "MailSender.Outbox")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, State(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, State(tags))));
        listener.Start();

        await host.Outbox.EnqueueAsync(TestMessages.Text());
        await host.Outbox.EnqueueAsync(TestMessages.Text(), new OutboxEnqueueOptions { NotBefore = DateTimeOffset.UtcNow.AddHours(1) });
        await host.RunUntilEmptyAsync();
        listener.RecordObservableInstruments();

        Assert.Equal(2, measurements.Count(m => m.Instrument == "mailsender.outbox.enqueued"));
        Assert.Contains(measurements, m => m.Instrument == "mailsender.outbox.attempts" && m.State == "sent");
        Assert.Contains(measurements, m => m.Instrument == "mailsender.outbox.delivery.duration" && m.Value >= 0);
        Assert.Contains(measurements, m => m.Instrument == "mailsender.outbox.messages" && m.State == "queued" && m.Value >= 1);
        Assert.Contains(measurements, m => m.Instrument == "mailsender.outbox.oldest_due.age");

        static string? State(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "mailsender.outbox.state")
                {
                    return tag.Value as string;
                }
            }

            return null;
        }
    }

    [Fact]
    public async Task StartUp_FailsClearly_OnAFileThatIsNotADatabase()
    {
        var path = _folder.File("junk.db");
        await File.WriteAllTextAsync(path, "this is not a database, it is a shopping list\n" + new string('x', 5000));
        await using var host = Host("smtp://127.0.0.1:25", configure: o => o.Store = "sqlite:" + path);

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.Provider.GetRequiredService<IEnumerable<IHostedService>>().OfType<OutboxWorker>().Single().StartAsync(default));

        Assert.Equal(EmailErrorKind.Configuration, error.Kind);
        Assert.Contains("is not an SQLite database", error.Message, StringComparison.Ordinal);
    }

    private OutboxHost Host(string transport, Action<IServiceCollection>? services = null, Action<OutboxOptions>? configure = null, TimeProvider? time = null, Func<IOutboxStore, IOutboxStore>? store = null)
    {
        var collection = new ServiceCollection();
        if (time is not null)
        {
            collection.AddSingleton(time);
        }

        var builder = collection.AddMailSender(o =>
        {
            o.Transport = transport;
            o.Resilience.Enabled = false;
        });
        services?.Invoke(collection);
        builder.AddOutbox(o =>
        {
            o.Store = "sqlite:" + _folder.File("outbox.db");
            o.RunWorker = false;
            o.PollInterval = TimeSpan.FromMilliseconds(50);
            o.MaxMessageSize = 32 * 1024;
            o.RetainFinished = null;
            configure?.Invoke(o);
        });
        if (store is not null)
        {
            // Wraps the store the runtime opens, to inject faults.
            var descriptor = collection.Single(d => d.ServiceType == typeof(OutboxRuntime));
            collection.Remove(descriptor);
            collection.AddSingleton(provider =>
            {
                var runtime = (OutboxRuntime)descriptor.ImplementationFactory!(provider);
                return new OutboxRuntime(store(runtime.Store), runtime.Options, runtime.DefaultSenderName, runtime.TimeProvider, runtime.Telemetry);
            });
        }

        return new OutboxHost(collection.BuildServiceProvider());
    }

    private sealed class OutboxHost(ServiceProvider provider) : IAsyncDisposable
    {
        public ServiceProvider Provider { get; } = provider;

        public IEmailOutbox Outbox { get; } = provider.GetRequiredService<IEmailOutbox>();

        public OutboxWorker Worker { get; } = provider.GetRequiredService<OutboxWorker>();

        internal IOutboxStore Store => Provider.GetRequiredService<OutboxRuntime>().Store;

        public async Task RunUntilEmptyAsync(TimeSpan? timeout = null)
        {
            using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
            await Worker.RunAsync(exitWhenEmpty: true, cancel.Token, CancellationToken.None);
            Assert.False(cancel.IsCancellationRequested, "The worker did not finish in time.");
        }

        /// <summary>Runs the worker for a while when it cannot finish (a message held by a dead worker).</summary>
        public async Task RunForAsync(TimeSpan time)
        {
            using var cancel = new CancellationTokenSource(time);
            await Worker.RunAsync(exitWhenEmpty: true, cancel.Token, CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            await Provider.GetRequiredService<OutboxRuntime>().DisposeAsync();
            await Provider.DisposeAsync();
        }
    }
}
