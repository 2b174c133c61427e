using System.Diagnostics;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace MailSender.Outbox.ProcessTests;

/// <summary>
/// Issue 13, "Deferral across a restart": a server answers 451 for a while; the application's worker defers the message;
/// the application is restarted (a new service provider, worker and clock on the same SQLite file) later, past the
/// back-off, and the server now accepts: the message is delivered once, at its due time and not before.
/// </summary>
/// <remarks>
/// In this process rather than through the CLI, so that the clock can be a <see cref="FakeTimeProvider"/>: the worker runs
/// as the application runs it, as the hosted service <c>AddOutbox</c> registers. The sender's own retries within one send
/// are off (<c>Resilience:Retry:Enabled</c>, as docs/outbox.md advises to leave every retry to the outbox's back-off):
/// they would wait on the fake clock, and they are not what is tested here.
/// </remarks>
[Trait("Category", "Process")]
public sealed class DeferralAcrossRestartTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _folder = Directory.CreateTempSubdirectory("mailsender-deferral-").FullName;

    private string Store => "sqlite:" + Path.Combine(_folder, "outbox.db");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Greylisted_Deferred_ThenRestartedPastTheBackoff_DeliveredOnce()
    {
        var greylisting = 1;
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = (exchange, _) => Task.FromResult(Volatile.Read(ref greylisting) == 1 && exchange.Verb == "RCPT" ? "451 4.7.1 <rcpt@example.com>: Recipient address rejected: Greylisted, try again later" : null),
        });
        var started = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

        // Run 1: enqueued, tried, deferred by the 451 for Postfix's minimal back-off (300 s); then the application stops.
        Guid id;
        await using (var first = await Application.StartAsync(Store, server.Port, new FakeTimeProvider(started), enqueueFirst: true))
        {
            id = first.Enqueued!.Value;
            await first.WaitForAsync(id, OutboxState.Deferred);
        }

        Assert.Empty(server.Transactions);
        Assert.Single(server.CommandsStartingWith("RCPT"));

        // Run 2: a new process (provider, worker, clock) on the same file, 299 s later: not due yet, nothing is sent.
        Interlocked.Exchange(ref greylisting, 0);
        var clock = new FakeTimeProvider(started + TimeSpan.FromSeconds(299));
        await using (var second = await Application.StartAsync(Store, server.Port, clock, enqueueFirst: false))
        {
            var deferred = (await second.Outbox.GetAsync(id))!;
            Assert.Equal((OutboxState.Deferred, 1, 451), (deferred.State, deferred.Attempts, deferred.LastStatusCode));
            Assert.Equal(started + TimeSpan.FromSeconds(300), deferred.NextAttemptAt);
            Assert.Contains("Greylisted", deferred.LastError, StringComparison.Ordinal);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            Assert.Single(server.CommandsStartingWith("RCPT"));

            // Past the back-off: the worker's next poll (1 s on its clock) finds it due and delivers it.
            clock.Advance(TimeSpan.FromSeconds(2));
            await second.WaitForAsync(id, OutboxState.Sent);
            var sent = (await second.Outbox.GetAsync(id))!;
            Assert.Equal(2, sent.Attempts);
            Assert.Equal((OutboxState.Sent, 250), (Assert.Single(sent.Recipients).State, Assert.Single(sent.Recipients).StatusCode));
        }

        var transaction = Assert.Single(server.Transactions);
        Assert.Equal("Deferred once", transaction.Parse().Subject);
        Assert.Equal(2, server.CommandsStartingWith("RCPT").Count);
    }

    /// <summary>One run of the application: MailSender and the outbox with its worker as hosted services, started and stopped as a host does.</summary>
    private sealed class Application : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly IHostedService[] _hosted;

        private Application(ServiceProvider provider)
        {
            _provider = provider;
            _hosted = [.. provider.GetServices<IHostedService>()];
            Outbox = provider.GetRequiredService<IEmailOutbox>();
        }

        public IEmailOutbox Outbox { get; }

        public Guid? Enqueued { get; private set; }

        public static async Task<Application> StartAsync(string store, int port, TimeProvider time, bool enqueueFirst)
        {
            var services = new ServiceCollection();
            services.AddSingleton(time);
            services.AddMailSender(o =>
            {
                o.Transport = $"smtp://127.0.0.1:{port}?security=none";
                o.Resilience.Retry.Enabled = false;
            }).AddOutbox(o => o.Store = store);
            var application = new Application(services.BuildServiceProvider());
            if (enqueueFirst)
            {
                application.Enqueued = await application.Outbox.EnqueueAsync(TestMessages.WithSubject("Deferred once"));
            }

            using var cancel = new CancellationTokenSource(Timeout);
            foreach (var hosted in application._hosted)
            {
                await hosted.StartAsync(cancel.Token);
            }

            return application;
        }

        /// <summary>Waits (in real time) until the message is in <paramref name="state"/>.</summary>
        public async Task WaitForAsync(Guid id, OutboxState state)
        {
            var waited = Stopwatch.StartNew();
            OutboxMessage? message;
            while ((message = await Outbox.GetAsync(id))?.State != state)
            {
                Assert.True(waited.Elapsed < Timeout, $"The message is {message?.State} ({message?.LastError}) after {Timeout.TotalSeconds} s, not {state}.");
                await Task.Delay(50);
            }
        }

        public async ValueTask DisposeAsync()
        {
            using var cancel = new CancellationTokenSource(Timeout);
            foreach (var hosted in _hosted.Reverse())
            {
                await hosted.StopAsync(cancel.Token);
            }

            await _provider.DisposeAsync();
        }
    }
}
