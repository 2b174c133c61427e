using System.CommandLine;
using System.Text.Json;
using MailSender.Cli.Output;
using MailSender.Deliverability;
using MimeKit;

namespace MailSender.Cli.Lint;

/// <summary><c>mailsender lint FILE.eml [--bulk] [--dkim-domain D] [--json]</c>: checks one message for what gets mail clipped, junked or refused.</summary>
internal sealed class LintCommand : Command, IHasHelpEpilog
{
    private readonly CliContext _context;

    private readonly Argument<string> _file = new("FILE")
    {
        Description = "The message to check, an .eml file (- reads standard input).",
    };

    private readonly Option<bool> _bulk = new("--bulk")
    {
        Description = "Check it as bulk mail: one-click unsubscribe and DKIM alignment become errors.",
    };

    private readonly Option<string> _dkimDomain = new("--dkim-domain")
    {
        Description = "The domain it will be DKIM-signed with, when the file is not signed yet (MailSender:Dkim:Domain).",
        HelpName = "DOMAIN",
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the findings as one JSON object on standard output.",
    };

    public LintCommand(CliContext context)
        : base("lint", "Check a message for what gets mail clipped, junked or refused: a missing text part, unsubscribe headers, DKIM alignment, Date and Message-ID, size, images only.")
    {
        _context = context;
        Arguments.Add(_file);
        Options.Add(_bulk);
        Options.Add(_dkimDomain);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    /// <inheritdoc />
    public string HelpEpilog => """
        Examples:
          mailsender lint outbox/welcome.eml
          mailsender render newsletter --model m.json --out - | mailsender lint - --bulk --dkim-domain example.com

        Exit codes:
          0  no errors (warnings may be printed)
          1  at least one error
          2  bad arguments, or the file cannot be read as a message

        """;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var path = parseResult.GetValue(_file)!;
        var json = parseResult.GetValue(_json);
        var reporter = new ConsoleReporter(_context, json, SecretRedactor.None);
        MimeMessage message;
        try
        {
            message = path == "-"
                ? await LoadAsync(_context.Input, cancellationToken).ConfigureAwait(false)
                : await MimeMessage.LoadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            reporter.WriteError(CliError.Usage($"Cannot read {(path == "-" ? "standard input" : path)} as a message: {ex.Message}"));
            return ExitCodes.UsageError;
        }

        var findings = MessageLinter.Lint(message, new MessageLintOptions { Bulk = parseResult.GetValue(_bulk), DkimDomain = parseResult.GetValue(_dkimDomain) });
        var errors = findings.Count(f => f.Severity == FindingSeverity.Error);
        var warnings = findings.Count(f => f.Severity == FindingSeverity.Warning);
        if (json)
        {
            var document = new LintReportDocument(path, errors, warnings, findings.Select(FindingDocument.From).ToArray());
            _context.Output.WriteLine(JsonSerializer.Serialize(document, CliJsonContext.Output.LintReportDocument));
        }
        else
        {
            foreach (var finding in findings)
            {
                FindingDocument.Write(_context.Output, finding);
            }

            _context.Output.WriteLine(findings.Count == 0 ? $"{path}: no problems found." : $"{path}: {errors} error(s), {warnings} warning(s).");
        }

        return errors > 0 ? ExitCodes.SendFailed : ExitCodes.Success;
    }

    private static async Task<MimeMessage> LoadAsync(TextReader input, CancellationToken cancellationToken)
    {
        var text = await input.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        return await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The JSON printed by <c>lint --json</c>.</summary>
/// <param name="File">The file checked.</param>
/// <param name="Errors">How many findings are errors.</param>
/// <param name="Warnings">How many are warnings.</param>
/// <param name="Findings">The findings, errors first.</param>
internal sealed record LintReportDocument(string File, int Errors, int Warnings, FindingDocument[] Findings);

/// <summary>One finding in JSON: <c>check</c>, <c>severity</c> (<c>ok</c>, <c>warning</c>, <c>error</c>), <c>message</c>, <c>fix</c>.</summary>
/// <param name="Check">The check's stable name.</param>
/// <param name="Severity">ok, warning or error.</param>
/// <param name="Message">What was found, in words.</param>
/// <param name="Fix">What to do, if anything.</param>
internal sealed record FindingDocument(string Check, string Severity, string Message, string? Fix)
{
    public static FindingDocument From(DeliverabilityFinding finding) =>
        new(finding.Check, finding.Severity.ToString().ToLowerInvariant(), finding.Message, finding.Fix);

    /// <summary>Writes a finding for a person: its severity, check and message, then the fix indented.</summary>
    public static void Write(TextWriter output, DeliverabilityFinding finding)
    {
        var mark = finding.Severity switch { FindingSeverity.Error => "error  ", FindingSeverity.Warning => "warning", _ => "ok     " };
        output.WriteLine($"{mark} {finding.Check}: {finding.Message}");
        if (finding.Fix is { } fix && finding.Severity != FindingSeverity.Ok)
        {
            output.WriteLine($"        fix: {fix}");
        }
    }
}
