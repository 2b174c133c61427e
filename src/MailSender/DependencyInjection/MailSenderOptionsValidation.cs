using System.Globalization;
using MailSender.Diagnostics;
using MailSender.Dkim;
using MailSender.Internal;
using MailSender.Redirect;
using MailSender.Smtp.Detection;
using MailSender.Smtp.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.DependencyInjection;

/// <summary>
/// Validates <see cref="MailSenderOptions"/> at start-up and reports every bad setting at once, each prefixed with its
/// sender (<c>MailSender:</c>, or <c>MailSender[name]:</c>): the generated data-annotation checks
/// (<see cref="MailSenderOptionsAnnotations"/>), then the rules annotations cannot express: the transport URI (checked by
/// its factory, without creating anything), addresses, host names, the DKIM key and the CA file (each read once per
/// container), and the cross-field rules.
/// </summary>
internal sealed partial class MailSenderOptionsValidation(TransportResolver resolver, DkimSigners dkim, TrustStore trust, IServiceProvider services) : IValidateOptions<MailSenderOptions>
{
    private readonly MailSenderOptionsAnnotations _annotations = new();

    public ValidateOptionsResult Validate(string? name, MailSenderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        name ??= Options.DefaultName;
        var prefix = name.Length == 0 ? "MailSender:" : $"MailSender[{name}]:";
        var errors = new List<string>();
        var annotations = _annotations.Validate(name, options);
        if (annotations.Failed)
        {
            errors.AddRange(annotations.Failures.Select(f => prefix + Setting(f)));

            // The rules below read the nested objects the annotations found missing.
            if (options.Smtp?.Tls is null || options.Smtp.Pool is null || options.Smtp.Detection is null || options.Pickup is null || options.Dkim is null || options.Redirect?.Allow is null ||
                options.Resilience?.Retry is null || options.Resilience.CircuitBreaker is null || options.Resilience.AttemptTimeout is null ||
                options.Resilience.TotalTimeout is null || options.Resilience.RateLimit is null)
            {
                return ValidateOptionsResult.Fail(errors);
            }
        }

        ValidateTransport(name, options, prefix, errors);
        ValidateAddresses(options, prefix, errors);
        ValidateSmtp(options.Smtp, prefix + "Smtp:", errors);
        ValidateResilience(options.Resilience, prefix + "Resilience:", errors);
        ValidateRedirect(name, options.Redirect, prefix, errors);
        try
        {
            // Reads the key now, so a missing or bad key stops start-up; the sender gets this signer.
            dkim.Get(name, options.Dkim);
        }
        catch (EmailSendException ex)
        {
            errors.Add($"{prefix}Dkim: {ex.Message}" + (ex.Hint is null ? string.Empty : " " + ex.Hint));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// Words a data-annotation failure by its configuration key: <c>Resilience:Retry:MaxRetryAttempts must be between 1 and ...</c>
    /// rather than the generator's <c>MaxRetryAttempts: The field MailSenderOptions.Resilience.Retry.MaxRetryAttempts must be ...</c>.
    /// </summary>
    internal static string Setting(string failure)
    {
        var match = AnnotationFailure().Match(failure);
        if (!match.Success)
        {
            return failure;
        }

        var key = match.Groups["path"].Value.Replace('.', ':');
        return match.Groups["required"].Success ? key + " is required." : key + " " + match.Groups["rest"].Value;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[^:]*: The (?:field )?MailSenderOptions\.(?<path>[\w.]+) (?:(?<required>field is required\.)|(?<rest>.*))$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex AnnotationFailure();

    private void ValidateTransport(string name, MailSenderOptions options, string prefix, List<string> errors)
    {
        var hasCustomTransport = services.GetService<IServiceProviderIsKeyedService>()?.IsKeyedService(typeof(IEmailTransport), name) == true;
        if (hasCustomTransport)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(options.Transport))
        {
            errors.Add($"{prefix}Transport is required: a transport URI such as smtp://user@smtp.example.com:587, smtps://smtp.example.com or pickup:./outbox.");
            return;
        }

        try
        {
            resolver.Validate(options.Transport, new EmailTransportContext(name, options));
        }
        catch (EmailSendException ex)
        {
            errors.Add($"{prefix}Transport: {ex.Message}" + (ex.Hint is null ? string.Empty : " " + ex.Hint));
        }
    }

    private static void ValidateAddresses(MailSenderOptions options, string prefix, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.DefaultFrom))
        {
            return;
        }

        try
        {
            AddressParser.ParseMailbox(options.DefaultFrom, "DefaultFrom");
        }
        catch (EmailSendException ex)
        {
            errors.Add($"{prefix}DefaultFrom: {ex.Message}");
        }
    }

