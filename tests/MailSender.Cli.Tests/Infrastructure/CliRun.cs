namespace MailSender.Cli.Tests.Infrastructure;

/// <summary>The outcome of one in-process run of the CLI.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>Gets standard error split into lines, without the trailing empty one.</summary>
    public string[] ErrorLines => Error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Runs <c>mailsender</c> with <paramref name="args"/> and an environment holding only <paramref name="environment"/>.</summary>
    public static async Task<CliRun> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var variables = environment ?? new Dictionary<string, string>();

        // The machine's own MAILSENDER_* variables must not leak into the tests.
        var context = new CliContext(output, error, name => variables.GetValueOrDefault(name));
        var exitCode = await CliApplication.RunAsync(args, context, cancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>mailsender</c> with <paramref name="input"/> as standard input (for <c>--model -</c>).</summary>
    public static async Task<CliRun> RunWithInputAsync(string[] args, string input, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var variables = environment ?? new Dictionary<string, string>();
        var context = new CliContext(output, error, name => variables.GetValueOrDefault(name)) { Input = reader };
        var exitCode = await CliApplication.RunAsync(args, context);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs <c>mailsender</c> with standard error written to <paramref name="error"/> as it comes (standard output is returned as usual).</summary>
    public static async Task<CliRun> RunAsync(string[] args, TextWriter error, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var output = new StringWriter();
        var variables = environment ?? new Dictionary<string, string>();
        var context = new CliContext(output, error, name => variables.GetValueOrDefault(name));
        var exitCode = await CliApplication.RunAsync(args, context);
        return new CliRun(exitCode, output.ToString(), error.ToString() ?? string.Empty);
    }

    public override string ToString() => $"exit {ExitCode}{Environment.NewLine}stdout: {Output}{Environment.NewLine}stderr: {Error}";
}
