namespace MailSender.Samples.MinimalApi;

/// <summary>The body of <c>POST /send</c>: <c>{"to": "ann@example.com", "subject": "Hello", "text": "Hi", "html": "&lt;p&gt;Hi&lt;/p&gt;"}</c>.</summary>
/// <param name="To">The recipient(s), separated by commas.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="Text">The plain-text body.</param>
/// <param name="Html">The HTML body.</param>
public sealed record SendRequest(string To, string Subject, string? Text, string? Html = null);
