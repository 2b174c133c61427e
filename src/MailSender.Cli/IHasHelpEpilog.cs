namespace MailSender.Cli;

/// <summary>A command with text to print after its generated help, such as its environment variables and exit codes.</summary>
internal interface IHasHelpEpilog
{
    /// <summary>Gets the text printed after the help, starting with a blank line.</summary>
    string HelpEpilog { get; }
}
