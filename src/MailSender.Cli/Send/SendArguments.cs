namespace MailSender.Cli.Send;

/// <summary>The arguments of <c>mailsender send</c>, as given on the command line, before any check.</summary>
internal sealed record SendArguments
{
    public IReadOnlyList<string> To { get; init; } = [];

    public IReadOnlyList<string> Cc { get; init; } = [];

    public IReadOnlyList<string> Bcc { get; init; } = [];

    public string? From { get; init; }

    /// <summary>Gets the <c>--subject</c> value; <see langword="null"/> with <c>--template</c>, whose subject is rendered.</summary>
    public string? Subject { get; init; }

    public string? Text { get; init; }

    public string? TextFile { get; init; }

    public string? HtmlFile { get; init; }

    public IReadOnlyList<string> Attachments { get; init; } = [];
}
