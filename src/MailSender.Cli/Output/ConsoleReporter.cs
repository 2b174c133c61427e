using System.Globalization;
using System.Text.Json;

namespace MailSender.Cli.Output;

/// <summary>Prints results and errors in the CLI's contract: human-readable lines, or one JSON object with <c>--json</c>.</summary>
/// <param name="context">Where to print.</param>
/// <param name="json">Whether to print JSON documents rather than lines.</param>
/// <param name="redactor">Masks secrets in error messages; <see cref="SecretRedactor.None"/> when there are none.</param>
internal sealed class ConsoleReporter(CliContext context, bool json, SecretRedactor redactor)
{
    public ConsoleReporter(CliContext context, bool json)
        : this(context, json, SecretRedactor.None)
    {
    }

    /// <summary>Gets the redactor of this command's secrets, for other writers of its output.</summary>
    public SecretRedactor Redactor => redactor;

    /// <summary>Prints what the transport did with the message.</summary>
    public void WriteResult(SendResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var output = context.Output;
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(SendResultDocument.From(result), CliJsonContext.Output.SendResultDocument));
            return;
        }

        if (result.FilePath is not null)
        {
            output.WriteLine("Wrote " + result.FilePath);
            output.WriteLine("Message-Id: " + result.MessageId);
        }
        else
        {
            var response = string.IsNullOrEmpty(result.ServerResponse) ? string.Empty : ": " + OneLine(result.ServerResponse);
            output.WriteLine($"Sent {result.MessageId} via {result.Transport}{response}");
        }

        foreach (var rejected in result.RejectedRecipients)
        {
            var code = rejected.EnhancedStatusCode is null
                ? rejected.StatusCode.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{rejected.StatusCode} {rejected.EnhancedStatusCode}");
            output.WriteLine($"Rejected {rejected.Address}: {code} {OneLine(rejected.ServerText ?? string.Empty)}".TrimEnd());
        }
    }

    /// <summary>Prints <c>mailsender: KIND: MESSAGE</c> (and <c>hint: HINT</c>) on standard error, and the error document on standard output with <c>--json</c>.</summary>
    public void WriteError(CliError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        error = error with { Message = redactor.Redact(error.Message)!, Hint = redactor.Redact(error.Hint) };
        context.Error.WriteLine($"mailsender: {error.Kind}: {OneLine(error.Message)}");
        if (!string.IsNullOrWhiteSpace(error.Hint))
        {
            context.Error.WriteLine("hint: " + OneLine(error.Hint));
        }

        if (json)
        {
            context.Output.WriteLine(JsonSerializer.Serialize(ErrorDocument.From(error), CliJsonContext.Output.ErrorDocument));
        }
    }

    /// <summary>Prints <c>mailsender: warning: MESSAGE</c> on standard error; standard output (and its JSON) is unchanged.</summary>
    public void WriteWarning(string message) =>
        context.Error.WriteLine("mailsender: warning: " + OneLine(message));

    /// <summary>Warns that a password given on the command line can be read by others; never prints the password.</summary>
    /// <param name="option">The option that carried it, such as <c>--transport</c>.</param>
    public void WarnPasswordOnCommandLine(string option) =>
        WriteWarning($"the password in {option} is visible to other users in the process list and stays in the shell history; " +
            $"leave it out and set {CliDefaults.PasswordVariable} instead.");

    // Server replies and exception messages may span lines; the contract is one line per error.
    private static string OneLine(string text) =>
        text.ReplaceLineEndings(" ").Trim();
}
