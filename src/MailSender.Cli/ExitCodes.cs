namespace MailSender.Cli;

/// <summary>The process exit codes of every <c>mailsender</c> command.</summary>
internal static class ExitCodes
{
    /// <summary>Done: every recipient was accepted.</summary>
    public const int Success = 0;

    /// <summary>Sending failed (connection, TLS, authentication, server refusal...): nothing, or not everything, was sent.</summary>
    public const int SendFailed = 1;

    /// <summary>Bad arguments or configuration (unknown option, malformed address, unreadable file, bad transport URI), or a template error (missing, does not parse, a value the model lacks); nothing was sent.</summary>
    public const int UsageError = 2;

    /// <summary>The message was sent, but the server refused some of the recipients.</summary>
    public const int RecipientsRejected = 3;

    /// <summary>Cancelled with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
