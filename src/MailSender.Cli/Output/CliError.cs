using Microsoft.Extensions.Options;

namespace MailSender.Cli.Output;

/// <summary>A failure as the CLI reports it: one line on standard error, and with <c>--json</c> an error document on standard output.</summary>
/// <param name="Kind">What went wrong: an <see cref="EmailErrorKind"/> name, <see cref="UsageKind"/> for bad arguments, or <see cref="TemplateKind"/>.</param>
/// <param name="Message">What happened, free of secrets.</param>
/// <param name="ExitCode">The process exit code, one of <see cref="ExitCodes"/>.</param>
internal sealed record CliError(string Kind, string Message, int ExitCode)
{
    /// <summary>The kind reported for arguments the command cannot use.</summary>
    public const string UsageKind = "Usage";

    /// <summary>The kind reported for a template that is missing, does not parse or fails to render (exit code 2, like bad arguments).</summary>
    public const string TemplateKind = "Template";

    /// <summary>The kind reported when Ctrl+C stopped the command.</summary>
    public const string CancelledKind = "Cancelled";

    /// <summary>Gets advice in plain words, or <see langword="null"/>.</summary>
    public string? Hint { get; init; }

    /// <summary>Gets the SMTP reply code, when a server replied.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets the enhanced status code (e.g. <c>5.7.8</c>), when the server sent one.</summary>
    public string? EnhancedStatusCode { get; init; }

    /// <summary>Gets a value indicating whether trying again later may succeed.</summary>
    public bool IsTransient { get; init; }

    /// <summary>Gets a value indicating whether the server may have accepted the message anyway, so resending could duplicate it.</summary>
    public bool MayHaveBeenAccepted { get; init; }

    public static CliError Usage(string message, string? hint = null) =>
        new(UsageKind, message, ExitCodes.UsageError) { Hint = hint };

    public static CliError From(UsageException exception) => Usage(exception.Message, exception.Hint);

    public static CliError From(EmailSendException exception) =>
        new(exception.Kind.ToString(), exception.Message, IsUsageProblem(exception.Kind) ? ExitCodes.UsageError : ExitCodes.SendFailed)
        {
            Hint = exception.Hint,
            StatusCode = exception.StatusCode,
            EnhancedStatusCode = exception.EnhancedStatusCode,
            IsTransient = exception.IsTransient,
            MayHaveBeenAccepted = exception.MayHaveBeenAccepted,
        };

    /// <summary>The library's error, with the settings it names worded as the command's options (<paramref name="names"/>).</summary>
    public static CliError From(EmailSendException exception, SettingNames names) =>
        From(exception) with { Message = names.Rename(exception.Message)!, Hint = names.Rename(exception.Hint) };

    /// <summary>A failed validation of the options the command built, each failure named by the option that set it (<paramref name="names"/>).</summary>
    public static CliError From(OptionsValidationException exception, SettingNames names) =>
        new(nameof(EmailErrorKind.Configuration), names.Describe(exception), ExitCodes.UsageError)
        {
            Hint = $"Check --transport (or {CliDefaults.TransportVariable}) and --from (or {CliDefaults.FromVariable}).",
        };

    public static CliError Cancelled() =>
        new(CancelledKind, "Cancelled before the message was handed over; nothing was sent.", ExitCodes.Cancelled);

    public static CliError Unexpected(Exception exception) =>
        new("Unexpected", $"{exception.GetType().Name}: {exception.Message}", ExitCodes.SendFailed)
        {
            Hint = "This is a bug in mailsender; please report it with the command line (without passwords).",
        };

    // Nothing was handed to a transport: the arguments or the configuration must change, exactly like a usage error.
    private static bool IsUsageProblem(EmailErrorKind kind) => kind is EmailErrorKind.Configuration or EmailErrorKind.InvalidMessage;
}