    private void ValidateSmtp(SmtpOptions smtp, string prefix, List<string> errors)
    {
        if (smtp.EhloName is { Length: > 0 } ehlo && !HostNames.IsEhloName(ehlo))
        {
            // Never echo it: a line break in it is exactly the problem.
            errors.Add($"{prefix}EhloName must be a domain name (e.g. app.example.com) or an address literal (e.g. [192.0.2.1]), without spaces or line breaks.");
        }

        if (smtp.Tls.TrustedCertificateThumbprint is { Length: > 0 } thumbprint && !CertificateValidator.IsThumbprint(thumbprint))
        {
            errors.Add($"{prefix}Tls:TrustedCertificateThumbprint must be a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) thumbprint.");
        }

        // The transports check only a caFile= and thumbprint= of their URI, so these options are reported here, once.
        if (smtp.Tls.TrustedCaFile is { Length: > 0 } caFile)
        {
            try
            {
                trust.Authorities(caFile);
            }
            catch (EmailSendException ex)
            {
                errors.Add($"{prefix}Tls:TrustedCaFile: {ex.Message}");
            }
        }

        if (smtp.Detection.Ports.Where(p => p is < 1 or > 65535).ToArray() is [var bad, ..])
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}Detection:Ports must be from 1 to 65535 (one is {bad})."));
        }

        foreach (var server in smtp.Detection.DnsServers)
        {
            try
            {
                DnsSrvResolver.ParseServer(server);
            }
            catch (EmailSendException ex)
            {
                errors.Add($"{prefix}Detection:DnsServers: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// Checks the redirect and, when it is on and the options are valid, logs a warning: a development setting left on in
    /// production would divert real mail, so it is never on unnoticed. Validation runs once per sender (at start-up with
    /// <c>ValidateOnStart</c>), and again when the configuration reloads.
    /// </summary>
    private void ValidateRedirect(string name, RedirectOptions redirect, string prefix, List<string> errors)
    {
        try
        {
            if (RedirectPolicy.Create(redirect) is { } policy && errors.Count == 0)
            {
                Log.RedirectActive(services.GetRequiredService<MailSenderTelemetry>().Logger, name, policy.Describe());
            }
        }
        catch (EmailSendException ex)
        {
            errors.Add(prefix + ex.Message);
        }
    }

    /// <summary>The rules across settings, as dotnet/extensions' resilience validators check them.</summary>
    private static void ValidateResilience(EmailResilienceOptions resilience, string prefix, List<string> errors)
    {
        if (resilience.TotalTimeout.Timeout < resilience.AttemptTimeout.Timeout)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}TotalTimeout:Timeout must not be shorter than AttemptTimeout:Timeout (it is {resilience.TotalTimeout.Timeout}, AttemptTimeout is {resilience.AttemptTimeout.Timeout})."));
        }

        if (resilience.Retry.MaxDelay is { } maxDelay && maxDelay < resilience.Retry.Delay)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}Retry:MaxDelay must not be shorter than Retry:Delay (it is {maxDelay}, Delay is {resilience.Retry.Delay})."));
        }
    }
}
