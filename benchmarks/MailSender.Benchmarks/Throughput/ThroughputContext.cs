namespace MailSender.Benchmarks.Throughput;

/// <summary>What every mode needs for a run: the target, the message, how much to send, and where to leave notes.</summary>
internal sealed class ThroughputContext
{
    private readonly List<string> _notes = [];
    private long _sentMessages;
    private int _failures;

    public ThroughputContext(SmtpTarget target, MessageFactory messages, int messageCount, TimeSpan maxDuration)
    {
        Target = target;
        MessageFactory = messages;
        Messages = messageCount;
        MaxDuration = maxDuration;
    }

    public SmtpTarget Target { get; }

    /// <summary>Gets the delay proxy the target is reached through (<c>--rtt</c>), which counts round trips; null without one.</summary>
    public Peers.DelayProxy? Proxy { get; init; }

    /// <summary>Gets the concurrent callers for modes that share connections (<c>--callers</c>); null for one per connection.</summary>
    public int? Callers { get; init; }

    public MessageFactory MessageFactory { get; }

    /// <summary>Gets the number of messages in one timed run.</summary>
    public int Messages { get; }

    /// <summary>Gets how long one timed run may take before it stops and rates what was sent.</summary>
    public TimeSpan MaxDuration { get; }

    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Gets the messages all modes sent, warm-ups included, to check against the sink's own count.</summary>
    public long SentMessages => Interlocked.Read(ref _sentMessages);

    /// <summary>Gets how many runs failed.</summary>
    public int Failures => _failures;

    public void CountSent(int messages) => Interlocked.Add(ref _sentMessages, messages);

    /// <summary>Records a failed run: noted under the table, and the command exits with 1.</summary>
    public void Fail(string note)
    {
        Interlocked.Increment(ref _failures);
        Note(note);
    }

    /// <summary>Gets how many messages to send before timing: enough to open connections and JIT the path, per worker.</summary>
    public int WarmupMessages(int connections) => Math.Clamp(Messages / 10, connections * 4, 200);

    /// <summary>Adds a remark printed under the table (once, however often it is added).</summary>
    public void Note(string note)
    {
        lock (_notes)
        {
            if (!_notes.Contains(note))
            {
                _notes.Add(note);
            }
        }
    }
}
