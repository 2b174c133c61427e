namespace MailSender.Cli;

/// <summary>
/// Ctrl+C and SIGTERM as the commands see them: the first one stops the command gracefully (its cancellation token); a
/// second one aborts what a graceful stop still waits for, when the running command asked for that (the worker), and
/// otherwise, like any further one, ends the process at once.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private volatile bool _abortable;

    /// <summary>Gets the token the first signal cancels.</summary>
    public CancellationToken Stop => _stop.Token;

    /// <summary>Makes the second signal cancel the returned token instead of ending the process.</summary>
    public CancellationToken EnableAbort()
    {
        _abortable = true;
        return _abort.Token;
    }

    /// <summary>Handles one signal; returns false when the process should end as the signal's default has it.</summary>
    public bool Signal()
    {
        lock (_stop)
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
                return true;
            }

            if (_abortable && !_abort.IsCancellationRequested)
            {
                _abort.Cancel();
                return true;
            }

            return false;
        }
    }

    public void Dispose()
    {
        _stop.Dispose();
        _abort.Dispose();
    }
}
