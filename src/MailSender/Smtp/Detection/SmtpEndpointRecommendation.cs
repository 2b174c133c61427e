namespace MailSender.Smtp.Detection;

/// <summary>The endpoint detection recommends: the most secure one that works (RFC 8314: implicit TLS, then STARTTLS, then plain text).</summary>
internal sealed class SmtpEndpointRecommendation
{
    /// <summary>Gets the host to connect to.</summary>
    public required string Host { get; init; }

    /// <summary>Gets the port to connect to.</summary>
    public required int Port { get; init; }

    /// <summary>Gets the encryption to use: <see cref="SmtpSecurity.Implicit"/>, <see cref="SmtpSecurity.StartTls"/> or <see cref="SmtpSecurity.None"/>.</summary>
    public required SmtpSecurity Security { get; init; }

    /// <summary>Gets the authentication mechanisms the endpoint offers, e.g. <c>PLAIN</c> and <c>LOGIN</c>.</summary>
    public IReadOnlyList<string> AuthenticationMechanisms { get; init; } = [];

    /// <summary>Gets the endpoint's EHLO capabilities.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Gets the transport URI for this endpoint, without credentials, e.g. <c>smtps://smtp.example.com:465</c>.</summary>
    public string TransportUri => Security == SmtpSecurity.Implicit
        ? FormattableString.Invariant($"smtps://{MailSender.TransportUri.FormatHost(Host)}:{Port}")
        : FormattableString.Invariant($"smtp://{MailSender.TransportUri.FormatHost(Host)}:{Port}?security={(Security == SmtpSecurity.StartTls ? "starttls" : "none")}");
}
