using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MailSender.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace MailSender.Samples.Tests;

/// <summary>Runs samples/MailSender.Samples.MinimalApi in-process, as configured by its appsettings.json.</summary>
public sealed class MinimalApiSampleTests : IDisposable
{
    private readonly WebApplicationFactory<Program> _factory = new();

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
        var (client, mail) = StartWithMemoryTransport();

        using var response = await client.PostAsJsonAsync("/send", new { to = "not an address", subject = "Hello", text = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("InvalidMessage", body.RootElement.GetProperty("kind").GetString());
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
        mail.ShouldHaveSentNothing();
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
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
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

    public void Dispose() => _factory.Dispose();

    private (HttpClient Client, InMemoryEmailTransport Mail) StartWithMemoryTransport()
    {
        InMemoryEmailTransport? mail = null;
        var client = _factory.WithWebHostBuilder(b => b.ConfigureTestServices(services => mail = services.AddInMemoryEmailTransport())).CreateClient();
        return (client, mail ?? throw new InvalidOperationException("ConfigureTestServices did not run."));
    }
}
