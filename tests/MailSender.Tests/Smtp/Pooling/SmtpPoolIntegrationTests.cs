using System.Diagnostics;
using MailSender.TestSupport;
using Microsoft.Extensions.Time.Testing;
using static MailSender.Tests.Smtp.Pooling.SmtpPoolTestHost;

namespace MailSender.Tests.Smtp.Pooling;

/// <summary>
/// The SMTP connection pool seen from outside, through <c>AddMailSender</c> and <see cref="IEmailSender"/>, against a scripted
/// server on 127.0.0.1 that counts connections: limits, reuse, idle and lifetime expiry, waiting, cancellation and disposal.
/// Recovery from dropped connections and refused commands is in <see cref="SmtpPoolRecoveryIntegrationTests"/>.
/// </summary>
public class SmtpPoolIntegrationTests
{
    [Fact]
    public async Task SendAsync_1000ConcurrentWith4Connections_NeverMoreThan4AndEachOnce()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            // A server a little slow to say goodbye, as real ones are: a connection being retired still counts until it is closed.
            Intercept = async (e, cancellationToken) =>
            {
                if (e.Verb == "QUIT")
                {
                    await Task.Delay(20, cancellationToken);
                }

                return null;
            },
        });
        await using var host = Create(server.Port, "maxConnections=4&maxMessagesPerConnection=100");
        var subjects = Enumerable.Range(0, 1000).Select(i => $"concurrent {i}").ToArray();

        var results = await Task.WhenAll(subjects.Select(s => Task.Run(() => host.SendAsync(s))));

        Assert.All(results, r => Assert.Equal(["rcpt@example.com"], r.AcceptedRecipients));
        Assert.Equal(subjects.Order(StringComparer.Ordinal), Subjects(server.Transactions).Order(StringComparer.Ordinal));

        // Connections are retired after exactly 100 messages; at most the last 4 share the rest: 10 to 14 connections in all.
        var perConnection = server.Connections.ToDictionary(c => c.Number, c => server.Transactions.Count(t => t.Connection == c.Number));
        Assert.InRange(server.ConnectionCount, 10, 14);
        Assert.All(perConnection.Values, count => Assert.InRange(count, 1, 100));
        Assert.All(server.Connections.Where(c => c.QuitReceived), c => Assert.Equal(100, perConnection[c.Number]));
        Assert.Equal(4, server.MaxConcurrentConnections);
    }

    [Fact]
    public async Task SendAsync_RetiredConnectionSlowToQuit_NewConnectionWaitsUntilItIsClosed()
    {
        // maxConnections is what a provider's "too many concurrent connections" limit is checked against: a connection
        // still saying QUIT is still open, so its replacement must not connect before it is gone.
        // Regression: the pool used to hand a retired connection's slot to the next waiter before closing it (fixed in 2ec8104).
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = async (e, cancellationToken) =>
            {
                if (e.Verb == "QUIT")
                {
                    await Task.Delay(300, cancellationToken);
                }

                return null;
            },
        });
        await using var host = Create(server.Port, "maxConnections=1&maxMessagesPerConnection=1");

        await Task.WhenAll(host.SendAsync("first"), host.SendAsync("second"));

        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["first"], SubjectsOn(server, 1));
        Assert.Equal(["second"], SubjectsOn(server, 2));
        Assert.Equal(1, server.MaxConcurrentConnections);
    }

    [Fact]
    public async Task SendAsync_2NPlus1Sequential_OpensThreeConnectionsWithNOnEach()
    {
        const int N = 4;
        await using var server = ScriptedSmtpServer.Start();
        await using var host = Create(server.Port, $"maxMessagesPerConnection={N}");

        for (var i = 0; i < (2 * N) + 1; i++)
        {
            await host.SendAsync($"message {i}");
        }

        Assert.Equal(3, server.ConnectionCount);
        Assert.Equal(["message 0", "message 1", "message 2", "message 3"], SubjectsOn(server, 1));
        Assert.Equal(["message 4", "message 5", "message 6", "message 7"], SubjectsOn(server, 2));
        Assert.Equal(["message 8"], SubjectsOn(server, 3));

        // A full connection is closed politely as it comes back, not left for the server to time out.
        await Eventually.TrueAsync(() => server.Connections.Take(2).All(c => c.QuitReceived && c.Closed), "QUIT on the two full connections");
        Assert.False(server.Connections[2].Closed);
    }

    [Fact]
    public async Task SendAsync_10Sequential_ReuseOneConnection()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var host = Create(server.Port, "maxConnections=4");

        for (var i = 0; i < 10; i++)
        {
            await host.SendAsync($"message {i}");
        }

        Assert.Equal(1, server.ConnectionCount);
        var connection = Assert.Single(server.Connections);
        Assert.Equal(10, SubjectsOn(server, 1).Length);
        Assert.Single(connection.Verbs, "EHLO");
        Assert.Equal(10, connection.Verbs.Count(v => v == "MAIL"));
        Assert.False(connection.Closed);
        Assert.False(connection.QuitReceived);
    }

    [Fact]
    public async Task SendAsync_IdleLongerThanIdleTimeout_QuitsThenOpensNewConnection()
    {
        var time = new FakeTimeProvider();
        await using var server = ScriptedSmtpServer.Start();
        await using var host = Create(server.Port, "idleTimeout=30s&checkAfterIdle=5s", time);

        await host.SendAsync("before");
        Assert.False(server.Connections[0].QuitReceived);

        time.Advance(TimeSpan.FromSeconds(31));
        await Eventually.TrueAsync(() => server.Connections[0] is { QuitReceived: true, Closed: true }, "QUIT and close of the idle connection");
        Assert.Equal(1, server.ConnectionCount);

        await host.SendAsync("after");

        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["before"], SubjectsOn(server, 1));
        Assert.Equal(["after"], SubjectsOn(server, 2));
        Assert.DoesNotContain("NOOP", server.Connections[1].Verbs);
    }

    [Fact]
    public async Task SendAsync_ConnectionOlderThanMaxLifetime_QuitsThenOpensNewConnection()
    {
        var time = new FakeTimeProvider();
        await using var server = ScriptedSmtpServer.Start();
        await using var host = Create(server.Port, "maxLifetime=60s&idleTimeout=45s", time);

        await host.SendAsync("at 0 s");
        time.Advance(TimeSpan.FromSeconds(40));
        await host.SendAsync("at 40 s");

        // Idle 40 s < 45 s and 40 s old < 60 s: still the same connection.
        Assert.Equal(1, server.ConnectionCount);

        // At 70 s it has been idle only 30 s, but it is older than 60 s.
        time.Advance(TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => server.Connections[0] is { QuitReceived: true, Closed: true }, "QUIT and close of the connection past its lifetime");
        await host.SendAsync("at 70 s");

        Assert.Equal(2, server.ConnectionCount);
        Assert.Equal(["at 0 s", "at 40 s"], SubjectsOn(server, 1));
        Assert.Equal(["at 70 s"], SubjectsOn(server, 2));
    }

    [Fact]
    public async Task SendAsync_WaiterCancelled_ThrowsAndNeverSendsAndPoolStillWorks()
    {
        var gate = ScriptedReplyGate.AtEndOfData();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = gate.Intercept });
        await using var host = Create(server.Port, "maxConnections=1&acquireTimeout=30s");

        var first = host.SendAsync("holds the only connection");
        await gate.WaitForArrivalsAsync(1);
        using var cancel = new CancellationTokenSource();
        var waiting = host.SendAsync("cancelled while waiting", cancel.Token);
        await Eventually.TrueAsync(() => host.Statistics.Waiting == 1, "the second send queued for the connection");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.False(first.IsCompleted);
        gate.Open();
        await first;
        await host.SendAsync("after the cancellation");

        Assert.Equal(1, server.ConnectionCount);
        Assert.Equal(["holds the only connection", "after the cancellation"], Subjects(server.Transactions));
        Assert.Equal(2, server.Connections[0].Verbs.Count(v => v == "MAIL"));
    }

    [Fact]
    public async Task SendAsync_NoConnectionFreeWithinAcquireTimeout_FailsServerBusyExhausted()
    {
        var gate = ScriptedReplyGate.AtEndOfData();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = gate.Intercept });
        await using var host = Create(server.Port, "maxConnections=1&acquireTimeout=200ms");

        var first = host.SendAsync("holds the only connection");
        await gate.WaitForArrivalsAsync(1);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<EmailSendException>(() => host.SendAsync("finds no connection"));

        clock.Stop();
        Assert.Equal(EmailErrorKind.ServerBusy, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Contains("exhausted", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));
        gate.Open();
        await first;
        await host.SendAsync("after the timeout");
        Assert.Equal(1, server.ConnectionCount);
        Assert.Equal(["holds the only connection", "after the timeout"], Subjects(server.Transactions));
    }

    [Fact]
    public async Task DisposeAsync_WhileSendsInFlight_CompletesThemQuitsEveryConnectionAndFailsTheRest()
    {
        var gate = ScriptedReplyGate.AtEndOfData();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = gate.Intercept });
        var host = Create(server.Port, "maxConnections=3");
        var inFlight = Enumerable.Range(0, 3).Select(i => host.SendAsync($"in flight {i}")).ToArray();
        await gate.WaitForArrivalsAsync(3);
        var queued = host.SendAsync("queued behind them");
        await Eventually.TrueAsync(() => host.Statistics.Waiting == 1, "the fourth send queued for a connection");

        var disposing = host.DisposeAsync().AsTask();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => queued);
        await Task.Delay(100);
        Assert.False(disposing.IsCompleted, "Disposal must wait for the sends in flight.");
        gate.Open();
        var results = await Task.WhenAll(inFlight);
        await disposing;

        Assert.All(results, r => Assert.Equal(["rcpt@example.com"], r.AcceptedRecipients));
        Assert.Equal(["in flight 0", "in flight 1", "in flight 2"], Subjects(server.Transactions).Order(StringComparer.Ordinal));
        Assert.Equal(3, server.ConnectionCount);
        await Eventually.TrueAsync(() => server.Connections.All(c => c is { QuitReceived: true, Closed: true }), "QUIT and close on every connection");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => host.SendAsync("after disposal"));
        Assert.Equal(3, server.ConnectionCount);
    }

    [Fact]
    public async Task DisposeAsync_IdleConnections_QuitsThemBeforeReturning()
    {
        var quits = new SlowQuit();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { Intercept = quits.Intercept });
        var host = Create(server.Port, "maxConnections=3");
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => host.SendAsync($"message {i}")));
        // Three concurrent sends open up to three connections (one may already be free for the next send on a busy machine).
        var connections = server.ConnectionCount;
        Assert.InRange(connections, 1, 3);

        await host.DisposeAsync();

        // Disposal awaits the QUIT exchange of idle connections: every 221 has been sent by now, no waiting here.
        Assert.Equal(connections, quits.Answered);
    }

    [Fact]
    public async Task DisposeAsync_SendsInFlight_QuitsTheirConnectionsBeforeReturning()
    {
        var gate = ScriptedReplyGate.AtEndOfData();
        var quits = new SlowQuit();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Intercept = async (e, cancellationToken) => await gate.Intercept(e, cancellationToken) ?? await quits.Intercept(e, cancellationToken),
        });
        var host = Create(server.Port, "maxConnections=2");
        var inFlight = Enumerable.Range(0, 2).Select(i => host.SendAsync($"in flight {i}")).ToArray();
        await gate.WaitForArrivalsAsync(2);

        var disposing = host.DisposeAsync().AsTask();
        gate.Open();
        await Task.WhenAll(inFlight);
        await disposing;

        // As for idle connections: an application that disposes its container and exits must not leave the last QUITs to chance.
        // Regression: disposal used to return once no lease was out, before the returned connections were closed.
        Assert.Equal(2, quits.Answered);
    }

    /// <summary>Answers QUIT after 200 ms and counts the answers, so a test can tell whether the client waited for them.</summary>
    private sealed class SlowQuit
    {
        private int _answered;

        public int Answered => Volatile.Read(ref _answered);

        public async Task<string?> Intercept(ScriptedExchange exchange, CancellationToken cancellationToken)
        {
            if (exchange.Verb == "QUIT")
            {
                await Task.Delay(200, cancellationToken);
                Interlocked.Increment(ref _answered);
            }

            return null;
        }
    }
}
