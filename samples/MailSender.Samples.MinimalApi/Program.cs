// A minimal API that sends e-mail with MailSender: configuration from appsettings.json, a default and a named
// sender, a send endpoint, a templated welcome mail (MailSender.Templates: Liquid files in Templates/), the outbox and a
// health endpoint. Run it with `dotnet run --project samples/MailSender.Samples.MinimalApi` and POST to /send, or
// POST {"name": "Ann", "email": "ann@example.com", "culture": "fr"} to /welcome; messages land in ./outbox as .eml
// files until "MailSender:Transport" points at an SMTP server.
using MailSender;
using MailSender.AspNetCore;
using MailSender.Outbox;
using MailSender.Samples.MinimalApi;
using MailSender.Templates;

var builder = WebApplication.CreateBuilder(args);

// A send holds its request for at most MailSender:Resilience:TotalTimeout:Timeout (15 s in appsettings.json, retries
// included), then fails with a 504; a client that hangs up cancels it sooner (the request's CancellationToken).
// The outbox (MailSender.Outbox): mail kept in SQLite until a background worker has delivered it; /enqueue returns at
// once. With "MailSender:Outbox:QueueSends": true, the IEmailSender that /send uses enqueues instead of sending, unchanged.
builder.Services.AddMailSender(builder.Configuration.GetSection("MailSender"))
    .AddOutbox(builder.Configuration.GetSection("MailSender:Outbox"));
builder.Services.AddMailSender("marketing", builder.Configuration.GetSection("MarketingMail"));

// Templated mail (MailSender.Templates): the Liquid templates of the folder MailSender:Templates:Directory (Templates/,
// copied to the output folder) are parsed once at start-up; welcome.liquid holds the subject and the HTML in the layout
// _layouts/main.liquid, welcome.text.liquid the text part, welcome.fr.liquid the French variant (its text part is made
// from its HTML). Set MailSender:Templates:WatchForChanges to true to pick up edits while the application runs, and
// InlineCss to true to copy the layout's <style> rules into style attributes for mail clients that ignore <style>.
builder.Services.AddMailSenderTemplates(builder.Configuration.GetSection("MailSender:Templates"));

// A failed send becomes a problem response (MailSender.AspNetCore): 400 for a bad address, 502/503/504 when the mail
// server fails, never its host, user name or the recipients. The endpoints need no try/catch.
builder.Services.AddMailSenderProblemDetails();

// /health verifies the default sender's transport (SMTP: connect, authenticate, QUIT; pickup: the folder is writable).
builder.Services.AddHealthChecks().AddMailSender();

var app = builder.Build();

app.UseExceptionHandler();

app.MapPost("/send", (SendRequest request, IEmailSender email, CancellationToken cancellationToken) =>
    MailEndpoints.SendAsync(email, request, cancellationToken));

// Renders Templates/welcome.liquid (or its French variant for "culture": "fr") and sends it; a bad address is a 400 as
// for /send.
app.MapPost("/welcome", (WelcomeRequest request, IEmailSender email, IEmailTemplates templates, CancellationToken cancellationToken) =>
    MailEndpoints.WelcomeAsync(email, templates, request, cancellationToken));

// The named sender, injected by its key; IEmailSenderFactory.GetSender("marketing") returns the same instance.
app.MapPost("/newsletter", ([FromKeyedServices("marketing")] IEmailSender marketing, SendRequest request, CancellationToken cancellationToken) =>
    MailEndpoints.SendAsync(marketing, request, cancellationToken));

// Hands the message to the outbox and returns at once with its id (202); GET /outbox/{id} says where it stands.
app.MapPost("/enqueue", (SendRequest request, IEmailOutbox outbox, CancellationToken cancellationToken) =>
    MailEndpoints.EnqueueAsync(outbox, request, cancellationToken));
app.MapGet("/outbox/{id:guid}", async (Guid id, IEmailOutbox outbox, CancellationToken cancellationToken) =>
    await outbox.GetAsync(id, cancellationToken) is { } message ? Results.Ok(new { message.Id, State = message.State.ToString(), message.Attempts, message.NextAttemptAt, message.LastError }) : Results.NotFound());

app.MapHealthChecks("/health");

app.Run();
