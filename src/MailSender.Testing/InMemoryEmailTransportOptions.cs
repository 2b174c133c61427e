namespace MailSender.Testing;

/// <summary>Options of <c>AddInMemoryEmailTransport</c>.</summary>
public sealed class InMemoryEmailTransportOptions
{
    /// <summary>Gets or sets how the senders' built-in retries behave in tests.</summary>
    /// <value>
    /// The default is <see cref="InMemoryRetries.Immediate"/>: as many attempts as configured, without waiting, so a test
    /// of a failure path takes milliseconds rather than the seconds of the production back-off.
    /// </value>
    public InMemoryRetries Retries { get; set; } = InMemoryRetries.Immediate;
}
