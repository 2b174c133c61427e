using System.Text;

namespace MailSender.Cli;

/// <summary>The defaults that let <c>mailsender send</c> work on a fresh machine, and the environment variables that change them.</summary>
internal static class CliDefaults
{
    /// <summary>The environment variable read for the transport URI when <c>--transport</c> is absent.</summary>
    public const string TransportVariable = "MAILSENDER_TRANSPORT";

    /// <summary>The environment variable read for the sender when <c>--from</c> is absent.</summary>
    public const string FromVariable = "MAILSENDER_FROM";

    /// <summary>The environment variable the library reads for the password when a user name is set and no password is (safer than the command line).</summary>
    public const string PasswordVariable = "MAILSENDER_PASSWORD";

    /// <summary>The environment variable read for the template folder when <c>--templates</c> is absent.</summary>
    public const string TemplatesVariable = "MAILSENDER_TEMPLATES";

    /// <summary>The template folder used when neither <c>--templates</c> nor <see cref="TemplatesVariable"/> is set: <c>./templates</c>.</summary>
    public const string Templates = "templates";

    /// <summary>The transport used when neither <c>--transport</c> nor <see cref="TransportVariable"/> is set: the folder <c>./outbox</c>, so no server is needed.</summary>
    public const string Transport = "pickup:outbox";

    /// <summary>Returns whether <paramref name="transport"/> names a user but no password, so the password comes from <see cref="PasswordVariable"/>.</summary>
    public static bool HasUserWithoutPassword(string transport) =>
        TransportUri.TryParse(transport, out var uri, out _) && uri.UserName is not null && uri.Password is null;

    /// <summary>Returns <c>user@machine</c> for the current user, reduced to characters every mail parser accepts.</summary>
    public static string LocalAddress() => LocalAddress(Environment.UserName, Environment.MachineName);

    /// <summary>Returns <c>user@machine</c>, lower-cased, with every character outside <c>[a-z0-9.-]</c> replaced by <c>-</c>.</summary>
    internal static string LocalAddress(string? userName, string? machineName) =>
        Sanitize(userName, "mailsender") + "@" + Sanitize(machineName, "localhost");

    private static string Sanitize(string? text, string fallback)
    {
        var result = new StringBuilder(text?.Length ?? 0);
        foreach (var c in (text ?? string.Empty).ToLowerInvariant())
        {
            result.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-' ? c : '-');
        }

        // Leading, trailing or doubled dots would make the address invalid.
        while (result.ToString().Contains("..", StringComparison.Ordinal))
        {
            result.Replace("..", ".");
        }

        var trimmed = result.ToString().Trim('.');
        return trimmed.Length == 0 ? fallback : trimmed;
    }
}
