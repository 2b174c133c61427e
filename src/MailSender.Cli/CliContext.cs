namespace MailSender.Cli;

/// <summary>What a command may touch outside its arguments: its output streams and the environment variables.</summary>
/// <param name="Output">Standard output: results, help, and with <c>--json</c> the JSON documents.</param>
/// <param name="Error">Standard error: the one-line error and its hint.</param>
/// <param name="GetEnvironmentVariable">Reads an environment variable; tests pass their own.</param>
internal sealed record CliContext(TextWriter Output, TextWriter Error, Func<string, string?> GetEnvironmentVariable)
{
    /// <summary>Gets the process's Ctrl+C and SIGTERM, for a command that treats a second one apart; <see langword="null"/> when nothing signals (tests that do not).</summary>
    public StopSignals? Signals { get; init; }

    /// <summary>Gets standard input, read by <c>--model -</c>; empty unless set.</summary>
    public TextReader Input { get; init; } = TextReader.Null;
}
