namespace MailSender;

/// <summary>The default values of the options, in one place.</summary>
internal static class MailSenderDefaults
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    public const int SmtpPort = 587;
    public const int SmtpsPort = 465;
}
