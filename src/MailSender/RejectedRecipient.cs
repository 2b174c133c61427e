namespace MailSender;

/// <summary>
/// A recipient the server refused, with the server's reply.
/// </summary>
public sealed class RejectedRecipient
{
    /// <summary>Initializes a new instance of the <see cref="RejectedRecipient"/> class.</summary>
    /// <param name="address">The envelope address.</param>
    /// <param name="statusCode">The SMTP reply code, e.g. 550.</param>
    /// <param name="enhancedStatusCode">The enhanced status code, e.g. <c>5.1.1</c>, when the server sent one.</param>
    /// <param name="serverText">The server's reply text.</param>
    public RejectedRecipient(string address, int statusCode, string? enhancedStatusCode, string? serverText)
    {
        ArgumentNullException.ThrowIfNull(address);
        Address = address;
        StatusCode = statusCode;
        EnhancedStatusCode = enhancedStatusCode;
        ServerText = serverText;
    }

    /// <summary>Gets the envelope address.</summary>
    public string Address { get; }

    /// <summary>Gets the SMTP reply code, e.g. 550.</summary>
    public int StatusCode { get; }

    /// <summary>Gets the enhanced status code, e.g. <c>5.1.1</c>, when the server sent one.</summary>
    public string? EnhancedStatusCode { get; }

    /// <summary>Gets the server's reply text.</summary>
    public string? ServerText { get; }

    /// <summary>Gets a value indicating whether the refusal is temporary (a 4xx reply) so a later retry may succeed.</summary>
    public bool IsTransient => StatusCode is >= 400 and < 500;

    /// <summary>Returns the address and the reply, e.g. <c>bob@example.com: 550 5.1.1 no such user</c>.</summary>
    /// <returns>The recipient as text.</returns>
    public override string ToString() => $"{Address}: {StatusCode} {ServerText}";
}
