using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MailSender.HealthChecks;

/// <summary>Reports whether a sender's transport works now through <see cref="IVerifiableEmailSender.VerifyAsync"/> (SMTP connects, authenticates and quits; nothing is sent).</summary>
internal sealed class EmailSenderHealthCheck(IEmailSenderFactory senders, string senderName) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failure = context.Registration.FailureStatus;
        try
        {
            if (senders.GetSender(senderName) is not IVerifiableEmailSender sender)
            {
                return new HealthCheckResult(failure, $"The mail sender '{senderName}' cannot be verified: it does not implement IVerifiableEmailSender.");
            }

            var transport = await sender.VerifyAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{transport} answered.");
        }
        catch (EmailSendException ex)
        {
            return new HealthCheckResult(failure, ex.Hint is null ? ex.Message : $"{ex.Message} {ex.Hint}", ex, new Dictionary<string, object> { ["kind"] = ex.Kind.ToString() });
        }
        catch (Exception ex) when (ex is OptionsValidationException or NotSupportedException)
        {
            return new HealthCheckResult(failure, ex.Message, ex);
        }
    }
}
