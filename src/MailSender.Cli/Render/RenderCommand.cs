using System.CommandLine;
using System.Text;
using System.Text.Json;
using MailSender.Cli.Output;
using MailSender.Cli.Send;
using MailSender.Templates;
using MimeKit;
using MimeKit.Utils;

namespace MailSender.Cli.Render;

/// <summary>
/// <c>mailsender render TEMPLATE --model FILE --out FILE.eml</c>: renders a Liquid template as the library would send it,
/// into an .eml file (and with <c>--html</c> the HTML body for a browser), without sending anything.
/// </summary>
internal sealed class RenderCommand : Command, IHasHelpEpilog
{
    /// <summary>How the .eml file is written: CRLF line ends, as on the wire and as the pickup transport writes them.</summary>
    private static readonly FormatOptions EmlFormat = CreateFormat();

    private readonly CliContext _context;
    private readonly TemplateArguments _template = new();

    private readonly Argument<string> _name = new("TEMPLATE")
    {
        Description = "The template's name: its path below the template folder without the extension, e.g. welcome or account/reset.",
    };

    private readonly Option<string> _out = new("--out")
    {
        Description = "Write the message to FILE (.eml; replaced if it exists, written whole or not at all). '-' writes it to standard output.",
        HelpName = "FILE",
        Required = true,
    };

    private readonly Option<string> _html = new("--html")
    {
        Description = "Also write the HTML body to FILE, as sent (CSS inlined with --inline-css), with its cid: images inlined as data: URIs, to open in a browser.",
        HelpName = "FILE",
    };

    private readonly Option<string> _from = new("--from")
    {
        Description = "Set the From header (and a Message-Id in its domain), so the .eml is a complete message.",
        HelpName = "ADDR",
    };

    private readonly Option<string[]> _to = new("--to")
    {
        Description = "Set a To recipient. Repeat for more (a value may also list several, separated by commas).",
        HelpName = "ADDR",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the result, or the error, as one JSON object on standard output.",
    };

    public RenderCommand(CliContext context)
        : base("render", "Render a Liquid template into an .eml file (and an HTML file) without sending it.")
    {
        _context = context;
        Arguments.Add(_name);
        foreach (var option in _template.All.Concat([_out, _html, _from, _to, _json]))
        {
            Options.Add(option);
        }

        Validators.Add(result =>
        {
            if (result.GetValue(_out) == "-" && result.GetResult(_json) is not null)
            {
                result.AddError("--out - and --json both write to standard output: write the message to a file, or leave out --json.");
            }

            if (result.GetValue(_html) == "-")
            {
                result.AddError("--html needs a file name: only --out writes to standard output ('-').");
            }
        });

        SetAction(RunAsync);
    }

    /// <inheritdoc />
    public string HelpEpilog => $"""
        Every template of the folder is parsed first, as an application does when it starts: a template that does not
        parse is reported (file, line, column) even if it is not the one rendered.

        Environment:
          {CliDefaults.TemplatesVariable}  the template folder when --templates is absent

        Exit codes:
          0  rendered and written
          2  bad arguments (unreadable or invalid --model, unknown --culture, no template folder), or a template
             error (missing template, syntax error, a value the model lacks); nothing was written

        """;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var json = parseResult.GetValue(_json);
        var reporter = new ConsoleReporter(_context, json);
        var name = parseResult.GetValue(_name)!;
        var outPath = parseResult.GetValue(_out)!;
        var htmlPath = parseResult.GetValue(_html);
        try
        {
            // The addresses first: a typo fails before any rendering.
            var from = parseResult.GetValue(_from) is { } fromValue ? AddressArguments.ParseMailbox(fromValue, "--from") : null;
            var to = (parseResult.GetValue(_to) ?? []).SelectMany(value => AddressArguments.ParseList(value, "--to")).ToList();

            var rendered = await _template.RenderAsync(name, parseResult, _context, cancellationToken).ConfigureAwait(false);
            var message = rendered.Message;
            if (from is not null)
            {
                message.From.Add(from);

                // As the library does on send: an id in the sender's domain, not the machine's name MimeKit puts in.
                message.MessageId = MimeUtils.GenerateMessageId(from.Domain);
            }

            message.To.AddRange(to);

            using var eml = new MemoryStream();
            await message.WriteToAsync(EmlFormat, eml, cancellationToken).ConfigureAwait(false);
            var bytes = eml.GetBuffer().AsMemory(0, (int)eml.Length);
            var toStandardOutput = outPath == "-";
            if (toStandardOutput)
            {
                // The composer encodes every part in 7-bit (quoted-printable or base64) and headers per RFC 2047: the bytes are ASCII.
                await _context.Output.WriteAsync(Encoding.UTF8.GetString(bytes.Span)).ConfigureAwait(false);
                await _context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await OutputFile.WriteAsync(outPath, bytes, "--out", cancellationToken).ConfigureAwait(false);
            }

            if (htmlPath is not null)
            {
                var html = HtmlPreview.Create(message) ?? throw new UsageException($"Template '{name}' produced no HTML part to write to --html.");
                await OutputFile.WriteAsync(htmlPath, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(html), "--html", cancellationToken).ConfigureAwait(false);
            }

            var structure = MessageStructure.Describe(message.Body);
            if (json)
            {
                var document = new RenderResultDocument(
                    name,
                    rendered.Culture?.Name,
                    rendered.File,
                    message.Subject ?? string.Empty,
                    Path.GetFullPath(outPath),
                    htmlPath is null ? null : Path.GetFullPath(htmlPath),
                    eml.Length,
                    structure,
                    message.MessageId);
                _context.Output.WriteLine(JsonSerializer.Serialize(document, CliJsonContext.Output.RenderResultDocument));
            }
            else
            {
                // With --out -, standard output is the message itself: the summary goes to standard error.
                var culture = rendered.Culture is null ? string.Empty : $" ({rendered.Culture.Name})";
                var targets = toStandardOutput ? "standard output" : outPath;
                targets += htmlPath is null ? string.Empty : " and " + htmlPath;
                (toStandardOutput ? _context.Error : _context.Output).WriteLine(
                    $"Rendered {name}{culture} to {targets}: subject \"{message.Subject}\", {MessageStructure.Size(eml.Length)}, parts: {structure}");
            }

            return ExitCodes.Success;
        }
        catch (UsageException ex)
        {
            return Report(reporter, CliError.From(ex));
        }
        catch (EmailTemplateException ex)
        {
            return Report(reporter, TemplateArguments.ToError(ex));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Report(reporter, new CliError(CliError.CancelledKind, "Cancelled; nothing was written.", ExitCodes.Cancelled));
        }
    }

    private static int Report(ConsoleReporter reporter, CliError error)
    {
        reporter.WriteError(error);
        return error.ExitCode;
    }

    private static FormatOptions CreateFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.EnsureNewLine = true;
        options.HiddenHeaders.Add(HeaderId.Bcc);
        return options;
    }
}
