using MailSender.Diagnostics;
using MailSender.Internal;

namespace MailSender.Pickup;

/// <summary>Creates pickup-folder transports for <c>pickup:PATH</c> URIs.</summary>
internal sealed class PickupTransportFactory : IEmailTransportFactory
{
    private static readonly string[] KnownParameters = ["envelope"];
    private readonly TimeProvider _timeProvider;
    private readonly MailSenderTelemetry _telemetry;

    public PickupTransportFactory(TimeProvider timeProvider, MailSenderTelemetry telemetry)
    {
        _timeProvider = timeProvider;
        _telemetry = telemetry;
    }

    public IReadOnlyCollection<string> Schemes { get; } = ["pickup"];

    public void Validate(TransportUri uri, EmailTransportContext context) => CreateSettings(uri, context);

    public IEmailTransport Create(TransportUri uri, EmailTransportContext context)
    {
        var (folder, writeEnvelope) = CreateSettings(uri, context);
        return new PickupTransport(folder, writeEnvelope, _timeProvider) { Telemetry = _telemetry };
    }

    /// <summary>The folder and whether the envelope is written; the folder is created at the first send, not here.</summary>
    private static (string Folder, bool WriteEnvelope) CreateSettings(TransportUri uri, EmailTransportContext context)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(context);
        SettingParser.RejectUnknown(uri, KnownParameters);
        var folder = uri.Path ?? uri.Host;
        if (string.IsNullOrWhiteSpace(folder))
        {
            throw SettingParser.Bad(uri, "path", "expected a folder, e.g. pickup:./outbox or pickup:/var/mail/outbox");
        }

        return (folder, SettingParser.Boolean(uri, "envelope", context.Options.Pickup?.WriteEnvelope ?? true));
    }
}
