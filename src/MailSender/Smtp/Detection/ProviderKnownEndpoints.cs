using MailSender.Smtp.Providers;

namespace MailSender.Smtp.Detection;

/// <summary>Gives detection the port and security of a provider preset matched by host name or e-mail domain.</summary>
internal sealed class ProviderKnownEndpoints : IKnownEndpointSource
{
    /// <inheritdoc/>
    /// <remarks>Without a sender domain the host itself is tried as one, so probing <c>gmail.com</c> finds <c>smtp.gmail.com</c>.</remarks>
    public KnownEndpoint? Find(string host, string? senderDomain) =>
        ProviderCatalog.FindEndpoint(host, senderDomain ?? host) is { } endpoint
            ? new KnownEndpoint(endpoint.Host, endpoint.Port, endpoint.Security, endpoint.Source)
            : null;
}
