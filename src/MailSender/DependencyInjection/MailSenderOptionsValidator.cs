using System.Globalization;
using MailSender.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.DependencyInjection;

/// <summary>Validates <see cref="MailSenderOptions"/> at start-up and reports every bad setting at once, by name.</summary>
internal sealed class MailSenderOptionsValidator(IEnumerable<IEmailTransportFactory> factories, IServiceProvider services) : IValidateOptions<MailSenderOptions>
{
    private readonly TransportResolver _resolver = new(factories);

    public ValidateOptionsResult Validate(string? name, MailSenderOptions options)
    {
        name ??= Options.DefaultName;
        var prefix = name.Length == 0 ? "MailSender:" : $"MailSender[{name}]:";
        var errors = new List<string>();
        var hasCustomTransport = services.GetService<IServiceProviderIsKeyedService>()?.IsKeyedService(typeof(IEmailTransport), name) == true;

        if (string.IsNullOrWhiteSpace(options.Transport))
        {
            if (!hasCustomTransport)
            {
                errors.Add($"{prefix}Transport is required: a transport URI such as smtp://user@smtp.example.com:587, smtps://smtp.example.com or pickup:./outbox.");
            }
        }
        else if (!hasCustomTransport)
        {
            try
            {
                // Creating a transport is cheap and side-effect free (connections open on first send); it checks every URI option.
                TransportDisposal.DisposeAsync(_resolver.Create(options.Transport, options)).AsTask().GetAwaiter().GetResult();
            }
            catch (EmailSendException ex)
            {
                errors.Add($"{prefix}Transport: {ex.Message}" + (ex.Hint is null ? string.Empty : " " + ex.Hint));
            }
        }

        if (!string.IsNullOrWhiteSpace(options.DefaultFrom))
        {
            try
            {
                AddressParser.ParseMailbox(options.DefaultFrom, "DefaultFrom");
            }
            catch (EmailSendException ex)
            {
                errors.Add($"{prefix}DefaultFrom: {ex.Message}");
            }
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}ConnectTimeout must be positive (it is {options.ConnectTimeout}).");
        }

