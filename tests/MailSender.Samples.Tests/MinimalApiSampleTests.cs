using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text.Json;
using MailSender.Testing;
using MailSender.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailSender.Samples.Tests;

/// <summary>Runs samples/MailSender.Samples.MinimalApi in-process, as configured by its appsettings.json.</summary>
public sealed class MinimalApiSampleTests : IDisposable
{
    private readonly WebApplicationFactory<Program> _factory = new();
    private readonly List<WebApplicationFactory<Program>> _derived = [];

    [Fact]
    public async Task PostSend_SendsThroughTheDefaultSender()
    {
        var (client, mail) = StartWithMemoryTransport();

        using var response = await client.PostAsJsonAsync("/send", new { to = "ann@example.com", subject = "Hello", text = "It works", html = "<p>It works</p>" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = mail.ShouldHaveSent();
        Assert.Equal("app@example.com", sent.Sender);                 // DefaultFrom from appsettings.json
        Assert.Equal(["ann@example.com"], sent.Recipients);
        Assert.Equal("Hello", sent.Subject);
        Assert.Equal("It works", sent.TextBody);
        Assert.Equal("<p>It works</p>", sent.HtmlBody);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(sent.Message.MessageId, body.RootElement.GetProperty("messageId").GetString());
        Assert.Equal("memory:", body.RootElement.GetProperty("transport").GetString());
    }

    [Fact]
    public async Task PostNewsletter_SendsThroughTheNamedSender()
    {
        var (client, mail) = StartWithMemoryTransport();

        using var response = await client.PostAsJsonAsync("/newsletter", new { to = "bob@example.com, carol@example.com", subject = "News", text = "This month" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = mail.ShouldHaveSent();
        Assert.Equal("news@example.com", sent.Sender);                // the "marketing" sender's DefaultFrom
        Assert.Equal(["bob@example.com", "carol@example.com"], sent.Recipients);
    }

    [Fact]
    public async Task PostSend_BadAddress_Returns400AndSendsNothing()
    {
        // Issue 14: an invalid address gave a 500 with a stack trace; MailSender.AspNetCore answers it with a 400.
        var (client, mail) = StartWithMemoryTransport();

        using var response = await client.PostAsJsonAsync("/send", new { to = "not an address", subject = "Hello", text = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        using var body = JsonDocument.Parse(text);
        Assert.Equal("InvalidMessage", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("The e-mail is invalid.", body.RootElement.GetProperty("title").GetString());
        Assert.DoesNotContain("not an address", text, StringComparison.Ordinal);   // a fixed sentence, not the exception's message
        Assert.DoesNotContain(" at MailSender", text, StringComparison.Ordinal);    // no stack trace
        mail.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task PostWelcome_SendsTheRenderedTemplateWithAnHtmlAndATextPart()
    {
        var (client, mail) = StartWithMemoryTransport();

        using var response = await client.PostAsJsonAsync("/welcome", new { name = "Ann", email = "ann@example.com" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = mail.ShouldHaveSent();
        Assert.Equal("app@example.com", sent.Sender);
        Assert.Equal(["ann@example.com"], sent.Recipients);
        Assert.Equal("Welcome to Sample App, Ann!", sent.Subject);   // the {% subject %} of Templates/welcome.liquid
        Assert.Equal(["text/plain", "text/html"], BodyTypes(sent.Message));
        var html = sent.HtmlBody!;
        Assert.Contains("<td class=\"header\">Sample App</td>", html, StringComparison.Ordinal);   // the layout _layouts/main.liquid
        Assert.Contains("<h1>Hello Ann,</h1>", html, StringComparison.Ordinal);
        Assert.Contains("signed up for Sample App.", html, StringComparison.Ordinal);
        // Templates/welcome.text.liquid, not text made from the HTML.
        Assert.StartsWith("Hello Ann,\n\nThank you for signing up for Sample App.", sent.TextBody!.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("Get started: https://app.example.com/start", sent.TextBody, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(sent.Message.MessageId, body.RootElement.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task PostWelcome_CultureFr_SendsTheFrenchVariant()
    {
        var (client, mail) = StartWithMemoryTransport();

        using var response = await client.PostAsJsonAsync("/welcome", new { name = "Ann", email = "ann@example.com", culture = "fr" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = mail.ShouldHaveSent();
        Assert.Equal("Bienvenue sur Sample App, Ann !", sent.Subject);
        Assert.Equal(["text/plain", "text/html"], BodyTypes(sent.Message));
        Assert.Contains("<td class=\"header\">Sample App</td>", sent.HtmlBody!, StringComparison.Ordinal);
        Assert.Contains("<h1>Bonjour Ann,</h1>", sent.HtmlBody!, StringComparison.Ordinal);
        // No French text template: the text part is made from the French HTML, never the English text template.
        Assert.Contains("Bonjour Ann", sent.TextBody!, StringComparison.Ordinal);
        Assert.DoesNotContain("Get started", sent.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostWelcome_BadAddress_ReturnsTheSameProblemAsPostSendAndSendsNothing()
    {
        var (client, mail) = StartWithMemoryTransport();

        using var welcome = await client.PostAsJsonAsync("/welcome", new { name = "Ann", email = "not an address" });
        using var send = await client.PostAsJsonAsync("/send", new { to = "not an address", subject = "Hello", text = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, welcome.StatusCode);
        Assert.Equal(send.StatusCode, welcome.StatusCode);
        Assert.Equal("application/problem+json", welcome.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ProblemFields(await send.Content.ReadAsStringAsync()), ProblemFields(await welcome.Content.ReadAsStringAsync()));
        mail.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task PostWelcome_UnknownCulture_Returns400NamingTheField()
    {
        var (client, mail) = StartWithMemoryTransport();

        using var response = await client.PostAsJsonAsync("/welcome", new { name = "Ann", email = "ann@example.com", culture = "xx-not-a-culture" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("errors").TryGetProperty("culture", out _));
        mail.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task PostSend_TransportFails_Returns502WithTheErrorKind()
    {
        var (client, mail) = StartWithMemoryTransport();
        mail.FailNext(1, EmailErrorKind.AuthenticationFailed);

        using var response = await client.PostAsJsonAsync("/send", new { to = "ann@example.com", subject = "Hello", text = "x" });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("AuthenticationFailed", body.RootElement.GetProperty("kind").GetString());
        Assert.False(body.RootElement.GetProperty("isTransient").GetBoolean());
        Assert.Equal("The e-mail could not be sent.", body.RootElement.GetProperty("title").GetString());
        mail.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task PostSend_ServerBusy_Returns503WithRetryAfter_BodyHoldsNoUserHostOrRecipients_AndTheLogHoldsTheException()
    {
        // What a real SMTP failure can carry: the user name, an internal host and recipients quoted by the server.
        var logs = new CapturingLoggerProvider();
        using var factory = _factory.WithWebHostBuilder(b => b
            .UseSetting("MailSender:Resilience:Enabled", "false")   // a transient failure would otherwise be retried and succeed
            .ConfigureLogging(l => l.AddProvider(logs))
            .ConfigureTestServices(services => services.AddInMemoryEmailTransport()));
        using var client = factory.CreateClient();
        var mail = factory.Services.GetRequiredService<InMemoryEmailTransport>();
        mail.FailNext(1, () => new EmailSendException(
            EmailErrorKind.ServerBusy,
            "smtp-secret-user@mx1.corp.internal was told: 451 4.3.0 try again later for ann@example.com")
        {
            IsTransient = true,
            StatusCode = 451,
            ServerText = "4.3.0 mx1.corp.internal busy, ann@example.com deferred",
            Hint = "Nothing is listening on port 25 at mx1.corp.internal.",
            Transport = "smtp://smtp-secret-user@mx1.corp.internal:25",
        });

        using var response = await client.PostAsJsonAsync("/send", new { to = "ann@example.com", subject = "Hello", text = "x" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("30", Assert.Single(response.Headers.GetValues("Retry-After")));
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("smtp-secret-user", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("corp.internal", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ann@example.com", text, StringComparison.OrdinalIgnoreCase);
        using var body = JsonDocument.Parse(text);
        Assert.Equal("The e-mail could not be sent.", body.RootElement.GetProperty("title").GetString());
        Assert.Equal("The mail server is busy or limiting how fast it accepts mail.", body.RootElement.GetProperty("detail").GetString());
        Assert.Equal("ServerBusy", body.RootElement.GetProperty("kind").GetString());
        Assert.True(body.RootElement.GetProperty("isTransient").GetBoolean());
        var logged = Assert.Single(logs.Events, e => e.Thrown is EmailSendException);
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Contains("corp.internal", logged.Thrown!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Appsettings_BoundsHowLongASendHoldsARequest()
    {
        // Issue 14: with the defaults (5 minutes) a silent server held a web request for minutes.
        var options = _factory.Services.GetRequiredService<IOptionsMonitor<MailSenderOptions>>();

        foreach (var name in new[] { Options.DefaultName, "marketing" })
        {
            var resilience = options.Get(name).Resilience;
            Assert.Equal(TimeSpan.FromSeconds(15), resilience.TotalTimeout.Timeout);
            Assert.Equal(TimeSpan.FromSeconds(10), resilience.AttemptTimeout.Timeout);
        }
    }

    [Fact]
    public async Task PostSend_ServerNeverGreets_Returns504WithinTheTotalTimeout()
    {
        // A server that accepts the connection and says nothing: the total timeout (shortened here from the sample's 15 s)
        // ends the wait, retries included, and the client gets a 504 instead of a request that hangs for minutes.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();   // never accepts: the kernel completes the handshake, nobody greets
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var client = _factory.WithWebHostBuilder(b => b
            .UseSetting("MailSender:Transport", $"smtp://127.0.0.1:{port}?security=none")
            .UseSetting("MailSender:Resilience:AttemptTimeout:Timeout", "00:00:01")
            .UseSetting("MailSender:Resilience:TotalTimeout:Timeout", "00:00:02")).CreateClient();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        using var response = await client.PostAsJsonAsync("/send", new { to = "ann@example.com", subject = "Hello", text = "x" });

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
        Assert.True(response.Headers.Contains("Retry-After"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Timeout", body.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task GetHealth_ReturnsHealthy()
    {
        var (client, _) = StartWithMemoryTransport();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetHealth_SmtpServerUnreachable_ReturnsUnhealthy()
    {
        // MailSender's health check verifies the default sender's transport: nothing listens on this port.
        var port = LoopbackPorts.Closed();
        using var client = _factory.WithWebHostBuilder(b => b
            .UseSetting("MailSender:Transport", $"smtp://127.0.0.1:{port}?security=none&connectTimeout=5s")
            .UseSetting("MailSender:Resilience:Enabled", "false")).CreateClient();

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostSend_WithTheConfiguredPickupTransport_WritesAnEmlFile()
    {
        // The sample's own transport (pickup:), pointed at a temporary folder instead of ./outbox.
        var folder = Directory.CreateTempSubdirectory("mailsender-sample-");
        try
        {
            using var client = _factory.WithWebHostBuilder(b => b.UseSetting("MailSender:Transport", $"pickup:{folder.FullName}")).CreateClient();

            using var response = await client.PostAsJsonAsync("/send", new { to = "ann@example.com", subject = "Picked up", text = "x" });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var file = Assert.Single(folder.GetFiles("*.eml"));
            Assert.Contains("Subject: Picked up", await File.ReadAllTextAsync(file.FullName), StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PostSend_WithQueueSendsOn_IsQueued_ThenTheWorkerDeliversIt()
    {
        // One line of configuration points the existing /send (an IEmailSender caller) at the outbox.
        var folder = Directory.CreateTempSubdirectory("mailsender-sample-");
        try
        {
            var factory = _factory.WithWebHostBuilder(b => b
                .UseSetting("MailSender:Outbox:Store", "sqlite:" + Path.Combine(folder.FullName, "outbox.db"))
                .UseSetting("MailSender:Outbox:QueueSends", "true")
                .UseSetting("MailSender:Outbox:PollInterval", "00:00:00.100")
                .ConfigureTestServices(services => services.AddInMemoryEmailTransport()));
            _derived.Add(factory);
            using var client = factory.CreateClient();
            var mail = factory.Services.GetRequiredService<InMemoryEmailTransport>();

            using var response = await client.PostAsJsonAsync("/send", new { to = "ann@example.com", subject = "Queued", text = "x" });

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("outbox:sqlite", body.RootElement.GetProperty("transport").GetString());
            Assert.Equal(0, body.RootElement.GetProperty("acceptedRecipients").GetArrayLength());
            await Eventually.TrueAsync(() => mail.SentMessages.Count == 1, "the worker delivered the queued message");
            Assert.Equal("Queued", mail.ShouldHaveSent().Subject);
        }
        finally
        {
            SqliteClearPools();
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task PostEnqueue_Returns202WithTheId_AndGetOutboxSaysWhereItStands()
    {
        var folder = Directory.CreateTempSubdirectory("mailsender-sample-");
        try
        {
            var factory = _factory.WithWebHostBuilder(b => b
                .UseSetting("MailSender:Outbox:Store", "sqlite:" + Path.Combine(folder.FullName, "outbox.db"))
                .UseSetting("MailSender:Outbox:PollInterval", "00:00:00.100")
                .ConfigureTestServices(services => services.AddInMemoryEmailTransport()));
            _derived.Add(factory);
            using var client = factory.CreateClient();
            var mail = factory.Services.GetRequiredService<InMemoryEmailTransport>();

            using var response = await client.PostAsJsonAsync("/enqueue", new { to = "ann@example.com", subject = "Later", text = "x" });
            using var bad = await client.PostAsJsonAsync("/enqueue", new { to = "not an address", subject = "Later", text = "x" });

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var id = body.RootElement.GetProperty("id").GetGuid();
            Assert.Equal($"/outbox/{id}", response.Headers.Location?.ToString());
            await Eventually.TrueAsync(() => mail.SentMessages.Count == 1, "the worker delivered the enqueued message");

            // The worker records the result just after the transport returns: the state says Sending until then.
            await Eventually.TrueAsync(() => StateOf(client, id) == "Sent", "GET /outbox/{id} says Sent");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            SqliteClearPools();
            folder.Delete(recursive: true);
        }
    }

    public void Dispose()
    {
        foreach (var factory in _derived)
        {
            factory.Dispose();
        }

        _factory.Dispose();
    }

    private (HttpClient Client, InMemoryEmailTransport Mail) StartWithMemoryTransport()
    {
        var factory = _factory.WithWebHostBuilder(b => b.ConfigureTestServices(services => services.AddInMemoryEmailTransport()));
        _derived.Add(factory);
        return (factory.CreateClient(), factory.Services.GetRequiredService<InMemoryEmailTransport>());
    }

    private static string[] BodyTypes(MimeKit.MimeMessage message) =>
        message.BodyParts.OfType<MimeKit.TextPart>().Where(p => !p.IsAttachment).Select(p => p.ContentType.MimeType).ToArray();

    // The problem's fields but those that differ per request (traceId and the like).
    private static string ProblemFields(string json)
    {
        using var problem = JsonDocument.Parse(json);
        return string.Join("\n", problem.RootElement.EnumerateObject()
            .Where(p => p.Name is not ("traceId" or "requestId" or "instance"))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value.GetRawText()));
    }

    private static string? StateOf(HttpClient client, Guid id)
    {
        using var state = JsonDocument.Parse(client.GetStringAsync($"/outbox/{id}").GetAwaiter().GetResult());
        return state.RootElement.GetProperty("state").GetString();
    }

    // Pooled SQLite connections keep the file open; the folder is deleted afterwards.
    private static void SqliteClearPools() => Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
}
