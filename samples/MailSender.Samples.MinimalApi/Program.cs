// A minimal API that sends e-mail with MailSender: configuration from appsettings.json, a default and a named
// sender, a send endpoint and a health endpoint. Run it with `dotnet run --project samples/MailSender.Samples.MinimalApi`
// and POST to /send; messages land in ./outbox as .eml files until "MailSender:Transport" points at an SMTP server.
using MailSender;
using MailSender.Outbox;
using MailSender.Samples.MinimalApi;

var builder = WebApplication.CreateBuilder(args);

// The outbox (MailSender.Outbox): mail kept in SQLite until a background worker has delivered it. With
// "MailSender:Outbox:QueueSends": true, the IEmailSender that /send uses enqueues instead of sending, unchanged.
builder.Services.AddMailSender(builder.Configuration.GetSection("MailSender"))
    .AddOutbox(builder.Configuration.GetSection("MailSender:Outbox"));
builder.Services.AddMailSender("marketing", builder.Configuration.GetSection("MarketingMail"));

// /health verifies the default sender's transport (SMTP: connect, authenticate, QUIT; pickup: the folder is writable).
builder.Services.AddHealthChecks().AddMailSender();
builder.Services.AddProblemDetails();

var app = builder.Build();

app.MapPost("/send", (SendRequest request, IEmailSender email, ILogger<Program> logger, CancellationToken cancellationToken) =>
    MailEndpoints.SendAsync(email, request, logger, cancellationToken));

// The named sender, injected by its key; IEmailSenderFactory.GetSender("marketing") returns the same instance.
app.MapPost("/newsletter", ([FromKeyedServices("marketing")] IEmailSender marketing, SendRequest request, ILogger<Program> logger, CancellationToken cancellationToken) =>
    MailEndpoints.SendAsync(marketing, request, logger, cancellationToken));

// Hands the message to the outbox and returns at once with its id (202); GET /outbox/{id} says where it stands.
app.MapPost("/enqueue", (SendRequest request, IEmailOutbox outbox, CancellationToken cancellationToken) =>
    MailEndpoints.EnqueueAsync(outbox, request, cancellationToken));
app.MapGet("/outbox/{id:guid}", async (Guid id, IEmailOutbox outbox, CancellationToken cancellationToken) =>
    await outbox.GetAsync(id, cancellationToken) is { } message ? Results.Ok(new { message.Id, State = message.State.ToString(), message.Attempts, message.NextAttemptAt, message.LastError }) : Results.NotFound());

app.MapHealthChecks("/health");

app.Run();
