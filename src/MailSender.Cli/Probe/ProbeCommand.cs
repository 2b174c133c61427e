using MailSender.Smtp.Detection;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.Cli.Probe;

/// <summary><c>mailsender probe HOST</c>: finds the port and encryption that work, and explains every attempt.</summary>
internal sealed class ProbeCommand : Command, IHasHelpEpilog
{
    private readonly CliContext _context;

    private readonly Argument<string> _host = new("HOST")
    {
        Description = "The SMTP server's host name or IP address, e.g. smtp.example.com.",
    };

    private readonly Option<int[]> _port = new("--port")
    {
        Description = "A port to probe instead of the defaults (465 implicit TLS; 587, 25 and 2525 STARTTLS; other ports both ways). Repeat for more.",
        HelpName = "N",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string> _user = new("--user")
    {
        Description = "Check these credentials with AUTH on each secure endpoint.",
        HelpName = "U",
    };

    private readonly Option<string> _password = new("--password")
    {
        Description = $"The password for --user. Default: ${CliDefaults.PasswordVariable} (safer than the command line).",
        HelpName = "P",
    };

    private readonly Option<TimeSpan?> _timeout = new("--timeout")
    {
        Description = "How long each probe may take (all run in parallel, so about the whole command): 5s, 500ms, 1m, or a number of seconds. Default: 10s.",
        HelpName = "DURATION",
        CustomParser = ParseTimeout,
    };

    private readonly Option<string> _caFile = new("--ca-file")
    {
        Description = "Also trust the certificate authority in FILE (PEM or DER), for a private or self-signed server.",
        HelpName = "FILE",
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the report as one JSON object: recommended (port, security, authMechanisms) and attempts.",
    };

    public ProbeCommand(CliContext context)
        : base("probe", "Find the port and encryption an SMTP server accepts (implicit TLS, STARTTLS or none), and explain every failure.")
    {
        _context = context;
        Arguments.Add(_host);
        foreach (var option in new Option[] { _port, _user, _password, _timeout, _caFile, _json })
        {
            Options.Add(option);
        }

        Validators.Add(result =>
        {
            if (result.GetValue(_port) is { } ports && ports.Any(p => p is < 1 or > 65535))
            {
                result.AddError("--port must be from 1 to 65535.");
            }
        });

        SetAction(RunAsync);
    }

    /// <inheritdoc />
    public string HelpEpilog => $"""
        Environment:
          {CliDefaults.PasswordVariable}   the password for --user when --password is absent

        Exit codes:
          0  a usable endpoint was found (printed as "Recommended")
          1  no usable endpoint: every attempt is listed with what went wrong and a hint
          2  bad arguments

        """;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var json = parseResult.GetValue(_json);
        var passwordOption = parseResult.GetValue(_password);
        var reporter = new ConsoleReporter(_context, json, SecretRedactor.ForPassword(passwordOption));
        if (!string.IsNullOrEmpty(passwordOption))
        {
            reporter.WarnPasswordOnCommandLine("--password");
        }

        try
        {
            var user = parseResult.GetValue(_user);
            var password = passwordOption ?? (user is null ? null : _context.GetEnvironmentVariable(CliDefaults.PasswordVariable));
            if (user is null && passwordOption is not null)
            {
                throw new UsageException("--password needs --user.", "Give the user name with --user U.");
            }

            if (user is not null && string.IsNullOrEmpty(password))
            {
                throw new UsageException($"No password for user '{user}'.", $"Pass --password P or set {CliDefaults.PasswordVariable}.");
            }

            var options = new SmtpDetectionOptions();
            if (parseResult.GetValue(_port) is { Length: > 0 } ports)
            {
                options.Ports = ports;
            }

            if (parseResult.GetValue(_timeout) is { } timeout)
            {
                options.ProbeTimeout = timeout;
            }

            var request = new SmtpDetectionRequest(parseResult.GetValue(_host)!)
            {
                UserName = user,
                Password = user is null ? null : password,

                // Plain text is reported as usable only without credentials, as for security=auto.
                AllowPlaintext = user is null,
                TrustedCaFile = parseResult.GetValue(_caFile),
                Options = options,
            };

            var services = new ServiceCollection();
            services.AddMailSender(_ => { });
            var provider = services.BuildServiceProvider();
            await using (provider.ConfigureAwait(false))
            {
                var report = await provider.GetRequiredService<ISmtpEndpointDetector>().DetectAsync(request, cancellationToken).ConfigureAwait(false);
                if (json)
                {
                    _context.Output.WriteLine(JsonSerializer.Serialize(ProbeReportDocument.From(report), CliJsonContext.Output.ProbeReportDocument));
                }
                else
                {
                    WriteTable(report, options);
                }

                return report.Recommended is null ? ExitCodes.SendFailed : ExitCodes.Success;
            }
        }
        catch (UsageException ex)
        {
            return Report(reporter, CliError.From(ex));
        }
        catch (EmailSendException ex)
        {
            return Report(reporter, CliError.From(ex));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Report(reporter, CliError.Cancelled() with { Message = "Cancelled; the probes were stopped." });
        }
    }

