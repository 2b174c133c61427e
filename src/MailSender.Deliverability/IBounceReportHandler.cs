namespace MailSender.Deliverability;

/// <summary>
/// Acts on each report the <see cref="BounceProcessor"/> reads, after it has updated the suppression list: for example
/// the outbox marks the recipients of a hard bounce as bounced. Register implementations in the service collection;
/// the processor calls each in registration order.
/// </summary>
public interface IBounceReportHandler
{
    /// <summary>Acts on one well-formed report. Must be idempotent: an exception propagates out of the processing call and the report's message is left where it is, so the next run reads it (and calls every handler) again.</summary>
    /// <param name="report">The report, with each recipient classified.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    Task HandleAsync(BounceReport report, CancellationToken cancellationToken);
}
