using MailSender.Diagnostics;
using MailSender.Internal;

namespace MailSender.Pickup;

/// <summary>Creates pickup-folder transports for <c>pickup:PATH</c> URIs.</summary>
internal sealed class PickupTransportFactory : IEmailTransportFactory
{
    private static readonly string[] KnownParameters = ["envelope"];
    private readonly TimeProvider _timeProvider;
    private readonly MailSenderTelemetry _telemetry;

    public PickupTransportFactory(TimeProvider timeProvider, MailSenderTelemetry? telemetry = null)
    {
        _timeProvider = timeProvider;
        _telemetry = telemetry ?? MailSenderTelemetry.Shared;
    }

    public IReadOnlyCollection<string> Schemes { get; } = ["pickup"];

    public IEmailTransport Create(TransportUri uri, MailSenderOptions options)
    {
        SettingParser.RejectUnknown(uri, KnownParameters);
        var folder = uri.Path ?? uri.Host;
        if (string.IsNullOrWhiteSpace(folder))
        {
            throw SettingParser.Bad(uri, "path", "expected a folder, e.g. pickup:./outbox or pickup:/var/mail/outbox");
        }

        return new PickupTransport(folder, SettingParser.Boolean(uri, "envelope", options.PickupWritesEnvelope), _timeProvider) { Telemetry = _telemetry };
    }
}