        if (options.CommandTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}CommandTimeout must be positive (it is {options.CommandTimeout}).");
        }

        if (options.Pool is { } pool)
        {
            if (pool.MaxConnections is < 1 or > 1000)
            {
                errors.Add($"{prefix}Pool:MaxConnections must be from 1 to 1000 (it is {pool.MaxConnections}).");
            }

            if (pool.MaxMessagesPerConnection < 1)
            {
                errors.Add($"{prefix}Pool:MaxMessagesPerConnection must be at least 1 (it is {pool.MaxMessagesPerConnection}).");
            }

            foreach (var (setting, value) in new[] { ("IdleTimeout", pool.IdleTimeout), ("MaxLifetime", pool.MaxLifetime), ("AcquireTimeout", pool.AcquireTimeout), ("CheckAfterIdle", pool.CheckAfterIdle) })
            {
                if (value <= TimeSpan.Zero)
                {
                    errors.Add($"{prefix}Pool:{setting} must be positive (it is {value}).");
                }
            }
        }

        ValidateResilience(options.Resilience, prefix + "Resilience:", errors);
        ValidateDetection(options.Detection, prefix + "Detection:", errors);

        try
        {
            // Loads the key now, so a missing or bad key file stops start-up instead of the first send; the sender reuses this signer.
            Dkim.DkimMessageSigner.GetOrCreate(options.Dkim);
        }
        catch (EmailSendException ex)
        {
            errors.Add($"{prefix}Dkim: {ex.Message}" + (ex.Hint is null ? string.Empty : " " + ex.Hint));
        }

        if (options.TrustedCertificateThumbprint is { Length: > 0 } thumbprint && !Smtp.SmtpTransportFactory.IsThumbprint(thumbprint))
        {
            errors.Add($"{prefix}TrustedCertificateThumbprint must be a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) thumbprint.");
        }

        // The SMTP transport reports an unreadable CA file itself; this catches it for other transports' options too.
        if (options.TrustedCaFile is { Length: > 0 } caFile && !File.Exists(caFile) && !errors.Exists(e => e.Contains(caFile, StringComparison.Ordinal)))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}TrustedCaFile: the file '{caFile}' does not exist."));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateDetection(SmtpDetectionOptions? detection, string prefix, List<string> errors)
    {
        if (detection is null)
        {
            errors.Add($"{prefix[..^1]} must not be null.");
            return;
        }

        if (detection.Ports is null)
        {
            errors.Add($"{prefix}Ports must not be null (leave it empty for 465, 587, 25 and 2525).");
        }
        else if (detection.Ports.Where(p => p is < 1 or > 65535).ToArray() is [var bad, ..])
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}Ports must be from 1 to 65535 (one is {bad})."));
        }

        if (detection.ProbeTimeout <= TimeSpan.Zero)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}ProbeTimeout must be positive (it is {detection.ProbeTimeout})."));
        }

        if (detection.CacheLifetime < TimeSpan.Zero)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}CacheLifetime must not be negative (it is {detection.CacheLifetime})."));
        }

        foreach (var server in detection.DnsServers ?? [])
        {
            try
            {
                Detection.Internal.DnsSrvResolver.ParseServer(server);
            }
            catch (EmailSendException ex)
            {
                errors.Add($"{prefix}DnsServers: {ex.Message}");
            }
        }
    }

    private static void ValidateResilience(ResilienceOptions? resilience, string prefix, List<string> errors)
    {
        if (resilience is null)
        {
            errors.Add($"{prefix[..^1]} must not be null.");
            return;
        }

        string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        if (resilience.MaxRetryAttempts is < 0 or > 100)
        {
            errors.Add(Invariant($"{prefix}MaxRetryAttempts must be from 0 to 100 (it is {resilience.MaxRetryAttempts})."));
        }

        // Polly's own limits: delays up to a day, timeouts from 10 ms, circuit-breaker windows from 0.5 s.
        var oneDay = TimeSpan.FromDays(1);
        foreach (var (setting, value, min, lowest) in new[]
        {
            ("BaseDelay", resilience.BaseDelay, TimeSpan.Zero, "0"),
            ("MaxDelay", resilience.MaxDelay, TimeSpan.FromMilliseconds(1), "1 ms"),
            ("ThrottledDelay", resilience.ThrottledDelay, TimeSpan.Zero, "0"),
            ("AttemptTimeout", resilience.AttemptTimeout, TimeSpan.FromMilliseconds(10), "10 ms"),
            ("TotalTimeout", resilience.TotalTimeout, TimeSpan.FromMilliseconds(10), "10 ms"),
            ("CircuitBreakerSamplingDuration", resilience.CircuitBreakerSamplingDuration, TimeSpan.FromMilliseconds(500), "0.5 s"),
            ("CircuitBreakerBreakDuration", resilience.CircuitBreakerBreakDuration, TimeSpan.FromMilliseconds(500), "0.5 s"),
        })
        {
            if (value < min || value > oneDay)
            {
                errors.Add(Invariant($"{prefix}{setting} must be from {lowest} to 1 day (it is {value})."));
            }
        }

        if (resilience.MaxDelay < resilience.BaseDelay)
        {
            errors.Add(Invariant($"{prefix}MaxDelay must not be shorter than BaseDelay (it is {resilience.MaxDelay}, BaseDelay is {resilience.BaseDelay})."));
        }

        if (resilience.TotalTimeout < resilience.AttemptTimeout)
        {
            errors.Add(Invariant($"{prefix}TotalTimeout must not be shorter than AttemptTimeout (it is {resilience.TotalTimeout}, AttemptTimeout is {resilience.AttemptTimeout})."));
        }

        if (!(resilience.CircuitBreakerFailureRatio is > 0 and <= 1))
        {
            errors.Add(Invariant($"{prefix}CircuitBreakerFailureRatio must be greater than 0 and at most 1 (it is {resilience.CircuitBreakerFailureRatio})."));
        }

        if (resilience.CircuitBreakerMinimumThroughput < 2)
        {
            errors.Add(Invariant($"{prefix}CircuitBreakerMinimumThroughput must be at least 2 (it is {resilience.CircuitBreakerMinimumThroughput})."));
        }

        foreach (var (setting, value) in new[] { ("MaxMessagesPerSecond", resilience.MaxMessagesPerSecond), ("MaxMessagesPerMinute", resilience.MaxMessagesPerMinute) })
        {
            if (value is < 1)
            {
                errors.Add(Invariant($"{prefix}{setting} must be at least 1, or empty for no limit (it is {value})."));
            }
        }
    }
}
