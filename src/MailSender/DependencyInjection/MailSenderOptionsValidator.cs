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
                switch (_resolver.Create(options.Transport, options))
                {
                    case IAsyncDisposable asyncDisposable:
                        asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
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
}
