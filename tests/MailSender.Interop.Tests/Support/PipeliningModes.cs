namespace MailSender.Interop.Tests.Support;

/// <summary>
/// The values of the transport URI's <c>pipelining=</c> option every interop test runs with: the one place the list is kept.
/// </summary>
/// <remarks>
/// <c>MAILSENDER_INTEROP_PIPELINING_MODES</c> (comma-separated) replaces the list for a local run; the value <c>default</c>
/// leaves the option out of the URI (for an engine that does not know it yet). CI sets nothing: all three modes run.
/// </remarks>
public static class PipeliningModes
{
    /// <summary>The environment variable that replaces <see cref="Standard"/> for a local run.</summary>
    public const string OverrideVariable = "MAILSENDER_INTEROP_PIPELINING_MODES";

    /// <summary>The mode that leaves <c>pipelining=</c> out of the URI.</summary>
    public const string Default = "default";

    /// <summary>The modes the suite runs with.</summary>
    public static readonly IReadOnlyList<string> Standard = ["off", "on", "aggressive"];

    /// <summary>Gets the modes in force: <see cref="Standard"/> unless <see cref="OverrideVariable"/> names others.</summary>
    public static IReadOnlyList<string> All { get; } = Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } configured
        ? configured.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : Standard;

    /// <summary>The URI option for <paramref name="mode"/>: <c>pipelining=MODE</c>, or nothing for <see cref="Default"/>.</summary>
    public static string? UriOption(string mode) => mode == Default ? null : "pipelining=" + mode;
}
