namespace MailSender.Cli.Output;

/// <summary>The JSON document printed on standard output for a failure with <c>--json</c>: <c>{"error": {...}}</c>.</summary>
internal sealed record ErrorDocument(ErrorDetails Error)
{
    public static ErrorDocument From(CliError error) => new(new ErrorDetails(
        error.Kind,
        error.Message,
        error.Hint,
        error.StatusCode,
        error.EnhancedStatusCode,
        error.IsTransient,
        error.MayHaveBeenAccepted));
}

/// <summary>The <c>error</c> object of an <see cref="ErrorDocument"/>.</summary>
internal sealed record ErrorDetails(
    string Kind,
    string Message,
    string? Hint,
    int? StatusCode,
    string? EnhancedStatusCode,
    bool IsTransient,
    bool MayHaveBeenAccepted);
