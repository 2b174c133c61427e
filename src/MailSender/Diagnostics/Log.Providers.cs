using Microsoft.Extensions.Logging;

namespace MailSender.Diagnostics;

/// <summary>Provider presets (ids 220-239).</summary>
internal static partial class Log
{
    [LoggerMessage(220, LogLevel.Information, "Provider preset {ProviderId} set {Settings} from its documented limits; set them explicitly to override")]
    public static partial void PresetLimitsApplied(ILogger logger, string providerId, string settings);
}
