namespace MailSender.DependencyInjection;

/// <summary>Finds the factory for a transport URI's scheme and creates the transport.</summary>
internal sealed class TransportResolver(IEnumerable<IEmailTransportFactory> factories)
{
    private readonly IEmailTransportFactory[] _factories = factories.ToArray();

    public IEmailTransport Create(string transport, MailSenderOptions options)
    {
        var uri = TransportUri.Parse(transport);
        var factory = _factories.LastOrDefault(f => f.Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase))
            ?? throw new EmailSendException(EmailErrorKind.Configuration, $"Unknown transport scheme '{uri.Scheme}:'. Known schemes: {string.Join(", ", KnownSchemes().Select(s => s + ":"))}.")
            {
                Hint = uri.Scheme == "memory"
                    ? "The memory: transport comes with the MailSender.Testing package: call services.AddInMemoryEmailTransport()."
                    : "See docs/configuration.md for the transport URI grammar.",
            };
        return factory.Create(uri, options);
    }

    private IEnumerable<string> KnownSchemes() => _factories.SelectMany(f => f.Schemes).Distinct(StringComparer.OrdinalIgnoreCase);
}
