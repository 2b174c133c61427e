namespace MailSender;

/// <summary>
/// A recipient the server refused, with the server's reply.
/// </summary>
/// <param name="Address">The envelope address.</param>
/// <param name="StatusCode">The SMTP reply code, e.g. 550.</param>
/// <param name="EnhancedStatusCode">The enhanced status code, e.g. <c>5.1.1</c>, when the server sent one.</param>
/// <param name="ServerText">The server's reply text.</param>
public sealed record RejectedRecipient(string Address, int StatusCode, string? EnhancedStatusCode, string? ServerText)
{
    /// <summary>Gets a value indicating whether the refusal is temporary (a 4xx reply) so a later retry may succeed.</summary>
    public bool IsTransient => StatusCode is >= 400 and < 500;
}
