using Microsoft.Extensions.Logging;

namespace MailSender.Providers;

/// <summary>Log messages of the provider presets (event ids 220-239, listed in docs/configuration.md); never log secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(220, LogLevel.Information, "Provider preset {ProviderId} set {Settings} from its documented limits; set them explicitly to override")]
    public static partial void PresetLimitsApplied(ILogger logger, string providerId, string settings);
}
