using MailSender.Diagnostics;
using MailSender.Failover;
using MailSender.Internal;

namespace MailSender.DependencyInjection;

/// <summary>
/// Finds the factory for a transport URI's scheme, and parses <c>failover(A B ...)</c> and <c>roundrobin(A B ...)</c>:
/// checks a transport (validation) or creates it (once, when the sender is first used).
/// </summary>
internal sealed class TransportResolver(IEnumerable<IEmailTransportFactory> factories, TimeProvider timeProvider, MailSenderTelemetry telemetry)
{
    private static readonly (string Prefix, bool RoundRobin)[] Composites = [("failover(", false), ("roundrobin(", true)];
    private readonly IEmailTransportFactory[] _factories = factories.ToArray();

    /// <summary>Checks every URI of <paramref name="transport"/> with its factory, without creating anything.</summary>
    /// <exception cref="EmailSendException">The text or one of its URIs is invalid (<see cref="EmailErrorKind.Configuration"/>).</exception>
    public void Validate(string transport, EmailTransportContext context)
    {
        foreach (var uri in Parse(transport, out _))
        {
            FactoryFor(uri).Validate(uri, context);
        }
    }

    /// <summary>Creates the transport for <paramref name="transport"/>.</summary>
    /// <exception cref="EmailSendException">The text or one of its URIs is invalid (<see cref="EmailErrorKind.Configuration"/>).</exception>
    public IEmailTransport Create(string transport, EmailTransportContext context)
    {
        var uris = Parse(transport, out var composite);
        if (composite is null)
        {
            return FactoryFor(uris[0]).Create(uris[0], context);
        }

        var transports = new List<IEmailTransport>(uris.Count);
        try
        {
            foreach (var uri in uris)
            {
                transports.Add(FactoryFor(uri).Create(uri, context));
            }
        }
        catch
        {
            foreach (var created in transports)
            {
                // Nothing was used yet: a transport's disposal only releases what its constructor took.
                TransportDisposal.DisposeAsync(created).AsTask().GetAwaiter().GetResult();
            }

            throw;
        }

        var resilience = context.Options.Resilience;
        return new FailoverTransport(transports, composite.Value, resilience is { Enabled: true } ? resilience.CircuitBreaker : null, timeProvider, telemetry);
    }

    /// <summary>Parses one URI, or the URIs of a composite (<paramref name="roundRobin"/> says which; <see langword="null"/> for a single URI).</summary>
    private static List<TransportUri> Parse(string transport, out bool? roundRobin)
    {
        var text = transport.Trim();
        foreach (var (prefix, isRoundRobin) in Composites)
        {
            if (!text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            roundRobin = isRoundRobin;
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

            return [.. parts.Select(TransportUri.Parse)];
        }

        roundRobin = null;
        return [TransportUri.Parse(text)];
    }

    private IEmailTransportFactory FactoryFor(TransportUri uri) =>
        _factories.LastOrDefault(f => f.Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
        ?? throw new EmailSendException(EmailErrorKind.Configuration, $"Unknown transport scheme '{uri.Scheme}:'. Known schemes: {string.Join(", ", _factories.SelectMany(f => f.Schemes).Distinct(StringComparer.OrdinalIgnoreCase).Select(s => s + ":"))}.")
        {
            Hint = uri.Scheme == "memory"
                ? "The memory: transport comes with the MailSender.Testing package: call services.AddInMemoryEmailTransport()."
                : "See docs/configuration.md for the transport URI grammar.",
        };

    private static EmailSendException CompositeError(string message, string name) =>
        new(EmailErrorKind.Configuration, message) { Hint = $"Write e.g. {name}(smtp://smtp1.example.com smtp://smtp2.example.com)." };
}
