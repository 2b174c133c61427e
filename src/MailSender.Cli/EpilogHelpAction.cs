using System.CommandLine;
using System.CommandLine.Invocation;

namespace MailSender.Cli;

/// <summary>Prints the standard help, then the command's <see cref="IHasHelpEpilog.HelpEpilog"/>, if it has one.</summary>
internal sealed class EpilogHelpAction(SynchronousCommandLineAction inner) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => inner.ClearsParseErrors;

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var exitCode = inner.Invoke(parseResult);
        if (parseResult.CommandResult.Command is IHasHelpEpilog command)
        {
            parseResult.InvocationConfiguration.Output.Write(command.HelpEpilog);
        }

        return exitCode;
    }
}
