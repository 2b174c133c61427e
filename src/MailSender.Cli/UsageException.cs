namespace MailSender.Cli;

/// <summary>Thrown for a bad argument the parser cannot catch (a malformed address, an unreadable file); it ends the command with exit code 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message, string? hint = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Hint = hint;
    }

    /// <summary>Gets advice in plain words, or <see langword="null"/>.</summary>
    public string? Hint { get; }
}
