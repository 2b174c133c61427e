namespace MailSender.Smtp.Protocol;

/// <summary>Where in the SMTP conversation a failure happened.</summary>
internal enum SmtpPhase
{
    Connect,
    Authenticate,
    Envelope,
    Data,
}
