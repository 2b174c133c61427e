namespace MailSender.Templates.Razor.Rendering;

/// <summary>The elements <see cref="EmailSubject"/> and <see cref="EmailText"/> render, which the engine takes out of the HTML.</summary>
internal static class RazorMarkers
{
    /// <summary>The element around the subject.</summary>
    public const string Subject = "mailsender-subject";

    /// <summary>The element around the text body.</summary>
    public const string Text = "mailsender-text";
}
