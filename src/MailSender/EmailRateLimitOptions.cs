using System.ComponentModel.DataAnnotations;

namespace MailSender;

/// <summary>
/// How many messages a sender may send per second or per minute (section <c>MailSender:Resilience:RateLimit</c>); further sends
/// wait, in order, honouring cancellation. The wait comes before the total timeout starts, as in Microsoft.Extensions.Http.Resilience,
/// so a throttled send is not failed for time it spent queued.
/// </summary>
public class EmailRateLimitOptions
{
    /// <summary>Gets or sets how many messages may be sent per second.</summary>
    /// <value>The default is <see langword="null"/>: unlimited (or the documented rate of a <c>relay://</c> provider preset).</value>
    [Range(1, int.MaxValue)]
    public int? MessagesPerSecond { get; set; }

    /// <summary>Gets or sets how many messages may be sent per minute.</summary>
    /// <value>The default is <see langword="null"/>: unlimited (or the documented rate of a <c>relay://</c> provider preset).</value>
    [Range(1, int.MaxValue)]
    public int? MessagesPerMinute { get; set; }
}
