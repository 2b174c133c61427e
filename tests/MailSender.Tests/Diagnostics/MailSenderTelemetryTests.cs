using System.Diagnostics;
using System.Diagnostics.Metrics;
using MailSender.Diagnostics;
using MailSender.Pickup;
using MailSender.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using MailSender.Sending;

namespace MailSender.Tests.Diagnostics;

/// <summary>
/// The instruments and spans of real sends: through the in-process SMTP server (STARTTLS, implicit TLS, AUTH),
/// a refused password, a retried 421 from the scripted server, and the pickup folder.
/// </summary>
public sealed class MailSenderTelemetryTests
{
    private const string User = "mailer@example.com";
    private const string Password = "Corr3ct-H0rse:B@ttery";
    private const string Recipient = "rcpt@example.com";

    [Fact]
    public async Task SendAsync_StartTlsWithAuth_RecordsSentDurationSizeAndPoolConnections()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = User, Password = Password, RequireAuthentication = true });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, Password));

        await capture.Sender.SendAsync(TestMessages.Text());

        // The documented meter name, and the package version without the commit hash.
        Assert.Equal("MailSender", capture.Meter.Name);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", capture.Meter.Version);
        var sent = Assert.Single(capture.Of("mailsender.messages.sent"));
        Assert.Equal(1, sent.Value);
        Assert.Equal("{message}", sent.Unit);
        Assert.Equal("smtp", sent.Tags["mailsender.transport"]);
        Assert.Empty(capture.Of("mailsender.messages.failed"));
        Assert.Empty(capture.Of("mailsender.retries"));

        var duration = Assert.Single(capture.Of("mailsender.send.duration"));
        Assert.Equal("s", duration.Unit);
        Assert.InRange(duration.Value, 0, 60);
        Assert.False(duration.Tags.ContainsKey("error.type"));

        // The size is what went over DATA up to the final ".": the server stores it without the CRLF before that dot.
        var size = Assert.Single(capture.Of("mailsender.message.size"));
        Assert.Equal("By", size.Unit);
        Assert.Equal(Assert.Single(server.Messages).Data.Length + 2, size.Value);

        var connections = capture.Observe("mailsender.pool.connections");
        var port = server.Port;
        Assert.All(connections, c => Assert.Equal("{connection}", c.Unit));
        Assert.Equal(1, Assert.Single(connections, c => Equals(c.Tags["mailsender.connection.state"], "idle")).Value);
        Assert.Equal(0, Assert.Single(connections, c => Equals(c.Tags["mailsender.connection.state"], "used")).Value);
        Assert.All(connections, c =>
        {
            Assert.Equal("127.0.0.1", c.Tags["server.address"]);
            Assert.Equal(port, c.Tags["server.port"]);
        });
        Assert.Equal(0, Assert.Single(capture.Observe("mailsender.pool.pending_requests")).Value);
    }

    [Fact]
    public async Task SendAsync_StartTlsWithAuth_RecordsSendSpanWithConnectTlsAuthenticateAndDataChildren()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = User, Password = Password, RequireAuthentication = true });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, Password));

        await capture.Sender.SendAsync(TestMessages.Text());

        var send = capture.Span("mailsender.send");
        Assert.Equal(ActivityStatusCode.Ok, send.Status);
        Assert.Equal("smtp", send.GetTagItem("mailsender.transport"));
        Assert.Equal(1, send.GetTagItem("mailsender.recipient.count"));
        Assert.Equal("127.0.0.1", send.GetTagItem("server.address"));
        Assert.Equal(server.Port, send.GetTagItem("server.port"));
        Assert.True((long)send.GetTagItem("mailsender.message.size")! > 0);
        Assert.Equal(MailSenderTelemetry.Version, send.Source.Version);

        var connect = capture.Span("mailsender.smtp.connect");
        var tls = capture.Span("mailsender.smtp.tls");
        var authenticate = capture.Span("mailsender.smtp.authenticate");
        var data = capture.Span("mailsender.smtp.data");
        Assert.Equal(send.SpanId, connect.ParentSpanId);
        Assert.Equal(connect.SpanId, tls.ParentSpanId);
        Assert.Equal(send.SpanId, authenticate.ParentSpanId);
        Assert.Equal(send.SpanId, data.ParentSpanId);
        Assert.Contains(tls.GetTagItem("tls.protocol.version"), new object[] { "1.2", "1.3" });
        Assert.InRange(tls.StartTimeUtc, connect.StartTimeUtc, connect.StartTimeUtc + connect.Duration);
        Assert.True(tls.Duration > TimeSpan.Zero);
        foreach (var span in new[] { connect, authenticate, data })
        {
            Assert.Equal(ActivityKind.Client, span.Kind);
            Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
            Assert.Equal(server.Port, span.GetTagItem("server.port"));
            Assert.NotEqual(ActivityStatusCode.Error, span.Status);
        }

        AssertNoAddresses(capture.Spans);
    }

    [Fact]
    public async Task SendAsync_ImplicitTlsWithoutAuth_RecordsTlsButNoAuthenticateSpan()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtps(server.Port, TestTransports.CaFile));

        await capture.Sender.SendAsync(TestMessages.Text());

        var tls = capture.Span("mailsender.smtp.tls");
        Assert.Equal(capture.Span("mailsender.smtp.connect").SpanId, tls.ParentSpanId);
        Assert.Contains(tls.GetTagItem("tls.protocol.version"), new object[] { "1.2", "1.3" });
        Assert.DoesNotContain(capture.Spans, s => s.OperationName == "mailsender.smtp.authenticate");
        Assert.Single(capture.Spans, s => s.OperationName == "mailsender.smtp.data");
    }

    [Fact]
    public async Task SendAsync_ReusedConnection_HasNoConnectSpanTheSecondTime()
    {
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=none"));

        await capture.Sender.SendAsync(TestMessages.Text());
        await capture.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, capture.Spans.Count(s => s.OperationName == "mailsender.send"));
        Assert.Single(capture.Spans, s => s.OperationName == "mailsender.smtp.connect");
        Assert.DoesNotContain(capture.Spans, s => s.OperationName == "mailsender.smtp.tls");
        Assert.Equal(2, capture.Spans.Count(s => s.OperationName == "mailsender.smtp.data"));
        Assert.Equal(2, capture.Of("mailsender.messages.sent").Sum(m => m.Value));
    }

    [Fact]
    public async Task SendAsync_WrongPassword_RecordsFailureWithAuthenticationFailedOnCounterAndSpans()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.StartTls, UserName = User, Password = Password, RequireAuthentication = true });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtp(server.Port, "security=starttls&" + TestTransports.CaFile, User, "Wr0ng-S3cret"));

        await Assert.ThrowsAsync<EmailSendException>(() => capture.Sender.SendAsync(TestMessages.Text()));

        var failed = Assert.Single(capture.Of("mailsender.messages.failed"));
        Assert.Equal(1, failed.Value);
        Assert.Equal("authentication_failed", failed.Tags["error.type"]);
        Assert.Equal("smtp", failed.Tags["mailsender.transport"]);
        Assert.Empty(capture.Of("mailsender.messages.sent"));
        Assert.Empty(capture.Of("mailsender.message.size"));
        Assert.Equal("authentication_failed", Assert.Single(capture.Of("mailsender.send.duration")).Tags["error.type"]);

        foreach (var name in new[] { "mailsender.send", "mailsender.smtp.authenticate" })
        {
            var span = capture.Span(name);
            Assert.Equal(ActivityStatusCode.Error, span.Status);
            Assert.Equal("authentication_failed", span.StatusDescription);
            Assert.Equal("authentication_failed", span.GetTagItem("error.type"));
        }

        Assert.NotEqual(ActivityStatusCode.Error, capture.Span("mailsender.smtp.connect").Status);
        Assert.DoesNotContain(capture.Spans, s => s.OperationName == "mailsender.smtp.data");
        Assert.Equal(0, Assert.Single(capture.Observe("mailsender.pool.connections"), c => Equals(c.Tags["mailsender.connection.state"], "idle")).Value);
    }

    [Fact]
    public async Task SendAsync_UntrustedCertificate_MarksTlsAndConnectSpansFailed()
    {
        await using var server = await InProcessSmtpServer.StartAsync(new() { Security = InProcessSecurity.Implicit, Certificate = TestCertificates.UntrustedSelfSigned });
        await using var capture = TelemetryCapture.WithoutRetries(TestTransports.Smtps(server.Port, string.Empty));

        var error = await Assert.ThrowsAsync<EmailSendException>(() => capture.Sender.SendAsync(TestMessages.Text()));

        Assert.Equal(EmailErrorKind.TlsFailed, error.Kind);
        Assert.Equal("tls_failed", capture.Span("mailsender.smtp.connect").GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, capture.Span("mailsender.smtp.tls").Status);
        Assert.Equal("tls_failed", Assert.Single(capture.Of("mailsender.messages.failed")).Tags["error.type"]);
    }

    [Fact]
    public async Task SendAsync_421AtGreetingThenSuccess_CountsOneRetryAndOneSentMessage()
    {
        await using var server = ScriptedSmtpServer.Start(new SmtpScript { GreetingOn = n => n == 1 ? "421 4.3.2 Service not available" : null });
        await using var capture = TelemetryCapture.WithRetries(TestTransports.Smtp(server.Port, "security=none"));

        var result = await capture.Sender.SendAsync(TestMessages.Text());

        Assert.Equal(2, result.Attempts);
        var retry = Assert.Single(capture.Of("mailsender.retries"));
        Assert.Equal("{retry}", retry.Unit);
        Assert.Equal("server_busy", retry.Tags["error.type"]);
        Assert.Equal(1, Assert.Single(capture.Of("mailsender.messages.sent")).Value);
        Assert.Empty(capture.Of("mailsender.messages.failed"));

        var send = capture.Span("mailsender.send");
        Assert.Equal(ActivityStatusCode.Ok, send.Status);
        Assert.Equal(2, send.GetTagItem("mailsender.attempts"));
        var retryEvent = Assert.Single(send.Events, e => e.Name == "mailsender.retry");
        Assert.Contains(retryEvent.Tags, t => t.Key == "error.type" && Equals(t.Value, "server_busy"));
        Assert.Contains(retryEvent.Tags, t => t.Key == "mailsender.retry.number" && Equals(t.Value, 1));
        var connects = capture.Spans.Where(s => s.OperationName == "mailsender.smtp.connect").ToArray();
        Assert.Equal(2, connects.Length);
        Assert.Equal(ActivityStatusCode.Error, connects[0].Status);
        Assert.All(connects, c => Assert.Equal(send.SpanId, c.ParentSpanId));
    }

    [Fact]
    public async Task SendAsync_FailoverPastAnUnreachableServer_LogsAndMarksTheFailover()
    {
        var closedPort = LoopbackPorts.Closed();
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var capture = TelemetryCapture.WithoutRetries(
            $"failover({TestTransports.Smtp(closedPort, "security=none")} {TestTransports.Smtp(server.Port, "security=none")})");

        await capture.Sender.SendAsync(TestMessages.Text());

        var failover = Assert.Single(capture.Logs.Events, e => e.Id == 140);
        Assert.Equal("FailingOver", failover.Name);
        Assert.Contains($":{closedPort}", failover.Message, StringComparison.Ordinal);
        Assert.Contains($":{server.Port}", failover.Message, StringComparison.Ordinal);
        var send = capture.Span("mailsender.send");
        Assert.Equal("failover", send.GetTagItem("mailsender.transport"));
        Assert.Equal(server.Port, send.GetTagItem("server.port"));
        var marked = Assert.Single(send.Events, e => e.Name == "mailsender.failover");
        Assert.Contains(marked.Tags, t => t.Key == "error.type" && Equals(t.Value, "connection_failed"));
        Assert.Equal("failover", Assert.Single(capture.Of("mailsender.messages.sent")).Tags["mailsender.transport"]);
    }

    [Fact]
    public async Task SendAsync_Pickup_RecordsTheFileSize()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mailsender-telemetry-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var capture = TelemetryCapture.WithoutRetries("pickup:" + folder);

            var result = await capture.Sender.SendAsync(TestMessages.Text());

            var size = Assert.Single(capture.Of("mailsender.message.size"));
            Assert.Equal(new FileInfo(result.FilePath!).Length, size.Value);
            Assert.Equal("pickup", size.Tags["mailsender.transport"]);
            Assert.Equal("pickup", Assert.Single(capture.Of("mailsender.messages.sent")).Tags["mailsender.transport"]);
            Assert.Equal(ActivityStatusCode.Ok, capture.Span("mailsender.send").Status);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task SendAsync_InvalidMessage_CountsAFailureWithInvalidMessage()
    {
        await using var capture = TelemetryCapture.WithoutRetries("pickup:" + Path.GetTempPath());
        var message = TestMessages.Text();
        message.From.Clear();

        await Assert.ThrowsAsync<EmailSendException>(() => capture.Sender.SendAsync(message));

        Assert.Equal("invalid_message", Assert.Single(capture.Of("mailsender.messages.failed")).Tags["error.type"]);
        Assert.Equal(ActivityStatusCode.Error, capture.Span("mailsender.send").Status);
    }

    [Fact]
    public async Task Shared_WithoutDependencyInjection_UsesTheProcessWideMailSenderMeter()
    {
        var shared = MailSenderTelemetry.Shared;
        var folder = Path.Combine(Path.GetTempPath(), "mailsender-shared-meter-" + Guid.NewGuid().ToString("N"));
        var sizes = new System.Collections.Concurrent.ConcurrentQueue<(long Size, string? Kind)>();
        using var listener = new MeterListener
        {
            // The process-wide meter: named MailSender and made by no IMeterFactory (those scope their meters).
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "MailSender" && instrument.Meter.Scope is null && instrument.Name == "mailsender.message.size")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "mailsender.transport")
                {
                    sizes.Enqueue((value, tag.Value as string));
                }
            }
        });
        listener.Start();
        try
        {
            // Built by hand, as without AddMailSender: no telemetry is passed anywhere.
            var transport = new PickupTransport(folder, writeEnvelope: true, TimeProvider.System);
            await using var sender = new DefaultEmailSender(transport, transport, ownsTransport: true, defaultFrom: null, TimeProvider.System, MailSenderTelemetry.Shared);

            var result = await sender.SendAsync(TestMessages.Text());

            var written = new FileInfo(result.FilePath!).Length;
            Assert.Contains((written, "pickup"), sizes);
            Assert.Equal("MailSender", shared.Instruments.Meter.Name);
            Assert.Equal("MailSender", MailSenderTelemetry.ActivitySource.Name);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Observe_TwoSendersToOneServer_OneMeasurementPerStateWithTheirSum()
    {
        // OpenTelemetry: one measurement per attribute set; two pools of one host:port used to report two of each.
        await using var server = await InProcessSmtpServer.StartAsync();
        var transport = TestTransports.Smtp(server.Port, "security=none");
        await using var capture = TelemetryCapture.Build(o =>
        {
            o.Transport = transport;
            o.Resilience.Enabled = false;
        }, builder => builder.Services.AddMailSender("second", o =>
        {
            o.Transport = transport;
            o.Resilience.Enabled = false;
        }));
        var second = capture.Provider.GetRequiredService<IEmailSenderFactory>().GetSender("second");

        await capture.Sender.SendAsync(TestMessages.Text());
        await second.SendAsync(TestMessages.Text());

        var connections = capture.Observe("mailsender.pool.connections");
        Assert.Equal(2, connections.Count);
        Assert.Equal(2, Assert.Single(connections, c => Equals(c.Tags["mailsender.connection.state"], "idle")).Value);
        Assert.Equal(0, Assert.Single(connections, c => Equals(c.Tags["mailsender.connection.state"], "used")).Value);
        Assert.All(connections, c => Assert.Equal(server.Port, c.Tags["server.port"]));
        Assert.Equal(0, Assert.Single(capture.Observe("mailsender.pool.pending_requests")).Value);
    }

    [Fact]
    public async Task SendAsync_DetectedPort_SpanAndPoolNameTheDetectedPort()
    {
        // Regression: with smtp://host (no port) the span and pool carried the unused default port, not the detected one.
        await using var server = await InProcessSmtpServer.StartAsync();
        await using var capture = TelemetryCapture.WithoutRetries($"smtp://127.0.0.1?{TestTransports.CaFile}&connectTimeout=5s&timeout=5s", o => o.Smtp.Detection.Ports = [server.Port]);

        var before = capture.Observe("mailsender.pool.connections");
        await capture.Sender.SendAsync(TestMessages.Text());

        Assert.All(before, c => Assert.False(c.Tags.ContainsKey("server.port"), "The port is not known before detection."));
        var send = capture.Span("mailsender.send");
        Assert.Equal("127.0.0.1", send.GetTagItem("server.address"));
        Assert.Equal(server.Port, send.GetTagItem("server.port"));
        var connections = capture.Observe("mailsender.pool.connections");
        Assert.NotEmpty(connections);
        Assert.All(connections, c => Assert.Equal(server.Port, c.Tags["server.port"]));
    }

    private static void AssertNoAddresses(IEnumerable<Activity> spans)
    {
        foreach (var span in spans)
        {
            foreach (var tag in span.TagObjects)
            {
                Assert.DoesNotContain(Recipient, Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(TestMessages.From, Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, StringComparison.OrdinalIgnoreCase);
            }
        }
    }
}