    /// <summary>Reads --timeout in the library's duration grammar; a plain number is seconds, as it always was here.</summary>
    private static TimeSpan? ParseTimeout(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (MailSender.Internal.SettingParser.TryParseDuration(text, out var value) && value > TimeSpan.Zero && value <= TimeSpan.FromMinutes(10))
        {
            return value;
        }

        result.AddError($"--timeout '{text}' must be a duration of more than 0 and at most 10 minutes, e.g. 5s, 500ms or 1m.");
        return null;
    }

    private static int Report(ConsoleReporter reporter, CliError error)
    {
        reporter.WriteError(error);
        return error.ExitCode;
    }

    private void WriteTable(SmtpDetectionReport report, SmtpDetectionOptions options)
    {
        var output = _context.Output;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Probed {report.Host} in {report.Elapsed.TotalMilliseconds:F0} ms (probe timeout {options.ProbeTimeout.TotalSeconds:0.#} s)."));
        output.WriteLine();
        var rows = report.Attempts.Select(a => new[]
        {
            a.Host.Contains(':', StringComparison.Ordinal) ? $"[{a.Host}]:{a.Port}" : $"{a.Host}:{a.Port}",
            ProbeReportDocument.CamelCase(a.Source.ToString()),
            ProbeReportDocument.SecurityName(a.Security),
            ProbeReportDocument.CamelCase(a.Outcome.ToString()),
            string.Create(CultureInfo.InvariantCulture, $"{a.Elapsed.TotalMilliseconds:F0} ms"),
            Details(a),
        }).ToList();
        string[] header = ["ENDPOINT", "SOURCE", "SECURITY", "RESULT", "TIME", "DETAILS"];
        var widths = Enumerable.Range(0, header.Length - 1).Select(i => rows.Select(r => r[i].Length).Append(header[i].Length).Max()).ToArray();
        void Row(string[] cells) => output.WriteLine(string.Join("  ", cells.Take(widths.Length).Select((c, i) => c.PadRight(widths[i]))) + "  " + cells[^1]);
        Row(header);
        for (var i = 0; i < rows.Count; i++)
        {
            Row(rows[i]);
            var attempt = report.Attempts[i];
            if (attempt.Error is not null && attempt.Outcome != SmtpProbeOutcome.Cancelled)
            {
                output.WriteLine("    error: " + OneLine(attempt.Error));
            }

            if (attempt.Hint is not null)
            {
                output.WriteLine("    hint: " + OneLine(attempt.Hint));
            }
        }

        output.WriteLine();
        if (report.Recommended is { } recommended)
        {
            var auth = recommended.AuthenticationMechanisms.Count == 0 ? "no AUTH offered" : "AUTH " + string.Join(' ', recommended.AuthenticationMechanisms);
            output.WriteLine($"Recommended: {recommended.TransportUri} ({ProbeReportDocument.SecurityName(recommended.Security)}; {auth})");
        }
        else
        {
            output.WriteLine("No usable endpoint found: see the errors and hints above.");
        }
    }

    private static string Details(SmtpProbeAttempt a)
    {
        var parts = new List<string>();
        if (a.Greeting is not null)
        {
            parts.Add("greeting \"" + OneLine(a.Greeting) + "\"");
        }

        if (a.TlsProtocol is not null)
        {
            parts.Add(a.TlsProtocol + (a.CipherSuite is null ? string.Empty : " " + a.CipherSuite));
        }

        if (a.CertificateSubject is not null)
        {
            parts.Add("certificate " + a.CertificateSubject + (a.CertificateNotAfter is { } notAfter ? string.Create(CultureInfo.InvariantCulture, $" until {notAfter:yyyy-MM-dd}") : string.Empty));
        }

        if (a.CertificateError is not null)
        {
            parts.Add(a.CertificateError);
        }

        if (a.Capabilities.Count > 0)
        {
            parts.Add(string.Join(' ', a.Capabilities));
        }

        if (a.AuthenticationMechanisms.Count > 0)
        {
            parts.Add("AUTH " + string.Join(' ', a.AuthenticationMechanisms) + (a.Authenticated switch { true => " (credentials accepted)", false => " (credentials refused)", _ => string.Empty }));
        }

        return string.Join("; ", parts);
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
