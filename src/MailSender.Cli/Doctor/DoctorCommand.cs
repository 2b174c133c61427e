using System.CommandLine;
using System.Net;
using System.Text.Json;
using MailSender.Cli.Lint;
using MailSender.Cli.Output;
using MailSender.Deliverability;

namespace MailSender.Cli.Doctor;

/// <summary><c>mailsender doctor --from ADDRESS|DOMAIN [--transport URI] [--dkim-selector S] [--dkim-key FILE] [--dns IP:PORT] [--json]</c>: checks the DNS records a From domain needs.</summary>
internal sealed class DoctorCommand : Command, IHasHelpEpilog
{
    private readonly CliContext _context;

    private readonly Option<string> _from = new("--from")
    {
        Description = "The From address or its domain.",
        HelpName = "ADDRESS|DOMAIN",
        Required = true,
    };

    private readonly Option<string> _transport = new("--transport")
    {
        Description = "The transport mail leaves through: for smtp:// and relay:// whether SPF authorizes the relay; for direct: whether it authorizes the sending address, and that address's reverse DNS against the EHLO name.",
        HelpName = "URI",
    };

    private readonly Option<string> _sendingIp = new("--sending-ip")
    {
        Description = "The public address direct mail leaves from (default: the machine's, when it is not private).",
        HelpName = "IP",
    };

    private readonly Option<string> _returnPath = new("--return-path")
    {
        Description = "The envelope sender (MAIL FROM) address or domain when it is not the From domain: SPF is checked there.",
        HelpName = "ADDRESS|DOMAIN",
    };

    private readonly Option<string> _dkimDomain = new("--dkim-domain")
    {
        Description = "The DKIM signing domain (d=) when it is not the From domain.",
        HelpName = "DOMAIN",
    };

    private readonly Option<string> _selector = new("--dkim-selector")
    {
        Description = "The DKIM selector to check (s1 for s1._domainkey.DOMAIN).",
        HelpName = "S",
    };

    private readonly Option<string> _key = new("--dkim-key")
    {
        Description = "The DKIM private key (PEM, RSA or Ed25519): the published key must match it. Needs --dkim-selector.",
        HelpName = "FILE",
    };

    private readonly Option<string> _dns = new("--dns")
    {
        Description = "Ask this one name server (as direct:?dns= does) instead of the system's.",
        HelpName = "IP:PORT",
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the findings as one JSON object on standard output.",
    };

    public DoctorCommand(CliContext context)
        : base("doctor", "Check the DNS records a From domain needs for its mail to be accepted: SPF (and that it authorizes the transport), DKIM, DMARC and its alignment, MX, MTA-STS, TLS-RPT, and reverse DNS for direct delivery.")
    {
        _context = context;
        foreach (var option in new Option[] { _from, _transport, _sendingIp, _returnPath, _dkimDomain, _selector, _key, _dns, _json })
        {
            Options.Add(option);
        }

        SetAction(RunAsync);
    }

    /// <inheritdoc />
    public string HelpEpilog => """
        Examples:
          mailsender doctor --from news@example.com
          mailsender doctor --from example.com --dkim-selector s1 --dkim-key s1.pem --json
          mailsender doctor --from news@example.com --transport relay://sendgrid
          mailsender doctor --from news@example.com --transport "direct:?ehlo=mail.example.com" --sending-ip 203.0.113.7

        Exit codes:
          0  no errors (warnings may be printed)
          1  at least one error: each says what it means and the fix
          2  bad arguments, an unreadable key, or a name server that does not answer

        """;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var json = parseResult.GetValue(_json);
        var reporter = new ConsoleReporter(_context, json, SecretRedactor.None);
        try
        {
            var selector = parseResult.GetValue(_selector);
            var keyFile = parseResult.GetValue(_key);
            if (keyFile is not null && selector is null)
            {
                throw new UsageException("--dkim-key needs --dkim-selector: the key is compared with the record of that selector.");
            }

            string? key = null;
            if (keyFile is not null)
            {
                try
                {
                    key = await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UsageException($"--dkim-key: cannot read '{keyFile}': {e.Message}");
                }
            }

            IPEndPoint? dns = null;
            if (parseResult.GetValue(_dns) is { } server)
            {
                dns = IPEndPoint.TryParse(server, out var endpoint) ? endpoint : throw new UsageException($"--dns '{server}' is not IP:PORT (e.g. 127.0.0.1:53).");
                if (dns.Port == 0)
                {
                    dns.Port = 53;
                }
            }

            IPAddress? sendingAddress = null;
            if (parseResult.GetValue(_sendingIp) is { } ip)
            {
                sendingAddress = IPAddress.TryParse(ip, out var parsed) ? parsed : throw new UsageException($"--sending-ip '{ip}' is not an IP address (e.g. 203.0.113.7).");
            }

            var request = new DoctorRequest
            {
                From = parseResult.GetValue(_from)!,
                Transport = parseResult.GetValue(_transport),
                SendingAddress = sendingAddress,
                ReturnPath = parseResult.GetValue(_returnPath),
                DkimDomain = parseResult.GetValue(_dkimDomain),
                DkimSelector = selector,
                DkimPrivateKeyPem = key,
                DnsServer = dns,
            };
            var findings = await DeliverabilityDoctor.CheckAsync(request, cancellationToken).ConfigureAwait(false);
            var errors = findings.Count(f => f.Severity == FindingSeverity.Error);
            var warnings = findings.Count(f => f.Severity == FindingSeverity.Warning);
            if (json)
            {
                var document = new DoctorReportDocument(request.From, errors, warnings, findings.Select(FindingDocument.From).ToArray());
                _context.Output.WriteLine(JsonSerializer.Serialize(document, CliJsonContext.Output.DoctorReportDocument));
            }
            else
            {
                foreach (var finding in findings)
                {
                    FindingDocument.Write(_context.Output, finding);
                }

                _context.Output.WriteLine($"{request.From}: {errors} error(s), {warnings} warning(s).");
            }

            return errors > 0 ? ExitCodes.SendFailed : ExitCodes.Success;
        }
        catch (UsageException ex)
        {
            reporter.WriteError(CliError.From(ex));
            return ExitCodes.UsageError;
        }
        catch (ArgumentException ex)
        {
            reporter.WriteError(CliError.Usage(ex.Message));
            return ExitCodes.UsageError;
        }
        catch (DnsUnavailableException ex)
        {
            reporter.WriteError(new CliError("DnsUnavailable", ex.Message, ExitCodes.UsageError) { Hint = "Check --dns (or the machine's name servers) and the network; nothing could be checked." });
            return ExitCodes.UsageError;
        }
    }
}

/// <summary>The JSON printed by <c>doctor --json</c>.</summary>
/// <param name="From">The address or domain checked.</param>
/// <param name="Errors">How many findings are errors.</param>
/// <param name="Warnings">How many are warnings.</param>
/// <param name="Findings">Every finding, ok ones included, in check order.</param>
internal sealed record DoctorReportDocument(string From, int Errors, int Warnings, FindingDocument[] Findings);
