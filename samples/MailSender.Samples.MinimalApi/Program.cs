// A minimal API that sends e-mail with MailSender: configuration from appsettings.json, a default and a named
// sender, a send endpoint and a health endpoint. Run it with `dotnet run --project samples/MailSender.Samples.MinimalApi`
// and POST to /send; messages land in ./outbox as .eml files until "MailSender:Transport" points at an SMTP server.
using MailSender;
using MailSender.Samples.MinimalApi;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddMailSender(builder.Configuration.GetSection("MailSender"));
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

app.MapHealthChecks("/health");

app.Run();
