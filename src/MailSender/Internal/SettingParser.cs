using System.Globalization;

namespace MailSender.Internal;

/// <summary>Reads transport URI parameters, with errors that name the parameter.</summary>
internal static class SettingParser
{
    /// <summary>Parses a duration such as <c>30s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>, a number of seconds, or <c>00:00:30</c>.</summary>
    /// <returns><see langword="false"/> for anything else, a negative value, or one too large for <see cref="TimeSpan"/> (e.g. <c>1e400</c>).</returns>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return TryFromSeconds(number * scale, out value);
            }
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryFromSeconds(seconds, out value);
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    /// <summary>Reads a duration parameter, which must lie within [<see cref="MailSenderDefaults.MinTimeout"/>, <see cref="MailSenderDefaults.MaxDuration"/>].</summary>
    public static TimeSpan Duration(TransportUri uri, string name, TimeSpan fallback)
    {
        if (!uri.Parameters.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (!TryParseDuration(text, out var value) || value < MailSenderDefaults.MinTimeout || value > MailSenderDefaults.MaxDuration)
        {
            throw Bad(uri, name, $"'{text}' is not a duration from {Describe(MailSenderDefaults.MinTimeout)} to {Describe(MailSenderDefaults.MaxDuration)} (e.g. 30s, 500ms, 2m)");
        }

        return value;
    }

    /// <summary>Describes a limit in words: <c>1 ms</c>, <c>1 day</c>.</summary>
    private static string Describe(TimeSpan value) => value switch
    {
        { TotalDays: >= 1 } when value.TotalDays % 1 == 0 => value.TotalDays == 1 ? "1 day" : string.Create(CultureInfo.InvariantCulture, $"{value.TotalDays:0} days"),
        { TotalSeconds: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0.###} ms"),
    };

    private static bool TryFromSeconds(double seconds, out TimeSpan value)
    {
        // TimeSpan.FromSeconds throws OverflowException past about 29,000 years, and for infinity or NaN.
        if (!double.IsFinite(seconds) || seconds < 0 || seconds >= TimeSpan.MaxValue.TotalSeconds)
        {
            value = default;
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public static int Integer(TransportUri uri, string name, int fallback, int minimum, int maximum)
    {
        if (!uri.Parameters.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum || value > maximum)
        {
            throw Bad(uri, name, $"'{text}' is not a whole number from {minimum} to {maximum}");
        }

        return value;
    }

    public static bool Boolean(TransportUri uri, string name, bool fallback)
    {
        if (!uri.Parameters.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return text.ToLowerInvariant() switch
        {
            "true" or "yes" or "1" or "on" => true,
            "false" or "no" or "0" or "off" => false,
            _ => throw Bad(uri, name, $"'{text}' is not true or false"),
        };
    }

    public static string? Text(TransportUri uri, string name, string? fallback) =>
        uri.Parameters.TryGetValue(name, out var text) && text.Length > 0 ? text : fallback;

    /// <summary>Reads the EHLO name: the URI's, which must be a domain or an address literal (a line break would inject commands), else the option (checked by the options validator).</summary>
    public static string? EhloName(TransportUri uri, string? configured)
    {
        if (!uri.Parameters.TryGetValue("ehlo", out var text) || text.Length == 0)
        {
            return string.IsNullOrEmpty(configured) ? null : configured;
        }

        return HostNames.IsEhloName(text)
            ? text
            : throw Bad(uri, "ehlo", "expected a domain name (e.g. app.example.com) or an address literal (e.g. [192.0.2.1]), without spaces or line breaks");
    }

    /// <summary>Rejects parameters a transport does not know, so a typo is not silently ignored.</summary>
    public static void RejectUnknown(TransportUri uri, IReadOnlyCollection<string> known)
    {
        foreach (var name in uri.Parameters.Keys)
        {
            if (!known.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new EmailSendException(EmailErrorKind.Configuration, $"Invalid transport URI {uri.Endpoint}: unknown option '{name}' for '{uri.Scheme}:'.")
                {
                    Hint = "Known options: " + string.Join(", ", known) + ". See docs/configuration.md.",
                };
            }
        }
    }

    public static EmailSendException Bad(TransportUri uri, string name, string problem) =>
        new(EmailErrorKind.Configuration, $"Invalid transport URI {uri.Endpoint}: option '{name}': {problem}.");

    /// <summary>The <c>pipelining</c> parameter over the option.</summary>
    public static SmtpPipelining Pipelining(TransportUri uri, SmtpPipelining fallback)
    {
        if (!uri.Parameters.TryGetValue("pipelining", out var text))
        {
            return fallback;
        }

        return text.ToLowerInvariant() switch
        {
            "off" => SmtpPipelining.Off,
            "on" => SmtpPipelining.On,
            "aggressive" => SmtpPipelining.Aggressive,
            _ => throw Bad(uri, "pipelining", $"'{text}' is not one of off, on, aggressive"),
        };
    }
}
