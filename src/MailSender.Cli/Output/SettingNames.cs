using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace MailSender.Cli.Output;

/// <summary>
/// Names the library's settings as a user of one command changes them. The library reports a setting by its configuration
/// key (<c>MailSender:Transport</c>, <c>MailSender:Resilience:TotalTimeout:Timeout</c>); the CLI sets those options from its
/// own (<c>--transport</c>, <c>--timeout</c>), so each command gives this table the option, variable or URI parameter that
/// fills each key, and errors are reported in those terms.
/// </summary>
/// <remarks>
/// A validation failure starts with the key of the option it is about: that key is looked up (the longest known one that
/// prefixes it) and replaced. Keys quoted in a message or hint are looked up the same way; a key the table does not know is
/// left as the library wrote it rather than guessed at.
/// </remarks>
internal sealed partial class SettingNames
{
    private readonly Dictionary<string, string> _names;
    private readonly Dictionary<string, string> _advice;

    private SettingNames(Dictionary<string, string> names, Dictionary<string, string>? advice = null)
    {
        _names = names;
        _advice = advice ?? new(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Gets the names every command that builds a sender shares: the transport and its URI parameters, the sender,
    /// the password, <c>--timeout</c> and <c>--retries</c>.
    /// </summary>
    public static SettingNames Sender { get; } = new(new(StringComparer.OrdinalIgnoreCase)
    {
        ["MailSender:Transport"] = "--transport",
        ["MailSender:DefaultFrom"] = "--from",
        ["MailSender:UserName"] = "the user in --transport",
        ["MailSender:Password"] = "$" + CliDefaults.PasswordVariable,
        ["MailSender:Resilience:TotalTimeout"] = "--timeout",
        ["MailSender:Resilience:AttemptTimeout"] = "--timeout",
        ["MailSender:Resilience:Retry:MaxRetryAttempts"] = "--retries",
        ["MailSender:Resilience:Retry:Enabled"] = "--retries",
        ["MailSender:Smtp:ConnectTimeout"] = "connectTimeout= in --transport",
        ["MailSender:Smtp:CommandTimeout"] = "timeout= in --transport",
        ["MailSender:Smtp:EhloName"] = "ehlo= in --transport",
        ["MailSender:Smtp:AllowInsecureAuthentication"] = "allowInsecureAuth= in --transport",
        ["MailSender:Smtp:Tls:TrustedCaFile"] = "caFile= in --transport",
        ["MailSender:Smtp:Tls:TrustedCertificateThumbprint"] = "thumbprint= in --transport",
        ["MailSender:Smtp:Pool:MaxConnections"] = "maxConnections= in --transport",
        ["MailSender:Smtp:Detection:Ports"] = "the port in --transport",
    });

    /// <summary>Returns a copy that also names <paramref name="key"/> (or names it differently) as <paramref name="name"/>.</summary>
    public SettingNames With(string key, string name) =>
        new(new Dictionary<string, string>(_names, StringComparer.OrdinalIgnoreCase) { [key] = name }, _advice);

    /// <summary>
    /// Returns a copy that words the library's advice <paramref name="advice"/> (a verb and a key, with its value if it
    /// has one, e.g. <c>set MailSender:Outbox:ShareDatabase=true</c>) as <paramref name="instead"/>: for a setting the
    /// command has no option for, what its user does instead.
    /// </summary>
    public SettingNames WithAdvice(string advice, string instead) =>
        new(_names, new Dictionary<string, string>(_advice, StringComparer.OrdinalIgnoreCase) { [advice] = instead });

    /// <summary>Returns the CLI's name of <paramref name="key"/> (or of the longest known key it starts with), or <see langword="null"/>.</summary>
    public string? NameOf(string key)
    {
        for (var candidate = key; candidate.Length > 0; candidate = candidate[..Math.Max(candidate.LastIndexOf(':'), 0)])
        {
            if (_names.TryGetValue(candidate, out var name))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>Words the failures of an options validation in the CLI's terms, joined into one message.</summary>
    public string Describe(OptionsValidationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var failures = exception.Failures.Any() ? exception.Failures : [exception.Message];
        return string.Join(" ", failures.Select(Rename));
    }

    /// <summary>Replaces each configuration key in <paramref name="text"/> that this table knows by the CLI's name for it.</summary>
    public string? Rename(string? text) =>
        text is null ? null : Key().Replace(text, Rename);

    private string Rename(Match match)
    {
        var verb = match.Groups["verb"].Value;
        var key = match.Groups["key"].Value;
        var value = match.Groups["value"].Value;
        if (verb.Length > 0 && (_advice.TryGetValue(verb + key + value, out var instead) || _advice.TryGetValue(verb + key, out instead)))
        {
            // The advice replaces the verb, the key and its value.
            return char.IsUpper(verb[0]) ? char.ToUpperInvariant(instead[0]) + instead[1..] : instead;
        }

        // The library sometimes adds the CLI's option itself, "MailSender:Outbox:Store (or --outbox)": once is enough.
        return NameOf(key) is { } name ? verb + name + value + (name.StartsWith("--", StringComparison.Ordinal) ? string.Empty : match.Groups["aside"].Value) : match.Value;
    }

    /// <summary>
    /// A configuration key as the library writes it, <c>MailSender:Section:Name</c>, with the verb of advice before it
    /// (<c>set</c>, <c>raise</c>), a value after it (<c>=true</c>) and the CLI option the library may name beside it
    /// (<c> (or --outbox)</c>). A named sender's <c>MailSender[name]:</c> is not the CLI's.
    /// </summary>
    [GeneratedRegex(@"(?<verb>\b(?:[Ss]et|[Rr]aise) )?\b(?<key>MailSender(?::[A-Za-z]+)+)(?<value>=\w+)?(?<aside> \((?:or )?--[a-z-]+\))?", RegexOptions.CultureInvariant)]
    private static partial Regex Key();
}
