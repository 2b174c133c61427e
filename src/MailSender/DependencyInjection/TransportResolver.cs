using MailSender.Diagnostics;
using MailSender.Failover;

namespace MailSender.DependencyInjection;

/// <summary>Finds the factory for a transport URI's scheme and creates the transport.</summary>
internal sealed class TransportResolver(IEnumerable<IEmailTransportFactory> factories, TimeProvider? timeProvider = null, MailSenderTelemetry? telemetry = null)
{
    private readonly IEmailTransportFactory[] _factories = factories.ToArray();

    public IEmailTransport Create(string transport, MailSenderOptions options)
    {
        var text = transport.Trim();
        foreach (var (prefix, roundRobin) in new[] { ("failover(", false), ("roundrobin(", true) })
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return CreateComposite(text, prefix, roundRobin, options);
            }
        }

        var uri = TransportUri.Parse(text);
        var factory = _factories.LastOrDefault(f => f.Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
            ?? throw new EmailSendException(EmailErrorKind.Configuration, $"Unknown transport scheme '{uri.Scheme}:'. Known schemes: {string.Join(", ", KnownSchemes().Select(s => s + ":"))}.")
            {
                Hint = uri.Scheme == "memory"
                    ? "The memory: transport comes with the MailSender.Testing package: call services.AddInMemoryEmailTransport()."
                    : "See docs/configuration.md for the transport URI grammar.",
            };
        return factory.Create(uri, options);
    }

    /// <summary>Creates <c>failover(A B ...)</c> or <c>roundrobin(A B ...)</c>: two or more transport URIs separated by spaces.</summary>
    private FailoverTransport CreateComposite(string text, string prefix, bool roundRobin, MailSenderOptions options)
    {
        var name = prefix[..^1];
        if (!text.EndsWith(')'))
        {
            throw CompositeError($"'{name}(' must end with ')'.", name);
        }

        var parts = text[prefix.Length..^1].Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            throw CompositeError($"{name}(...) needs at least two transport URIs separated by spaces.", name);
        }

        if (Array.Find(parts, p => p.Contains('(', StringComparison.Ordinal) || p.Contains(')', StringComparison.Ordinal)) is { } nested)
        {
            throw CompositeError($"{name}(...) cannot contain '{nested}': composites do not nest.", name);
        }

        var transports = new List<IEmailTransport>(parts.Length);
        try
        {
            foreach (var part in parts)
            {
                transports.Add(Create(part, options));
            }
        }
        catch
        {
            foreach (var created in transports)
            {
                (created as IAsyncDisposable)?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }

        return new FailoverTransport(transports, roundRobin, options.Resilience, timeProvider, telemetry);
    }

    private static EmailSendException CompositeError(string message, string name) =>
        new(EmailErrorKind.Configuration, message) { Hint = $"Write e.g. {name}(smtp://smtp1.example.com smtp://smtp2.example.com)." };

    private IEnumerable<string> KnownSchemes() => _factories.SelectMany(f => f.Schemes).Distinct(StringComparer.OrdinalIgnoreCase);
}
