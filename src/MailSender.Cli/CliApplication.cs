using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using MailSender.Cli.Bulk;
using MailSender.Cli.Doctor;
using MailSender.Cli.Lint;
using MailSender.Cli.Outbox;
using MailSender.Cli.Output;
using MailSender.Cli.Providers;
using MailSender.Cli.Probe;
using MailSender.Cli.Render;
using MailSender.Cli.Send;
using MailSender.Cli.Verify;

namespace MailSender.Cli;

/// <summary>The <c>mailsender</c> program: parses the command line, runs one command and returns the exit code.</summary>
/// <remarks>Kept apart from <see cref="Program"/> so tests run it in-process with their own writers and environment.</remarks>
internal static class CliApplication
{
    /// <summary>The tool's command name, used in help whatever the executable is called.</summary>
    public const string Name = "mailsender";

    /// <summary>Runs the command line <paramref name="args"/> with the given outputs and environment.</summary>
    /// <returns>The exit code, one of <see cref="ExitCodes"/>.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);

        var root = CreateRootCommand(context);
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            // System.CommandLine would print the errors and the whole help and return 1; the contract is one line and exit code 2.
            var usage = CommandPath(parseResult.CommandResult);
            new ConsoleReporter(context, WantsJson(parseResult), RedactorFor(args, context)).WriteError(CliError.Usage(
                string.Join(" ", parseResult.Errors.Select(e => e.Message)),
                $"Run '{usage} --help' for usage."));
            return ExitCodes.UsageError;
        }

        var invocation = new InvocationConfiguration
        {
            Output = context.Output,
            Error = context.Error,

            // Program owns Ctrl+C; the library must not install its own handler in tests.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            new ConsoleReporter(context, WantsJson(parseResult), RedactorFor(args, context)).WriteError(CliError.Unexpected(ex));
            return ExitCodes.SendFailed;
        }
    }

    /// <summary>Creates the command tree: <c>send</c>, <c>render</c>, <c>providers</c>, <c>probe</c>, <c>verify</c>, <c>worker</c> and <c>outbox</c>.</summary>
    /// <remarks>
    /// A plain <see cref="Command"/> named <c>mailsender</c> rather than a <see cref="RootCommand"/>, whose name is the
    /// executable's (<c>MailSender.Cli</c> under <c>dotnet</c>, <c>testhost</c> in tests) and would show in the help.
    /// </remarks>
    internal static Command CreateRootCommand(CliContext context)
    {
        var root = new Command(Name, "Send e-mail from the command line through a pickup folder or an SMTP server.");
        var help = new HelpOption();
        help.Action = new EpilogHelpAction((SynchronousCommandLineAction)help.Action!);
        root.Options.Add(help);
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(new SendCommand(context));
        root.Subcommands.Add(new RenderCommand(context));
        root.Subcommands.Add(new ProvidersCommand(context));
        root.Subcommands.Add(new ProbeCommand(context));
        root.Subcommands.Add(new VerifyCommand(context));
        root.Subcommands.Add(new WorkerCommand(context));
        root.Subcommands.Add(new OutboxCommand(context));
        root.Subcommands.Add(new BulkCommand(context));
        root.Subcommands.Add(new LintCommand(context));
        root.Subcommands.Add(new DoctorCommand(context));
        return root;
    }

    /// <summary>The command's name with its parents', e.g. <c>mailsender outbox show</c>, for the hint of a parse error.</summary>
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult command)
            {
                names.Insert(0, command.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    /// <summary>Masks the transport's and the outbox store's passwords in messages that may quote the command line, such as parse errors.</summary>
    private static SecretRedactor RedactorFor(IReadOnlyList<string> args, CliContext context) =>
        SecretRedactor.ForTransport(OptionValue(args, "--transport") ?? context.GetEnvironmentVariable(CliDefaults.TransportVariable))
            .With(OutboxCli.Redactor(OptionValue(args, "--outbox") ?? OutboxCli.StoreFromEnvironment(context)));

    private static string? OptionValue(IReadOnlyList<string> args, string name)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == name && i + 1 < args.Count)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith(name + "=", StringComparison.Ordinal) || args[i].StartsWith(name + ":", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }

    private static bool WantsJson(ParseResult parseResult) =>
        parseResult.Tokens.Any(t => t.Type == TokenType.Option && t.Value == "--json");
}
