namespace MailSender.Cli.Output;

/// <summary>The JSON form of a <see cref="SendResult"/>, printed by <c>send --json</c>.</summary>
internal sealed record SendResultDocument(
    string MessageId,
    IReadOnlyList<string> AcceptedRecipients,
    IReadOnlyList<RejectedRecipientDocument> RejectedRecipients,
    string? ServerResponse,
    string Transport,
    int Attempts,
    double ElapsedMs,
    string? FilePath)
{
    public static SendResultDocument From(SendResult result) => new(
        result.MessageId,
        result.AcceptedRecipients,
        result.RejectedRecipients.Select(r => new RejectedRecipientDocument(r.Address, r.StatusCode, r.EnhancedStatusCode, r.ServerText)).ToArray(),
        result.ServerResponse,
        result.Transport,
        result.Attempts,
        Math.Round(result.Elapsed.TotalMilliseconds, 1),
        result.FilePath);
}

/// <summary>The JSON form of a <see cref="RejectedRecipient"/>.</summary>
internal sealed record RejectedRecipientDocument(string Address, int StatusCode, string? EnhancedStatusCode, string? ServerText);
