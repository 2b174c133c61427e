using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Output;

namespace MailSender.Cli.Providers;

/// <summary><c>mailsender providers</c>: lists the relay and mailbox provider presets usable as <c>relay://ID</c>.</summary>
internal sealed class ProvidersCommand : Command, IHasHelpEpilog
{
    private readonly CliContext _context;

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the presets as one JSON array of objects (id, name, host, port, security, aliases, regions, ...).",
    };

    public ProvidersCommand(CliContext context)
        : base("providers", "List the provider presets (SendGrid, Gmail, Amazon SES, ...) usable as relay://ID.")
    {
        _context = context;
        Options.Add(_json);
        SetAction(Run);
    }

    /// <inheritdoc />
    public string HelpEpilog => """
        Use a preset with --transport relay://ID, e.g. relay://sendgrid (password from MAILSENDER_PASSWORD),
        relay://ses?region=eu-west-1 or relay://mailgun?region=eu. See docs/providers.md.

        Exit codes:
          0  listed

        """;

    private int Run(ParseResult parseResult)
    {
        var documents = SmtpProvider.All.Select(ProviderDocument.From).ToArray();
        if (parseResult.GetValue(_json))
        {
            _context.Output.WriteLine(JsonSerializer.Serialize(documents, CliJsonContext.Output.ProviderDocumentArray));
            return ExitCodes.Success;
        }

        var idWidth = documents.Max(d => d.Id.Length);
        var endpointWidth = documents.Max(d => Endpoint(d).Length);
        foreach (var document in documents)
        {
            var notes = new List<string>();
            if (document.Regions.Count > 0)
            {
                notes.Add("regions: " + string.Join(' ', document.Regions) + (document.DefaultRegion is { } region ? $" (default {region})" : " (required)"));
            }

            if (document.UserName is { } user)
            {
                notes.Add($"user: {user}");
            }

            if (document.OAuth == "required")
            {
                notes.Add("OAuth 2.0 only");
            }

            _context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{document.Id.PadRight(idWidth)}  {Endpoint(document).PadRight(endpointWidth)}  {document.Name}{(notes.Count == 0 ? string.Empty : "; " + string.Join("; ", notes))}"));
        }

        return ExitCodes.Success;
    }

    private static string Endpoint(ProviderDocument document) =>
        string.Create(CultureInfo.InvariantCulture, $"{document.Host}:{document.Port} {document.Security}");
}
