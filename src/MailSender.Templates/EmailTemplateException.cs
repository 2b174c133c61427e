namespace MailSender.Templates;

/// <summary>
/// A template could not be found, parsed or rendered. The message names the template and, when known, the file, line
/// and column. It is a fault of the application (its templates or its model), not of the mail server.
/// </summary>
public sealed class EmailTemplateException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="templateName">The template's name.</param>
    /// <param name="message">What went wrong, naming the template.</param>
    /// <param name="innerException">The engine's own exception, if any.</param>
    public EmailTemplateException(string templateName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        TemplateName = templateName;
    }

    /// <summary>The template's name.</summary>
    public string TemplateName { get; }

    /// <summary>The file (a path relative to the template root), when the error is in one.</summary>
    public string? Path { get; init; }

    /// <summary>The line (from 1) of the error, when known.</summary>
    public int? Line { get; init; }

    /// <summary>The column (from 1) of the error, when known.</summary>
    public int? Column { get; init; }
}
