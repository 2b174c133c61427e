using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MailSender.Cli.Attempts;

/// <summary>
/// How long a command that talks to a server may take, and how often a send is tried: the <c>--timeout</c> and
/// <c>--retries</c> options and the defaults for a person waiting at a terminal (the library's suit a service).
/// </summary>
internal static class WaitLimits
{
    /// <summary>The whole command's time limit when <c>--timeout</c> is absent.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long connecting (TCP, TLS, greeting, EHLO) may take, unless the transport URI says <c>connectTimeout=</c>: a server that never greets is reported after this.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long each reply or write may take after connecting, unless the transport URI says <c>timeout=</c>.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Retries after a transient failure when <c>--retries</c> is absent: three attempts in all.</summary>
    public const int DefaultRetries = 2;

    /// <summary>The most <c>--retries</c> takes (the library's limit is higher; more does not suit a command someone waits for).</summary>
    public const int MaxRetries = 10;

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>Creates the <c>--timeout DURATION</c> option: the whole command's limit, written as the transport URIs write durations.</summary>
    /// <param name="what">What the limit covers, for the help, e.g. "The whole command, all attempts included".</param>
    public static Option<TimeSpan?> TimeoutOption(string what) => new("--timeout")
    {
        Description = $"{what}: 30s, 2m, 1h, 500ms, 00:01:30, or a number of seconds. Default: {Describe(DefaultTimeout)}.",
        HelpName = "DURATION",
        CustomParser = ParseTimeout,
    };

    /// <summary>Creates the <c>--retries N</c> option of <c>send</c>.</summary>
    public static Option<int?> RetriesOption() => new("--retries")
    {
        Description = $"How often a transient failure (no connection, timeout, 4xx reply) is tried again; 0 tries once. Default: {DefaultRetries}. Every failed attempt is reported on standard error as it happens.",
        HelpName = "N",
        CustomParser = ParseRetries,
    };

    /// <summary>
    /// Applies the limits to a sender's options: the whole send within <paramref name="timeout"/>, at most
    /// <paramref name="retries"/> retries, and connect and command timeouts that report a silent server early.
    /// </summary>
    /// <remarks>Parameters of the transport URI (<c>connectTimeout=</c>, <c>timeout=</c>) still win over these properties.</remarks>
    public static void Apply(MailSenderOptions options, TimeSpan timeout, int retries)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Smtp.ConnectTimeout = Min(ConnectTimeout, timeout);
        options.Smtp.CommandTimeout = Min(CommandTimeout, timeout);
        options.Resilience.TotalTimeout.Timeout = timeout;

        // One attempt may use the whole budget (a large message on a slow link); the library requires attempt <= total.
        options.Resilience.AttemptTimeout.Timeout = Min(options.Resilience.AttemptTimeout.Timeout, timeout);
        options.Resilience.Retry.Enabled = retries > 0;
        if (retries > 0)
        {
            options.Resilience.Retry.MaxRetryAttempts = retries;
        }
    }

    /// <summary>Describes a duration the way the help and the messages do: <c>60 s</c>, <c>1.5 s</c>, <c>500 ms</c>.</summary>
    public static string Describe(TimeSpan value) => value.TotalSeconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.#} s")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0} ms");

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan? ParseTimeout(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;

        // The library's duration grammar (the transport URIs' timeout=), so one way of writing a duration works everywhere.
        if (MailSender.Internal.SettingParser.TryParseDuration(text, out var value) && value > TimeSpan.Zero && value <= MaxTimeout)
        {
            return value;
        }

        result.AddError($"--timeout '{text}' is not a duration from 1 ms to 1 day: write it as 30s, 2m, 500ms or 00:01:30.");
        return null;
    }

    private static int? ParseRetries(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= MaxRetries)
        {
            return value;
        }

        result.AddError(string.Create(CultureInfo.InvariantCulture, $"--retries '{text}' is not a whole number from 0 to {MaxRetries}."));
        return null;
    }
}
