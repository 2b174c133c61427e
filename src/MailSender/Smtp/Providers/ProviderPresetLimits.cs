using System.Globalization;
using MailSender.Diagnostics;
using MailSender.Internal;
using Microsoft.Extensions.Options;

namespace MailSender.Smtp.Providers;

/// <summary>
/// Puts a <c>relay://</c> preset's documented limits into the sender's options while they are resolved, before any
/// transport is built: the pool's messages per connection and connections, and the rate limit. A value the user set
/// (anything but the default) wins, and transport URI parameters still win over the options.
/// </summary>
internal sealed class ProviderPresetLimits(MailSenderTelemetry telemetry) : IPostConfigureOptions<MailSenderOptions>
{
    public void PostConfigure(string? name, MailSenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // An invalid URI is reported by validation, which runs after this.
        if (options.Transport is not { } text || !TransportUri.TryParse(text.Trim(), out var uri) || uri.Scheme != "relay" ||
            (uri.Host ?? uri.Path?.Trim('/')) is not { Length: > 0 } id || ProviderCatalog.FindById(id) is not { } preset ||
            options.Smtp?.Pool is null || options.Resilience?.RateLimit is null)
        {
            return;
        }

        var applied = Apply(options, preset.Limits);
        if (applied.Count > 0)
        {
            Log.PresetLimitsApplied(telemetry.Logger, preset.Id, string.Join(", ", applied));
        }
    }

    /// <summary>Applies <paramref name="limits"/> where the options keep their defaults; returns what was set, as <c>Setting=value</c>.</summary>
    internal static List<string> Apply(MailSenderOptions options, LimitsEntry limits)
    {
        var applied = new List<string>();
        var pool = options.Smtp.Pool;

        // A per-connection message limit replaces the default (the provider allows that many); a connection limit only lowers it.
        if (limits.MessagesPerConnection is { } perConnection && pool.MaxMessagesPerConnection == MailSenderDefaults.MaxMessagesPerConnection && perConnection != pool.MaxMessagesPerConnection)
        {
            pool.MaxMessagesPerConnection = perConnection;
            applied.Add(Setting("Smtp:Pool:MaxMessagesPerConnection", perConnection));
        }

        if (limits.MaxConnections is { } connections && pool.MaxConnections == MailSenderDefaults.MaxConnections && connections < pool.MaxConnections)
        {
            pool.MaxConnections = connections;
            applied.Add(Setting("Smtp:Pool:MaxConnections", connections));
        }

        var rate = options.Resilience.RateLimit;
        if (options.Resilience.Enabled && rate.MessagesPerSecond is null && rate.MessagesPerMinute is null)
        {
            if (limits.MessagesPerSecond is { } perSecond)
            {
                rate.MessagesPerSecond = perSecond;
                applied.Add(Setting("Resilience:RateLimit:MessagesPerSecond", perSecond));
            }

            if (limits.MessagesPerMinute is { } perMinute)
            {
                rate.MessagesPerMinute = perMinute;
                applied.Add(Setting("Resilience:RateLimit:MessagesPerMinute", perMinute));
            }
        }

        return applied;
    }

    private static string Setting(string name, int value) => string.Create(CultureInfo.InvariantCulture, $"{name}={value}");
}
