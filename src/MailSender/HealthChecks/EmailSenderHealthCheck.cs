using MailSender.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MailSender.HealthChecks;

/// <summary>Reports whether a sender's transport works now: <see cref="EmailSenderExtensions.VerifyAsync"/> (SMTP connects, authenticates and quits; nothing is sent).</summary>
internal sealed class EmailSenderHealthCheck(IEmailSenderFactory senders, string senderName) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failure = context.Registration.FailureStatus;
        try
        {
            var sender = senders.GetSender(senderName);
            await sender.VerifyAsync(cancellationToken).ConfigureAwait(false);
            var transport = (sender as DefaultEmailSender)?.Transport.Name;
            return HealthCheckResult.Healthy(transport is null ? "The mail transport answered." : $"{transport} answered.");
        }
        catch (EmailSendException ex)
        {
            return new HealthCheckResult(failure, ex.Hint is null ? ex.Message : $"{ex.Message} {ex.Hint}", ex, new Dictionary<string, object> { ["kind"] = ex.Kind.ToString() });
        }
        catch (OptionsValidationException ex)
        {
            return new HealthCheckResult(failure, ex.Message, ex);
        }
        catch (NotSupportedException ex)
        {
            return new HealthCheckResult(failure, ex.Message, ex);
        }
    }
}
