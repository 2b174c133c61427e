using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using MailSender.Cli.Output;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.Cli.Verify;

/// <summary><c>mailsender verify --transport URI</c>: checks a transport without sending (SMTP: connect, authenticate, QUIT).</summary>
internal sealed class VerifyCommand : Command, IHasHelpEpilog
{
    private readonly CliContext _context;

    private readonly Option<string> _transport = new("--transport")
    {
        Description = $"The transport to check, e.g. smtp://user@smtp.example.com:587 or pickup:FOLDER. Default: ${CliDefaults.TransportVariable}. " +
            $"When the URI has a user but no password, the password is read from ${CliDefaults.PasswordVariable}.",
        HelpName = "URI",
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the result, or the error, as one JSON object on standard output.",
    };

    public VerifyCommand(CliContext context)
        : base("verify", "Check that a transport works without sending a message: SMTP connects, authenticates and quits; a pickup folder must be writable.")
    {
        _context = context;
        Options.Add(_transport);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    /// <inheritdoc />
    public string HelpEpilog => $"""
        Environment:
          {CliDefaults.TransportVariable}  the transport URI when --transport is absent
          {CliDefaults.PasswordVariable}   the password, when the transport URI has a user and no password

        Exit codes:
          0  the transport works
          1  it does not (connection, TLS, authentication, ...): the error says why, with a hint
          2  bad arguments or configuration

        """;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var transportOption = parseResult.GetValue(_transport);
        var transport = transportOption ?? _context.GetEnvironmentVariable(CliDefaults.TransportVariable);
        var redactor = SecretRedactor.ForTransport(transport);
        var json = parseResult.GetValue(_json);
        var reporter = new ConsoleReporter(_context, json, redactor);
        if (transportOption is not null && redactor.FoundPassword)
        {
            reporter.WarnPasswordOnCommandLine("--transport");
        }

        try
        {
            if (string.IsNullOrWhiteSpace(transport))
            {
                throw new UsageException("No transport to verify.", $"Pass --transport URI or set {CliDefaults.TransportVariable}.");
            }

            var started = Stopwatch.GetTimestamp();
            var services = new ServiceCollection();
            services.AddMailSender(options =>
            {
                options.Transport = transport;
                options.Resilience.Enabled = false;
                if (CliDefaults.HasUserWithoutPassword(transport))
                {
                    options.Password = _context.GetEnvironmentVariable(CliDefaults.PasswordVariable);
                }
            });
            var provider = services.BuildServiceProvider();
            await using (provider.ConfigureAwait(false))
            {
                var sender = provider.GetRequiredService<IEmailSender>();
                await sender.VerifyAsync(cancellationToken).ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started);
                var shown = redactor.Redact(transport)!;
                if (json)
                {
                    _context.Output.WriteLine(JsonSerializer.Serialize(new VerifyResultDocument(shown, true, Math.Round(elapsed.TotalMilliseconds, 1)), CliJsonContext.Output.VerifyResultDocument));
                }
                else
                {
                    _context.Output.WriteLine($"OK: {shown} works ({elapsed.TotalMilliseconds:F0} ms); nothing was sent.");
                }

                return ExitCodes.Success;
            }
        }
        catch (UsageException ex)
        {
            return Report(reporter, CliError.From(ex));
        }
        catch (OptionsValidationException ex)
        {
            return Report(reporter, CliError.From(ex) with { Hint = $"Check --transport (or {CliDefaults.TransportVariable})." });
        }
        catch (EmailSendException ex)
        {
            return Report(reporter, CliError.From(ex));
        }
        catch (NotSupportedException ex)
        {
            return Report(reporter, CliError.Usage(ex.Message));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Report(reporter, CliError.Cancelled() with { Message = "Cancelled; nothing was sent." });
        }
    }

    private static int Report(ConsoleReporter reporter, CliError error)
    {
        reporter.WriteError(error);
        return error.ExitCode;
    }
}

/// <summary>The JSON printed by <c>verify --json</c> on success.</summary>
internal sealed record VerifyResultDocument(string Transport, bool Ok, double ElapsedMs);
