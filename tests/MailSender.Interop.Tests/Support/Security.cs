namespace MailSender.Interop.Tests.Support;

/// <summary>How a test connects to a server's listener.</summary>
public enum Security
{
    /// <summary>The plain port with <c>security=none</c>.</summary>
    Plain,

    /// <summary>The STARTTLS port with <c>security=starttls</c> (TLS required before MAIL FROM).</summary>
    StartTls,

    /// <summary>The implicit-TLS port with <c>smtps://</c>.</summary>
    ImplicitTls,
}
