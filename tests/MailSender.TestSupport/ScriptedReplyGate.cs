namespace MailSender.TestSupport;

/// <summary>
/// Holds a <see cref="ScriptedSmtpServer"/>'s replies at chosen points (e.g. after the final dot) until the test opens it,
/// so a test can keep connections busy for exactly as long as it needs, without sleeping. Use <see cref="Intercept"/> as
/// <see cref="SmtpScript.Intercept"/>.
/// </summary>
/// <param name="holds">Which exchanges wait for <see cref="Open"/>; the others are answered at once.</param>
public sealed class ScriptedReplyGate(Func<ScriptedExchange, bool> holds)
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;

    /// <summary>Gets how many exchanges have reached the gate (held now, or released by <see cref="Open"/>).</summary>
    public int Arrived => Volatile.Read(ref _held);

    /// <summary>Gets a value indicating whether the gate has been opened.</summary>
    public bool IsOpen => _open.Task.IsCompleted;

    /// <summary>Gets the hook to put in <see cref="SmtpScript.Intercept"/>; it never changes a reply.</summary>
    public Func<ScriptedExchange, CancellationToken, Task<string?>> Intercept => InterceptAsync;

    /// <summary>A gate that holds the reply to the final dot of every message: the message is received, but not yet accepted.</summary>
    public static ScriptedReplyGate AtEndOfData() => new(e => e.Command == ".");

    /// <summary>Lets every held exchange, and every later one, go on.</summary>
    public void Open() => _open.TrySetResult();

    /// <summary>Waits until at least <paramref name="count"/> exchanges have reached the gate.</summary>
    public Task WaitForArrivalsAsync(int count, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => Arrived >= count, $"{count} exchanges held at the gate", timeout);

    private async Task<string?> InterceptAsync(ScriptedExchange exchange, CancellationToken cancellationToken)
    {
        if (holds(exchange))
        {
            Interlocked.Increment(ref _held);
            await _open.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return null;
    }
}
