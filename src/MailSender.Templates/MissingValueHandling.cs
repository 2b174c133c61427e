namespace MailSender.Templates;

/// <summary>What a template does with a variable or member its model does not have.</summary>
public enum MissingValueHandling
{
    /// <summary>Fails the rendering with an <see cref="EmailTemplateException"/> naming the variable (the default).</summary>
    Error,

    /// <summary>Renders it as empty text.</summary>
    Empty,
}
