namespace MailSender.Smtp.Detection;

/// <summary>What detection probes when nothing else is configured, and how briefly it says goodbye.</summary>
internal static class DetectionDefaults
{
    /// <summary>Implicit TLS first, then the STARTTLS ports (RFC 8314 order); 2525 is the common alternative when 587 is blocked.</summary>
    public static readonly int[] Ports = [465, 587, 25, 2525];

    /// <summary>How long QUIT may take at the end of a probe; its answer changes nothing.</summary>
    public static readonly TimeSpan QuitTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Returns the modes a port is probed with: implicit TLS on 465, STARTTLS on the well-known submission and relay ports, both elsewhere.</summary>
    public static SmtpSecurity[] ModesFor(int port) => port switch
    {
        465 => [SmtpSecurity.Implicit],
        587 or 25 or 2525 => [SmtpSecurity.StartTls],
        _ => [SmtpSecurity.Implicit, SmtpSecurity.StartTls],
    };
}
