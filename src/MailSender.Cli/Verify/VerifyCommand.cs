using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using MailSender.Cli.Attempts;
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
        Description = $"The transport to check, e.g. smtp://user@smtp.example.com:587 or pickup:FOLDER. Default, as for send: ${CliDefaults.TransportVariable}, else {CliDefaults.Transport} (the folder ./outbox, which must be writable). " +
            $"When the URI has a user but no password, the password is read from ${CliDefaults.PasswordVariable}.",
        HelpName = "URI",
    };

    private readonly Option<TimeSpan?> _timeout = WaitLimits.TimeoutOption("How long the check may take");

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the result, or the error, as one JSON object on standard output.",
    };

    public VerifyCommand(CliContext context)
        : base("verify", "Check that a transport works without sending a message: SMTP connects, authenticates and quits; a pickup folder must be writable.")
    {
        _context = context;
        Options.Add(_transport);
        Options.Add(_timeout);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    /// <inheritdoc />
    public string HelpEpilog => $"""
        Without --transport or ${CliDefaults.TransportVariable}, the transport send uses is checked: {CliDefaults.Transport}.
        Connecting may take 10 s and each reply 15 s, unless the transport URI says connectTimeout= or timeout=.

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
        var fromEnvironment = _context.GetEnvironmentVariable(CliDefaults.TransportVariable);
        var source = transportOption is not null ? "option" : !string.IsNullOrWhiteSpace(fromEnvironment) ? "environment" : "default";
        var transport = source switch
        {
            "option" => transportOption!,
            "environment" => fromEnvironment!,
            _ => CliDefaults.Transport,
        };
        var redactor = SecretRedactor.ForTransport(transport);
        var json = parseResult.GetValue(_json);
        var reporter = new ConsoleReporter(_context, json, redactor);
        if (transportOption is not null && redactor.FoundPassword)
        {
            reporter.WarnPasswordOnCommandLine("--transport");
        }

        var timeout = parseResult.GetValue(_timeout) ?? WaitLimits.DefaultTimeout;
        var names = source switch
        {
            "option" => SettingNames.Sender,
            "environment" => SettingNames.Sender.With("MailSender:Transport", "$" + CliDefaults.TransportVariable),
            _ => SettingNames.Sender.With("MailSender:Transport", $"the default transport {CliDefaults.Transport} (set --transport)"),
        };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
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

                // One attempt: only the connect and reply timeouts apply.
                WaitLimits.Apply(options, timeout, retries: 0);
            });
            var provider = services.BuildServiceProvider();
            await using (provider.ConfigureAwait(false))
            {
                var sender = provider.GetRequiredService<IEmailSender>();
                await sender.VerifyAsync(limit.Token).ConfigureAwait(false);
                var elapsed = Stopwatch.GetElapsedTime(started);
                var shown = redactor.Redact(transport)!;
                if (json)
                {
                    _context.Output.WriteLine(JsonSerializer.Serialize(new VerifyResultDocument(shown, source, true, Math.Round(elapsed.TotalMilliseconds, 1)), CliJsonContext.Output.VerifyResultDocument));
                }
                else
                {
                    var which = source == "default" ? " (the default transport, as for send)" : string.Empty;
                    _context.Output.WriteLine($"OK: {shown}{which} works ({elapsed.TotalMilliseconds:F0} ms); nothing was sent.");
                }

                return ExitCodes.Success;
            }
        }
        catch (OptionsValidationException ex)
        {
            return Report(reporter, CliError.From(ex, names) with { Hint = $"Check --transport (or {CliDefaults.TransportVariable})." });
        }
        catch (EmailSendException ex) when (source == "default")
        {
            var error = CliError.From(ex, names);
            return Report(reporter, error with { Hint = (error.Hint is null ? string.Empty : error.Hint + " ") + $"Without --transport or ${CliDefaults.TransportVariable}, verify checks send's default, {CliDefaults.Transport}: pass --transport URI to check another." });
        }
        catch (EmailSendException ex)
        {
            return Report(reporter, CliError.From(ex, names));
        }
        catch (NotSupportedException ex)
        {
            return Report(reporter, CliError.Usage(ex.Message));
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Report(reporter, new CliError(nameof(EmailErrorKind.Timeout), $"No answer within --timeout {WaitLimits.Describe(timeout)}; nothing was sent.", ExitCodes.SendFailed)
            {
                Hint = "The server is slow or unreachable. If it is just slow, allow more time with --timeout, e.g. --timeout 5m.",
                IsTransient = true,
            });
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
/// <param name="Transport">The transport checked, its password masked.</param>
/// <param name="Source">Where it came from: <c>option</c> (--transport), <c>environment</c> (MAILSENDER_TRANSPORT) or <c>default</c> (pickup:outbox, as for send).</param>
/// <param name="Ok">Always <see langword="true"/>: a failure prints the error document.</param>
/// <param name="ElapsedMs">How long the check took.</param>
internal sealed record VerifyResultDocument(string Transport, string Source, bool Ok, double ElapsedMs);
