namespace MailSender.Smtp.Detection;

/// <summary>Knows the submission endpoint of common providers (filled by the relay presets), matched by host name or sender domain.</summary>
internal interface IKnownEndpointSource
{
    /// <summary>Returns the provider's endpoint for <paramref name="host"/> or <paramref name="senderDomain"/>, or <see langword="null"/>.</summary>
    KnownEndpoint? Find(string host, string? senderDomain);
}

/// <summary>A provider's submission endpoint; <paramref name="Source"/> names the preset, for the report.</summary>
internal sealed record KnownEndpoint(string Host, int Port, SmtpSecurity Security, string Source);

/// <summary>The default <see cref="IKnownEndpointSource"/>: knows no provider.</summary>
internal sealed class NoKnownEndpoints : IKnownEndpointSource
{
    public KnownEndpoint? Find(string host, string? senderDomain) => null;
}
