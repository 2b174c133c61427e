namespace MailSender.TestSupport;

/// <summary>A fault a <see cref="ScriptedSmtpServer"/> injects into every session.</summary>
public enum SmtpFault
{
    /// <summary>Behave.</summary>
    None,

    /// <summary>Send the greeting, then close once the client's first command has arrived, without replying to it.</summary>
    CloseAfterGreeting,

    /// <summary>Close when the first RCPT arrives, without replying to it.</summary>
    CloseAfterRcpt,

    /// <summary>Reset the connection after <see cref="SmtpScript.FaultAfterDataBytes"/> bytes of DATA, before the final dot.</summary>
    CloseDuringData,

    /// <summary>Read the whole message including the final dot, then close without replying.</summary>
    CloseAfterFinalDot,
}
