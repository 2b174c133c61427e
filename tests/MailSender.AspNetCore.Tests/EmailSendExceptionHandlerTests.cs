using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MailSender.Testing;
using MailSender.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace MailSender.AspNetCore.Tests;

/// <summary>
/// The handler in a minimal API hosted in-process, as an application uses it: <c>AddMailSenderProblemDetails()</c> and
/// <c>app.UseExceptionHandler()</c>; <c>GET /throw</c> throws whatever the test gives it.
/// </summary>
public sealed class EmailSendExceptionHandlerTests : IAsyncLifetime
{
    private readonly List<WebApplication> _apps = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task InvalidMessage_Returns400ProblemJson()
    {
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.InvalidMessage, "'not an address' is not a valid address."));

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains("Retry-After"));
        using var body = await ProblemAsync(response);
        Assert.Equal(400, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("The e-mail is invalid.", body.RootElement.GetProperty("title").GetString());
        Assert.Equal("The e-mail is invalid: check its addresses, headers and attachments.", body.RootElement.GetProperty("detail").GetString());
        Assert.Equal("InvalidMessage", body.RootElement.GetProperty("kind").GetString());
        Assert.False(body.RootElement.GetProperty("isTransient").GetBoolean());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("traceId").GetString()));
        Assert.StartsWith("https://tools.ietf.org/html/rfc9110", body.RootElement.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmailErrorKind.ServerBusy, true, 503, "30")]
    [InlineData(EmailErrorKind.ConnectionFailed, true, 503, "30")]
    [InlineData(EmailErrorKind.ProtocolError, true, 503, "30")]
    [InlineData(EmailErrorKind.ConnectionFailed, false, 502, null)]   // e.g. the host name is not in DNS
    [InlineData(EmailErrorKind.AuthenticationFailed, false, 502, null)]
    [InlineData(EmailErrorKind.TlsFailed, false, 502, null)]
    [InlineData(EmailErrorKind.SenderRejected, false, 502, null)]
    [InlineData(EmailErrorKind.MessageRejected, false, 502, null)]
    [InlineData(EmailErrorKind.MessageTooLarge, false, 502, null)]
    [InlineData(EmailErrorKind.UnsupportedByServer, false, 502, null)]
    [InlineData(EmailErrorKind.Timeout, true, 504, "30")]
    [InlineData(EmailErrorKind.Vetoed, false, 422, null)]
    [InlineData(EmailErrorKind.StorageFailed, true, 503, "30")]     // a full disk
    public async Task Kind_ReturnsItsStatus_WithRetryAfterWhenTransient(EmailErrorKind kind, bool isTransient, int status, string? retryAfter)
    {
        var client = await StartAsync(() => new EmailSendException(kind, "failed") { IsTransient = isTransient });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(retryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? Assert.Single(values) : null);
        using var body = await ProblemAsync(response);
        Assert.Equal(status, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(kind.ToString(), body.RootElement.GetProperty("kind").GetString());
        Assert.Equal(retryAfter is not null, body.RootElement.GetProperty("isTransient").GetBoolean());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData(EmailErrorKind.Configuration, false)]
    [InlineData(EmailErrorKind.StorageFailed, false)]
    public async Task ApplicationFault_Returns500WithoutKindOrDetail(EmailErrorKind kind, bool isTransient)
    {
        var client = await StartAsync(() => new EmailSendException(kind, "Unknown scheme in smtps2://user:pa55word@mail.corp.internal") { IsTransient = isTransient });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = await ProblemAsync(response);
        Assert.False(body.RootElement.TryGetProperty("kind", out _));
        Assert.False(body.RootElement.TryGetProperty("detail", out _));
        Assert.False(body.RootElement.TryGetProperty("isTransient", out _));
        Assert.True(body.RootElement.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task TransientFlagOnA5xxReply_Returns502_TheOnePredicateDecides()
    {
        // EmailResiliencePredicates.IsTransient never trusts the flag over a 5xx reply: neither does the answer.
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.MessageRejected, "554 no") { IsTransient = true, StatusCode = 554 });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task DeliveryUncertain_Returns502_SaysItMayHaveBeenAccepted_AndInvitesNoRetry()
    {
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.DeliveryUncertain, "lost after the dot") { IsTransient = true, MayHaveBeenAccepted = true });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.False(response.Headers.Contains("Retry-After"));
        using var body = await ProblemAsync(response);
        Assert.True(body.RootElement.GetProperty("mayHaveBeenAccepted").GetBoolean());
        Assert.False(body.RootElement.GetProperty("isTransient").GetBoolean());
    }

    [Fact]
    public async Task TimeoutThatMayHaveBeenAccepted_Returns504WithoutRetryAfter()
    {
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.Timeout, "slow") { IsTransient = true, MayHaveBeenAccepted = true });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    [Theory]
    [InlineData("5.1.1", "5.1.1", 422)]     // no such mailbox: the client's addresses are at fault
    [InlineData("5.1.2", "5.1.10", 422)]    // no such domain, null MX
    [InlineData("5.1.1", "5.7.1", 502)]     // one relay denial: the server's or configuration's business
    [InlineData("5.2.2", "5.2.2", 502)]     // mailbox full: nothing the client could have done
    [InlineData(null, null, 502)]           // a bare 550 says too little to blame the client
    public async Task RecipientsRejectedPermanently_Returns422OnlyWhenEveryAddressIsAtFault(string? first, string? second, int status)
    {
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.RecipientsRejected, "all refused")
        {
            StatusCode = 550,
            Recipients = [new RejectedRecipient("ann@example.com", 550, first, "no"), new RejectedRecipient("bob@example.com", 550, second, "no")],
        });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(status, (int)response.StatusCode);
        using var body = await ProblemAsync(response);
        Assert.Equal("RecipientsRejected", body.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task RecipientsDeferred_Returns503WithRetryAfter()
    {
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.RecipientsRejected, "greylisted")
        {
            IsTransient = true,
            StatusCode = 451,
            Recipients = [new RejectedRecipient("ann@example.com", 451, "4.7.1", "greylisted")],
        });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("30", Assert.Single(response.Headers.GetValues("Retry-After")));
    }

    [Fact]
    public async Task CircuitOpen_RetryAfterIsTheBreaksRemainingTime_RoundedUp()
    {
        // As ResilientTransport throws it, wrapped once more as a retried failure is.
        var client = await StartAsync(() => new EmailSendException(
            EmailErrorKind.ServerBusy,
            "gave up",
            new EmailSendException(EmailErrorKind.ServerBusy, "circuit open", new BrokenCircuitException(TimeSpan.FromSeconds(12.2))) { IsTransient = true })
        {
            IsTransient = true,
        });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("13", Assert.Single(response.Headers.GetValues("Retry-After")));
    }

    [Fact]
    public async Task RateLimited_RetryAfterFromTheLimiter()
    {
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.ServerBusy, "limited", new RateLimiterRejectedException(TimeSpan.FromSeconds(2))) { IsTransient = true });

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("2", Assert.Single(response.Headers.GetValues("Retry-After")));
    }

    [Fact]
    public async Task DefaultRetryAfter_IsConfigurable()
    {
        var client = await StartAsync(
            () => new EmailSendException(EmailErrorKind.ServerBusy, "busy") { IsTransient = true },
            configure: o => o.DefaultRetryAfter = TimeSpan.FromMinutes(2));

        using var response = await client.GetAsync("/throw");

        Assert.Equal("120", Assert.Single(response.Headers.GetValues("Retry-After")));
    }

    [Fact]
    public async Task DefaultRetryAfterUnderOneSecond_FailsAtStartUp()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(() => new InvalidOperationException(), configure: o => o.DefaultRetryAfter = TimeSpan.Zero));

        Assert.Contains("DefaultRetryAfter must be at least 1 second", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EmailErrorKind.InvalidMessage, false)]
    [InlineData(EmailErrorKind.RecipientsRejected, false)]
    [InlineData(EmailErrorKind.AuthenticationFailed, false)]
    [InlineData(EmailErrorKind.ServerBusy, true)]
    [InlineData(EmailErrorKind.Timeout, true)]
    [InlineData(EmailErrorKind.Configuration, false)]
    public async Task SecretsInTheException_NeverReachTheResponse(EmailErrorKind kind, bool isTransient)
    {
        // Everything an exception may carry from a real failure: a password (which MailSender never puts there, but an
        // application's own transport might), the SMTP user name, internal host names and ports, and recipients.
        const string Secrets = "user smtp-secret-user password Pa55w0rd! at mx1.corp.internal:587 for ann@example.com, bob@example.org";
        var client = await StartAsync(() => new EmailSendException(kind, "Sending failed: " + Secrets, new IOException("inner: " + Secrets))
        {
            IsTransient = isTransient,
            StatusCode = isTransient ? 451 : 550,
            EnhancedStatusCode = isTransient ? "4.3.0" : "5.1.1",
            ServerText = Secrets,
            Hint = "Check " + Secrets,
            Transport = "smtp://smtp-secret-user:Pa55w0rd!@mx1.corp.internal:587",
            Recipients = [new RejectedRecipient("ann@example.com", 550, "5.7.1", Secrets)],
        });

        using var response = await client.GetAsync("/throw");

        var text = await response.Content.ReadAsStringAsync();
        foreach (var secret in new[] { "smtp-secret-user", "Pa55w0rd", "corp.internal", ":587", "ann@example.com", "bob@example.org", "@", "Sending failed", "inner" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(response.Headers, h => h.Value.Any(v => v.Contains(secret, StringComparison.OrdinalIgnoreCase)));
        }

        using var body = JsonDocument.Parse(text);
        if (body.RootElement.TryGetProperty("detail", out var detail))
        {
            Assert.Equal(FixedDetail(kind), detail.GetString());
        }
    }

    [Fact]
    public async Task OtherException_IsLeftToTheNextHandler()
    {
        var next = new RecordingHandler();
        var client = await StartAsync(() => new InvalidOperationException("not mail"), services => services.AddSingleton<IExceptionHandler>(next));

        using var response = await client.GetAsync("/throw");

        Assert.Equal((HttpStatusCode)StatusCodes.Status418ImATeapot, response.StatusCode);
        Assert.IsType<InvalidOperationException>(Assert.Single(next.Seen));
    }

    [Fact]
    public async Task OtherException_WithNoOtherHandler_GetsTheMiddlewaresDefault500()
    {
        var client = await StartAsync(() => new InvalidOperationException("not mail at smtp.example.com"));

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("kind", text, StringComparison.Ordinal);
        Assert.DoesNotContain("smtp.example.com", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmailSendException_ReachesTheNextHandlerNever()
    {
        var next = new RecordingHandler();
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.ServerBusy, "busy") { IsTransient = true }, services => services.AddSingleton<IExceptionHandler>(next));

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(next.Seen);
    }

    [Fact]
    public async Task ApplicationsCustomizeProblemDetails_Applies_AndSeesTheException()
    {
        Exception? seen = null;
        var client = await StartAsync(
            () => new EmailSendException(EmailErrorKind.ServerBusy, "busy") { IsTransient = true },
            services => services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
            {
                seen = c.Exception;
                c.ProblemDetails.Extensions["app"] = "mine";
            }));

        using var response = await client.GetAsync("/throw");

        using var body = await ProblemAsync(response);
        Assert.Equal("mine", body.RootElement.GetProperty("app").GetString());
        Assert.Equal("ServerBusy", body.RootElement.GetProperty("kind").GetString());
        Assert.IsType<EmailSendException>(seen);
    }

    [Fact]
    public async Task ClientAcceptsNoJson_StatusAndRetryAfterStillAnswer()
    {
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.ServerBusy, "busy at mx1.corp.internal") { IsTransient = true });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/throw");
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("30", Assert.Single(response.Headers.GetValues("Retry-After")));
        Assert.DoesNotContain("corp.internal", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerFailure_IsLoggedOnceAtErrorWithTheException()
    {
        // ASP.NET Core 8 logs it itself before asking the handlers; from 10 on it does not when a handler answers, so the handler does.
        var logs = new CapturingLoggerProvider();
        var client = await StartAsync(() => new EmailSendException(EmailErrorKind.AuthenticationFailed, "535 at mx1.corp.internal"), services => services.AddLogging(l => l.AddProvider(logs)));

        using var response = await client.GetAsync("/throw");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var logged = Assert.Single(logs.Events, e => e.Level == LogLevel.Error);
        Assert.IsType<EmailSendException>(logged.Thrown);
    }

    [Fact]
    public void AddMailSenderProblemDetails_Twice_RegistersOneHandler()
    {
        var services = new ServiceCollection();

        services.AddMailSenderProblemDetails().AddMailSenderProblemDetails(o => o.DefaultRetryAfter = TimeSpan.FromSeconds(5));

        Assert.Single(services, d => d.ServiceType == typeof(IExceptionHandler));
        using var provider = services.AddLogging().BuildServiceProvider();
        Assert.Single(provider.GetServices<IExceptionHandler>());
        Assert.Equal(TimeSpan.FromSeconds(5), provider.GetRequiredService<IOptions<MailSenderProblemDetailsOptions>>().Value.DefaultRetryAfter);
    }

    [Fact]
    public async Task ThroughARealSender_BadAddress_Returns400AndSendsNothing()
    {
        // The issue's report: an invalid address posted to a minimal API gave a 500 with a stack trace.
        var (client, mail) = await StartWithSenderAsync();

        using var response = await client.PostAsJsonAsync("/send", new { to = "not an address" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("not an address", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);   // no stack trace
        mail.ShouldHaveSentNothing();
    }

    [Fact]
    public async Task ThroughARealSender_CircuitOpen_Returns503WithTheBreaksRemainingTime()
    {
        var (client, mail) = await StartWithSenderAsync(new()
        {
            ["MailSender:Resilience:Retry:Enabled"] = "false",
            ["MailSender:Resilience:CircuitBreaker:MinimumThroughput"] = "2",
            ["MailSender:Resilience:CircuitBreaker:FailureRatio"] = "0.5",
            ["MailSender:Resilience:CircuitBreaker:BreakDuration"] = "00:00:45",
        });
        mail.FailNext(2, EmailErrorKind.ConnectionFailed, isTransient: true);

        for (var i = 0; i < 2; i++)
        {
            using var failed = await client.PostAsJsonAsync("/send", new { to = "ann@example.com" });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Equal("30", Assert.Single(failed.Headers.GetValues("Retry-After")));
        }

        using var response = await client.PostAsJsonAsync("/send", new { to = "ann@example.com" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var wait = int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(wait, 40, 45);
        using var body = await ProblemAsync(response);
        Assert.Equal("ConnectionFailed", body.RootElement.GetProperty("kind").GetString());
        mail.ShouldHaveSentNothing();
    }

    private static string FixedDetail(EmailErrorKind kind) => kind switch
    {
        EmailErrorKind.InvalidMessage => "The e-mail is invalid: check its addresses, headers and attachments.",
        EmailErrorKind.RecipientsRejected => "The mail server refused the recipients.",
        EmailErrorKind.AuthenticationFailed => "The mail server refused the application's credentials.",
        EmailErrorKind.ServerBusy => "The mail server is busy or limiting how fast it accepts mail.",
        EmailErrorKind.Timeout => "The mail server did not answer in time.",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static async Task<JsonDocument> ProblemAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync());

    private async Task<HttpClient> StartAsync(Func<Exception> toThrow, Action<IServiceCollection>? services = null, Action<MailSenderProblemDetailsOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Services.AddMailSenderProblemDetails(configure);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        _apps.Add(app);
        app.UseExceptionHandler();
        app.MapGet("/throw", IResult () => throw toThrow());
        await app.StartAsync();
        return app.GetTestClient();
    }

    private async Task<(HttpClient Client, InMemoryEmailTransport Mail)> StartWithSenderAsync(Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["MailSender:DefaultFrom"] = "app@example.com" });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.Services.AddMailSender(builder.Configuration.GetSection("MailSender"));
        builder.Services.AddInMemoryEmailTransport();
        builder.Services.AddMailSenderProblemDetails();
        var app = builder.Build();
        _apps.Add(app);
        app.UseExceptionHandler();
        app.MapPost("/send", async (Recipient request, IEmailSender email, CancellationToken cancellationToken) =>
            Results.Ok((await email.SendAsync(request.To, "Hello", "Hi", null, cancellationToken)).MessageId));
        await app.StartAsync();
        return (app.GetTestClient(), app.Services.GetRequiredService<InMemoryEmailTransport>());
    }

    public sealed record Recipient(string To);

    private sealed class RecordingHandler : IExceptionHandler
    {
        public List<Exception> Seen { get; } = [];

        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            Seen.Add(exception);
            httpContext.Response.StatusCode = StatusCodes.Status418ImATeapot;
            await httpContext.Response.WriteAsync("next", cancellationToken);
            return true;
        }
    }
}
