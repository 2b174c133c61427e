using System.Globalization;

namespace MailSender.Smtp.Direct.MtaSts;

/// <summary>What a domain's MTA-STS policy asks of senders (RFC 8461, 5).</summary>
internal enum MtaStsMode
{
    /// <summary>No policy: deliver as without MTA-STS.</summary>
    None,

    /// <summary>Deliver as usual, but report (here: log) what would fail the policy.</summary>
    Testing,

    /// <summary>Deliver only to matching MX hosts over STARTTLS with a valid certificate; otherwise fail temporarily.</summary>
    Enforce,
}

/// <summary>A parsed MTA-STS policy (RFC 8461, 3.2): its mode, the MX host patterns and how long it may be cached.</summary>
internal sealed record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> MxPatterns, TimeSpan MaxAge)
{
    /// <summary>The longest <c>max_age</c> the RFC allows: 31557600 seconds (about a year).</summary>
    public const long MaxAgeLimit = 31_557_600;

    /// <summary>
    /// Parses a policy body strictly: <c>key: value</c> lines separated by LF or CRLF; <c>version: STSv1</c>, <c>mode</c> and
    /// <c>max_age</c> exactly once each; at least one <c>mx</c> unless the mode is <c>none</c>; unknown keys ignored. Keys and
    /// values are case-sensitive, as the RFC's grammar has them. Returns <see langword="null"/> and the reason when the body is not a valid policy.
    /// </summary>
    public static MtaStsPolicy? Parse(string text, out string? problem)
    {
        string? version = null;
        string? mode = null;
        string? maxAge = null;
        var patterns = new List<string>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                // A final line break (or a blank line) ends the record; nothing meaningful may follow it but more blank lines.
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"line {i + 1} is not a 'key: value' field");
                return null;
            }

            var key = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            if (!IsFieldName(key))
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"line {i + 1} has an invalid field name '{Shorten(key)}'");
                return null;
            }

            switch (key)
            {
                case "version":
                    if (!Once(ref version, value, key, out problem))
                    {
                        return null;
                    }

                    break;
                case "mode":
                    if (!Once(ref mode, value, key, out problem))
                    {
                        return null;
                    }

                    break;
                case "max_age":
                    if (!Once(ref maxAge, value, key, out problem))
                    {
                        return null;
                    }

                    break;
                case "mx":
                    if (!IsValidPattern(value))
                    {
                        problem = $"'{Shorten(value)}' is not a valid mx pattern (a host name, or '*.' and a domain)";
                        return null;
                    }

                    patterns.Add(value.ToLowerInvariant());
                    break;
                default:
                    // Extension fields are ignored (RFC 8461, 3.2).
                    break;
            }
        }

        if (version != "STSv1")
        {
            problem = version is null ? "the version field is missing" : $"the version is '{Shorten(version)}', not STSv1";
            return null;
        }

        MtaStsMode parsedMode;
        switch (mode)
        {
            case "enforce":
                parsedMode = MtaStsMode.Enforce;
                break;
            case "testing":
                parsedMode = MtaStsMode.Testing;
                break;
            case "none":
                parsedMode = MtaStsMode.None;
                break;
            case null:
                problem = "the mode field is missing";
                return null;
            default:
                problem = $"the mode '{Shorten(mode)}' is not one of enforce, testing, none";
                return null;
        }

        if (maxAge is null)
        {
            problem = "the max_age field is missing";
            return null;
        }

        if (maxAge.Length is 0 or > 10 || !maxAge.All(char.IsAsciiDigit) || !long.TryParse(maxAge, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxAgeLimit)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"max_age '{Shorten(maxAge)}' is not a number of seconds from 0 to {MaxAgeLimit}");
            return null;
        }

        if (patterns.Count == 0 && parsedMode != MtaStsMode.None)
        {
            problem = "the policy lists no mx pattern";
            return null;
        }

        problem = null;
        return new MtaStsPolicy(parsedMode, patterns, TimeSpan.FromSeconds(seconds));
    }

    /// <summary>
    /// Gets a value indicating whether an MX host name matches one of the policy's patterns: equal ignoring case, or for <c>*.domain</c>
    /// exactly one label in front of <c>domain</c> (RFC 8461, 4.1). A trailing dot on the host is ignored.
    /// </summary>
    public bool Matches(string host) => MxPatterns.Any(pattern => Matches(pattern, host));

    /// <summary>Matches one pattern against one host name; see <see cref="Matches(string)"/>.</summary>
    public static bool Matches(string pattern, string host)
    {
        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length == 0 || pattern.Length == 0)
        {
            return false;
        }

        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);
        }

        // "*.example.com" matches "mx.example.com" but neither "example.com" nor "a.mx.example.com".
        var suffix = pattern[1..];
        if (!name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var label = name[..^suffix.Length];
        return label.Length > 0 && !label.Contains('.', StringComparison.Ordinal);
    }

    /// <summary>Checks an <c>mx</c> value: a domain name of LDH labels, optionally with <c>*.</c> as the whole leftmost label.</summary>
    public static bool IsValidPattern(string pattern)
    {
        var domain = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern;
        if (domain.Length is 0 or > 253)
        {
            return false;
        }

        var labels = domain.Split('.');
        return labels.All(label =>
            label.Length is > 0 and <= 63 &&
            char.IsAsciiLetterOrDigit(label[0]) &&
            char.IsAsciiLetterOrDigit(label[^1]) &&
            label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }

    private static bool Once(ref string? slot, string value, string key, out string? problem)
    {
        if (slot is not null)
        {
            problem = $"the {key} field appears more than once";
            return false;
        }

        slot = value;
        problem = null;
        return true;
    }

    private static bool IsFieldName(string key) =>
        key.Length is > 0 and <= 32 && char.IsAsciiLetterOrDigit(key[0]) && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    /// <summary>Keeps a quoted piece of a policy short in logs: a hostile body could be 64 KB of one field.</summary>
    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
