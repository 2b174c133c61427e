using System.Globalization;
using MailSender.Internal;
using MimeKit;

namespace MailSender.Redirect;

/// <summary>
/// <see cref="RedirectOptions"/> parsed once: the redirect addresses, the allow-list (addresses, domains, subdomain
/// patterns) and what happens to the other recipients.
/// </summary>
internal sealed class RedirectPolicy
{
    private readonly HashSet<string> _addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _parentDomains = [];

    private RedirectPolicy(IReadOnlyList<MailboxAddress> to, UnlistedRecipients unlisted)
    {
        To = to;
        Unlisted = unlisted;
    }

    /// <summary>Gets the addresses that replace unlisted recipients (empty unless <see cref="Unlisted"/> is <see cref="UnlistedRecipients.Redirect"/>).</summary>
    public IReadOnlyList<MailboxAddress> To { get; }

    /// <summary>Gets what happens to recipients the allow-list does not match.</summary>
    public UnlistedRecipients Unlisted { get; }

    /// <summary>Gets the number of allow-list entries.</summary>
    public int AllowCount => _addresses.Count + _domains.Count + _parentDomains.Count;

    /// <summary>Whether the options change anything: a redirect address or an allow-list.</summary>
    public static bool IsActive(RedirectOptions? options) =>
        options is not null && (!string.IsNullOrWhiteSpace(options.To) || options.Allow.Any(a => !string.IsNullOrWhiteSpace(a)));

    /// <summary>Parses the options, or returns <see langword="null"/> when they change nothing.</summary>
    /// <exception cref="EmailSendException">A setting is invalid (<see cref="EmailErrorKind.Configuration"/>); the message names it.</exception>
    public static RedirectPolicy? Create(RedirectOptions? options)
    {
        if (!IsActive(options))
        {
            return null;
        }

        var to = string.IsNullOrWhiteSpace(options!.To)
            ? []
            : Parse(() => AddressParser.ParseList(options.To, "Redirect:To").ToArray(), "Redirect:To");
        var unlisted = options.Unlisted ?? (to.Length > 0 ? UnlistedRecipients.Redirect : UnlistedRecipients.Refuse);
        if (unlisted == UnlistedRecipients.Redirect && to.Length == 0)
        {
            throw Invalid("Redirect:Unlisted is Redirect, but Redirect:To names no address to redirect to.");
        }

        if (unlisted != UnlistedRecipients.Redirect && to.Length > 0)
        {
            throw Invalid($"Redirect:To is set, but Redirect:Unlisted is {unlisted}, so no message would go to it: remove one of them.");
        }

        var policy = new RedirectPolicy(to, unlisted);
        foreach (var entry in options.Allow.SelectMany(a => (a ?? string.Empty).Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            policy.AddPattern(entry);
        }

        return policy;
    }

    /// <summary>Whether the allow-list lets <paramref name="recipient"/> receive mail as addressed.</summary>
    public bool Allows(MailboxAddress recipient)
    {
        if (_addresses.Contains(recipient.Address))
        {
            return true;
        }

        var domain = Domain(recipient.Domain);
        if (_domains.Contains(domain))
        {
            return true;
        }

        foreach (var parent in _parentDomains)
        {
            if (domain.Length > parent.Length + 1 && domain.EndsWith(parent, StringComparison.OrdinalIgnoreCase) && domain[^(parent.Length + 1)] == '.')
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Describes the policy for the start-up warning, without the allow-list's addresses.</summary>
    public string Describe()
    {
        var allow = AllowCount == 0 ? "every recipient" : string.Create(CultureInfo.InvariantCulture, $"every recipient outside the allow-list ({AllowCount} entries)");
        return Unlisted switch
        {
            UnlistedRecipients.Redirect => $"{allow} is replaced by {string.Join(", ", To.Select(t => t.Address))}",
            UnlistedRecipients.Drop => $"{allow} is dropped",
            _ => $"a message to {allow} is refused",
        };
    }

    private void AddPattern(string entry)
    {
        if (entry.StartsWith("*.", StringComparison.Ordinal))
        {
            _parentDomains.Add(CheckedDomain(entry[2..], entry));
        }
        else if (entry.StartsWith('@'))
        {
            _domains.Add(CheckedDomain(entry[1..], entry));
        }
        else if (entry.Contains('@', StringComparison.Ordinal))
        {
            _addresses.Add(Parse(() => AddressParser.ParseMailbox(entry, "Redirect:Allow"), "Redirect:Allow").Address);
        }
        else
        {
            _domains.Add(CheckedDomain(entry, entry));
        }
    }

    private static string CheckedDomain(string domain, string entry)
    {
        if (domain.Length == 0 || domain.Contains('*', StringComparison.Ordinal) || !HostNames.IsEhloName(Domain(domain)))
        {
            throw Invalid($"Redirect:Allow holds '{entry}', which is not an address (ann@example.com), a domain (example.com or @example.com) or a subdomain pattern (*.example.com).");
        }

        return Domain(domain);
    }

    /// <summary>The domain in ASCII (an internationalized name as punycode), so both spellings match.</summary>
    private static string Domain(string domain)
    {
        try
        {
            return new IdnMapping().GetAscii(domain.TrimEnd('.'));
        }
        catch (ArgumentException)
        {
            return domain;
        }
    }

    private static T Parse<T>(Func<T> parse, string setting)
    {
        try
        {
            return parse();
        }
        catch (EmailSendException ex)
        {
            // The parser names the setting; the kind says the fault is in the configuration, not in a message.
            throw Invalid(ex.Message.Contains(setting, StringComparison.Ordinal) ? ex.Message : $"{setting}: {ex.Message}");
        }
    }

    private static EmailSendException Invalid(string message) => new(EmailErrorKind.Configuration, message);
}
