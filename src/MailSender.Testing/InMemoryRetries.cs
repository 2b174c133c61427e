namespace MailSender.Testing;

/// <summary>How <c>AddInMemoryEmailTransport</c> sets the senders' retries (<c>MailSender:Resilience:Retry</c>).</summary>
public enum InMemoryRetries
{
    /// <summary>
    /// Retries happen as configured (same number of attempts, same rules for what is transient) but without delay:
    /// <c>FailNext(1, EmailErrorKind.ServerBusy)</c> then succeeds on the second attempt at once (<c>SendResult.Attempts == 2</c>).
    /// </summary>
    Immediate,

    /// <summary>No retries: each simulated failure reaches the code under test, as it would after the last attempt.</summary>
    Off,

    /// <summary>The application's retry settings, delays included (to test them; set short delays in the test's configuration).</summary>
    AsConfigured,
}
