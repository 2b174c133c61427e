namespace MailSender.Smtp.Detection;

/// <summary>Looks up DNS SRV records; a seam so unit tests need no network.</summary>
internal interface ISrvResolver
{
    /// <summary>Returns the targets of the SRV records at <paramref name="name"/> (e.g. <c>_submissions._tcp.example.com</c>), best first; empty when there are none.</summary>
    Task<IReadOnlyList<SrvTarget>> ResolveAsync(string name, IReadOnlyList<string> dnsServers, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>One SRV record's target.</summary>
internal sealed record SrvTarget(string Host, int Port, int Priority, int Weight);
