using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailSender.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Tests.Smtp.Protocol;

/// <summary>
/// What a hostile server or a careless operator could do to a sender, each found by trying (see the consolidation issue):
/// commands injected through the EHLO name, replies that never end, cancellation reported after the server accepted,
/// secrets echoed by the server, and durations that overflow or cannot be timers.
/// </summary>
public class SmtpHardeningTests
{
    [Theory]
    [InlineData("bad%0d%0aRSET")]
    [InlineData("bad%0aMAIL%20FROM:%3Cx%40evil.example%3E")]
    [InlineData("two%20words")]
    [InlineData("%5B1.2.3%5D")]
    public async Task EhloParameter_NotADomainOrAddressLiteral_FailsAtStartUpAndNothingIsSent(string ehlo)
    {
        await using var server = ScriptedSmtpServer.Start();

        var error = Assert.Throws<OptionsValidationException>(() => MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none&ehlo=" + ehlo)));

        Assert.Contains(error.Failures, f => f.StartsWith("MailSender:Transport", StringComparison.Ordinal) && f.Contains("option 'ehlo'", StringComparison.Ordinal));
        Assert.Equal(0, server.ConnectionCount);
    }

    [Theory]
    [InlineData("app.example.com\r\nRSET")]
    [InlineData("app.example.com RSET")]
    [InlineData("")]
    public void EhloNameOption_NotADomainOrAddressLiteral_IsAValidationErrorNamingTheSetting(string ehlo)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o =>
        {
            o.Transport = "smtp://127.0.0.1:25";
            o.Smtp.EhloName = ehlo.Length == 0 ? "-leading-dash.example" : ehlo;
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("MailSender:Smtp:EhloName must be a domain name", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("RSET", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mta.example.com", "EHLO mta.example.com")]
    [InlineData("[192.0.2.1]", "EHLO [192.0.2.1]")]
    [InlineData("192.0.2.1", "EHLO [192.0.2.1]")]
    [InlineData("[IPv6:2001:db8::1]", "EHLO [IPv6:2001:db8::1]")]
    public async Task EhloName_DomainOrAddressLiteral_IsSentAsIs(string ehlo, string expected)
    {
        await using var server = ScriptedSmtpServer.Start();

        await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text(), o => o.Smtp.EhloName = ehlo);

        Assert.Equal(expected, server.CommandsStartingWith("EHLO")[0]);
    }

    [Fact]
    public async Task Reply_LineThatNeverEnds_FailsWithProtocolErrorAfterAFewKilobytes()
    {
        // After MAIL FROM the server streams "250-AAAA..." without ever sending CRLF.
        await using var server = await FloodingServer.StartAsync(static b => b.Append('A'), lineBreaks: false);

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.ProtocolError, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Contains("longer than 16,384 octets", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);

        // The client closed the connection instead of reading on: what the server could push is bounded by socket buffers.
        await server.Stopped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(server.BytesWritten, SmtpWireLimits.MaxReplyLine, 64L * 1024 * 1024);
    }

    [Fact]
    public async Task Reply_EndlessMultilineReply_FailsWithProtocolErrorAfter64Kilobytes()
    {
        // Well-formed continuation lines ("250-xxx CRLF"), but the last line never comes.
        await using var server = await FloodingServer.StartAsync(static b => b.Append("250-still going\r\n"), lineBreaks: true);

        var error = await MailSenderHost.SendFailingAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text());

        Assert.Equal(EmailErrorKind.ProtocolError, error.Kind);
        Assert.Contains("longer than 65,536 octets", error.Message, StringComparison.Ordinal);
        await server.Stopped.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(server.BytesWritten, SmtpWireLimits.MaxReply, 64L * 1024 * 1024);
    }

    /// <summary>
    /// Regression: under concurrent sends with random cancellation about 1 in 1,500 sends threw OperationCanceledException
    /// although the server had answered 250 to the end of data. A send reported as cancelled must never have been accepted,
    /// and a send reported as sent must have been; only DeliveryUncertain may go either way.
    /// </summary>
    [Fact]
    public async Task SendAsync_RandomCancellationAndDrops_NeverReportsCancelledOrFailedForAnAcceptedMessage()
    {
        const int Sends = 5000;
        var random = new Random(20261204);
        var drops = new ConcurrentDictionary<int, SmtpFault>();
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            // Some connections die mid-DATA (nothing accepted) or after the final dot (accepted, never confirmed).
            FaultOn = n => drops.GetOrAdd(n, static (_, r) => r switch { < 3 => SmtpFault.CloseDuringData, < 6 => SmtpFault.CloseAfterFinalDot, _ => SmtpFault.None }, Random.Shared.Next(100)),
            FaultAfterDataBytes = 600,

            // The 250 after the final dot comes a little later, so cancellations land on every side of it.
            Intercept = async (exchange, token) =>
            {
                if (exchange.Verb == ".")
                {
                    await Task.Delay(Random.Shared.Next(0, 3), token);
                }

                return null;
            },
        });
        await using var host = MailSenderHost.Create(TestTransports.Smtp(server.Port, "security=none&maxConnections=16"));

        var outcomes = new ConcurrentBag<(string MessageId, string Outcome)>();
        var delays = Enumerable.Range(0, Sends).Select(_ => random.Next(0, 60_000)).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, Sends), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var message = TestMessages.Text("Message " + i + new string('x', 1500));
            message.MessageId = $"m{i}@cancel.test";
            using var cancel = new CancellationTokenSource(TimeSpan.FromMicroseconds(delays[i]));
            try
            {
                await host.Sender.SendAsync(message, cancel.Token);
                outcomes.Add((message.MessageId, "sent"));
            }
            catch (OperationCanceledException)
            {
                outcomes.Add((message.MessageId, "cancelled"));
            }
            catch (EmailSendException error)
            {
                outcomes.Add((message.MessageId, error.Kind == EmailErrorKind.DeliveryUncertain ? "uncertain" : "failed:" + error.Kind));
            }
        });

        var accepted = server.Transactions.Select(t => t.Parse().MessageId).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Sends, outcomes.Count);
        Assert.DoesNotContain(outcomes, o => o.Outcome == "sent" && !accepted.Contains(o.MessageId));
        Assert.DoesNotContain(outcomes, o => (o.Outcome == "cancelled" || o.Outcome.StartsWith("failed", StringComparison.Ordinal)) && accepted.Contains(o.MessageId));

        // The mix must be real: many sends of each kind, or the test proves nothing.
        var mix = string.Join(", ", outcomes.GroupBy(o => o.Outcome).Select(g => g.Key + "=" + g.Count()));
        Console.WriteLine("MIX " + mix);
        Assert.True(outcomes.Count(o => o.Outcome == "cancelled") > 100, "few sends were cancelled: " + mix);
        Assert.True(outcomes.Count(o => o.Outcome == "sent") > 100, "few sends succeeded: " + mix);
    }

    [Fact]
    public async Task Authentication_ServerEchoesThePlainCredentials_NoFormOfThemReachesTheErrorOrTheLog()
    {
        const string User = "ann@example.com";
        const string Password = "Corr3ct-H0rse-Battery";
        var plain = "\0" + User + "\0" + Password;
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(plain));
        await using var server = ScriptedSmtpServer.Start(new SmtpScript
        {
            Capabilities = ["AUTH PLAIN"],

            // A hostile (or merely chatty) server quotes what it was sent.
            Intercept = (exchange, _) => Task.FromResult(exchange.Verb == "AUTH"
                ? $"535 5.7.8 Authentication failed for {exchange.Command[11..]} ({plain.Replace('\0', ' ')}) pw={Password}"
                : null),
        });
        var logs = new List<string>();
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(new ListLoggerProvider(logs)));
        services.AddMailSender(o =>
        {
            o.Transport = TestTransports.Smtp(server.Port, "security=none&allowInsecureAuth=true", User, Password);
            o.Resilience.Enabled = false;
        });
        await using var provider = services.BuildServiceProvider();

        var error = await Assert.ThrowsAsync<EmailSendException>(() => provider.GetRequiredService<IEmailSender>().SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.AuthenticationFailed, error.Kind);
        Assert.Equal(535, error.StatusCode);
        var everything = string.Join('\n', [error.ToString(), error.Message, error.ServerText ?? string.Empty, error.Hint ?? string.Empty, .. Chain(error), .. logs]);
        foreach (var secret in new[] { base64, Password, base64[..24] })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }

        Assert.Contains("***", error.ServerText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timeout=1e400", "timeout")]
    [InlineData("idleTimeout=99999999999h", "idleTimeout")]
    [InlineData("timeout=99999999999999999999", "timeout")]
    [InlineData("connectTimeout=10000000:00:00", "connectTimeout")]
    [InlineData("maxLifetime=2d", "maxLifetime")]
    [InlineData("acquireTimeout=25h", "acquireTimeout")]
    public void UriDuration_TooLargeOrOverflowing_IsAValidationErrorNamingTheOption(string parameter, string name)
    {
        var services = new ServiceCollection();
        services.AddMailSender(o => o.Transport = "smtp://127.0.0.1:25?" + parameter);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        var failure = Assert.Single(error.Failures);
        Assert.Contains($"option '{name}'", failure, StringComparison.Ordinal);
        Assert.Contains("to 1 day", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Smtp:ConnectTimeout", "10000000:00:00")]
    [InlineData("Smtp:CommandTimeout", "2.00:00:00")]
    [InlineData("Smtp:Pool:IdleTimeout", "30.00:00:00")]
    [InlineData("Smtp:Detection:ProbeTimeout", "1.00:00:01")]
    [InlineData("Smtp:Detection:CacheLifetime", "8.00:00:00")]
    [InlineData("Resilience:TotalTimeout:Timeout", "3.00:00:00")]
    public void ConfiguredDuration_TooLargeForATimer_IsAValidationErrorNamingTheSetting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MailSender:Transport"] = "pickup:" + Path.GetTempPath(),
            ["MailSender:" + key] = value,
        }).Build();
        var services = new ServiceCollection();
        services.AddMailSender(configuration.GetSection("MailSender"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IEmailSender>());

        Assert.Contains(error.Failures, f => f.StartsWith("MailSender:" + key + " must be between", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Recipient_LocalPartOver64Octets_IsSentAsItIs()
    {
        // RFC 5321 4.5.3.1.1 limits local parts to 64 octets but asks servers to accept more where they can; MailSender
        // leaves the decision to the server (a refusal comes back as a refused recipient).
        var local = new string('a', 80);
        await using var server = ScriptedSmtpServer.Start();

        var result = await MailSenderHost.SendAsync(TestTransports.Smtp(server.Port, "security=none"), TestMessages.Text(to: local + "@example.com"));

        Assert.Equal([local + "@example.com"], result.AcceptedRecipients);
        Assert.Equal(local + "@example.com", Assert.Single(Assert.Single(server.Transactions).Recipients));
    }

    private static IEnumerable<string> Chain(Exception exception)
    {
        for (var current = exception.InnerException; current is not null; current = current.InnerException)
        {
            yield return current.GetType().FullName + ": " + current.Message + "\n" + current;
        }
    }

    /// <summary>The limits the wire stream enforces, as the tests expect them.</summary>
    private static class SmtpWireLimits
    {
        public const int MaxReplyLine = 16 * 1024;
        public const int MaxReply = 64 * 1024;
    }

    /// <summary>An SMTP server that behaves until MAIL FROM, then streams one reply forever; counts what it wrote.</summary>
    private sealed class FloodingServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private long _written;

        private FloodingServer()
        {
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public long BytesWritten => Interlocked.Read(ref _written);

        public Task Stopped { get; private set; } = Task.CompletedTask;

        public static Task<FloodingServer> StartAsync(Action<StringBuilder> chunk, bool lineBreaks)
        {
            var server = new FloodingServer();
            server._listener.Start();
            server.Stopped = server.RunAsync(chunk, lineBreaks);
            return Task.FromResult(server);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await Stopped.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or TimeoutException)
            {
            }

            _stop.Dispose();
        }

        private async Task RunAsync(Action<StringBuilder> chunk, bool lineBreaks)
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            await stream.WriteAsync("220 flood.test ESMTP\r\n"u8.ToArray(), _stop.Token);
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase))
                {
                    await stream.WriteAsync("250-flood.test\r\n250 PIPELINING\r\n"u8.ToArray(), _stop.Token);
                    continue;
                }

                if (!line.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase))
                {
                    await stream.WriteAsync("250 ok\r\n"u8.ToArray(), _stop.Token);
                    continue;
                }

                var text = new StringBuilder(lineBreaks ? string.Empty : "250-");
                while (text.Length < 8192)
                {
                    chunk(text);
                }

                var block = Encoding.ASCII.GetBytes(text.ToString());
                try
                {
                    // Until the client gives up (the write fails) or 256 MB went out (the client never would).
                    while (BytesWritten < 256L * 1024 * 1024)
                    {
                        await stream.WriteAsync(block, _stop.Token);
                        Interlocked.Add(ref _written, block.Length);
                    }
                }
                catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
                {
                }

                return;
            }
        }
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add(formatter(state, exception) + (exception is null ? string.Empty : "\n" + exception));
                }
            }
        }
    }
}
