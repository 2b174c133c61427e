using System.Diagnostics;
using MailSender.Diagnostics;
using MimeKit;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// One message on its way through an SMTP connection: what the caller asked for, where the transaction stands on the
/// connection that carries it, and the caller's completion.
/// </summary>
/// <remarks>
/// <para>A transaction waits in a <see cref="ITransactionSource"/> until a connection's <see cref="TransactionPipeline"/>
/// takes it. Cancellation removes it while it waits; once taken, it is cancelled only until the write that ends its
/// message starts (the same rule as a lone send): from then on its outcome is reported, never "cancelled".</para>
/// <para>The completion runs its continuation on the thread that completes it, so the pipeline completes transactions
/// through <see cref="Signal"/> (queued to the thread pool while it still has work, inline when it is done).</para>
/// </remarks>
internal sealed class SmtpTransaction
{
    private readonly TaskCompletionSource<SendResult> _completion = new();
    private readonly object _gate = new();
    private CancellationTokenRegistration _registration;
    private ICancellationSink? _holder;
    private SendResult? _result;
    private Exception? _error;
    private int _signalled;

    public SmtpTransaction(MimeMessage message, MailEnvelope envelope, string transport, CancellationToken cancellationToken)
    {
        Message = message;
        Envelope = envelope;
        Transport = transport;
        CancellationToken = cancellationToken;

        // Captured here, in the caller's context: the connection loop that writes the message may run in another caller's.
        Checkpoint = Internal.DeliveryCheckpoint.Current;
    }

    /// <summary>Gets the caller's checkpoint, reached before the write that may complete the message (null when nobody asked).</summary>
    public Internal.DeliveryCheckpoint? Checkpoint { get; }

    public MimeMessage Message { get; }

    public MailEnvelope Envelope { get; }

    /// <summary>Gets the transport's name, for results and errors.</summary>
    public string Transport { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Gets the caller's view: the result, or the error.</summary>
    public Task<SendResult> Task => _completion.Task;

    /// <summary>Gets or sets how many connections were lost under this transaction before its end was written (it is sent again once).</summary>
    public int LostConnections { get; set; }

    /// <summary>Gets or sets the caller's span, under which the pipeline records the DATA span (null when nobody listens).</summary>
    public ActivityContext? TraceParent { get; set; }

    /// <summary>Gets or sets the DATA span the pipeline opened for this transaction, closed with its outcome.</summary>
    public Activity? DataSpan { get; set; }

    /// <summary>Gets or sets the size of the message as last written, for the size metric.</summary>
    public long ContentLength { get; set; }

    /// <summary>Gets or sets when the transaction started waiting (a timestamp of the transport's clock), for the wait limit.</summary>
    public long QueuedAt { get; set; }

    /// <summary>Gets the per-connection state; reset each time the transaction is taken by a connection.</summary>
    public TransactionState State { get; } = new();

    /// <summary>Gets a value indicating whether an outcome was decided (result or error), signalled or not.</summary>
    public bool IsDecided => _result is not null || _error is not null;

    /// <summary>Gets a value indicating whether the caller cancelled before the end of the message was written.</summary>
    public bool CancelRequested { get; private set; }

    /// <summary>Registers the caller's token; call once, before the transaction is offered to any connection.</summary>
    public void RegisterCancellation()
    {
        if (CancellationToken.CanBeCanceled)
        {
            _registration = CancellationToken.UnsafeRegister(static s => ((SmtpTransaction)s!).OnCancel(), this);
        }
    }

    /// <summary>Says who holds the transaction now (a queue or a connection), to be told of a cancellation; returns false if it was cancelled already.</summary>
    public bool TryHandTo(ICancellationSink holder)
    {
        lock (_gate)
        {
            if (CancelRequested && !State.FinalWritten)
            {
                return false;
            }

            _holder = holder;
            return true;
        }
    }

    /// <summary>
    /// Marks the start of the write that ends the message: from then on the server may accept it. False when the caller
    /// cancelled first, unless <paramref name="force"/> (dropping the connection would make other messages uncertain).
    /// </summary>
    public bool TryMarkFinalWritten(bool force = false)
    {
        lock (_gate)
        {
            if (CancelRequested && !force)
            {
                return false;
            }

            State.FinalWritten = true;
            return true;
        }
    }

    /// <summary>Decides the outcome (the first decision wins); the caller sees it at <see cref="Signal"/>.</summary>
    public void Succeed(SendResult result)
    {
        if (!IsDecided)
        {
            _result = result;
        }
    }

    /// <inheritdoc cref="Succeed"/>
    public void Fail(Exception error)
    {
        if (!IsDecided)
        {
            _error = error;
        }
    }

    /// <summary>Closes the DATA span, if one was opened, with the decided outcome.</summary>
    public void EndSpan()
    {
        if (DataSpan is not { } span)
        {
            return;
        }

        DataSpan = null;
        if (_error is { } error)
        {
            MailSenderTelemetry.Fail(span, error is SmtpSessionLostException lost ? lost.Error : error);
        }

        span.Dispose();
    }

    /// <summary>Completes the caller's task with the decided outcome, on this thread; once.</summary>
    public void Signal()
    {
        if (Interlocked.Exchange(ref _signalled, 1) != 0)
        {
            return;
        }

        _registration.Dispose();
        if (_result is { } result)
        {
            _completion.TrySetResult(result);
        }
        else
        {
            _completion.TrySetException(_error ?? new InvalidOperationException("The transaction ended without an outcome."));
        }
    }

    /// <summary>Completes the caller's task on a thread-pool thread, so the caller's code never runs inside a connection's loop.</summary>
    public void SignalLater()
    {
        ThreadPool.UnsafeQueueUserWorkItem(static t => t.Signal(), this, preferLocal: false);
    }

    private void OnCancel()
    {
        ICancellationSink? holder;
        lock (_gate)
        {
            if (State.FinalWritten || IsDecided)
            {
                return;
            }

            CancelRequested = true;
            holder = _holder;
        }

        holder?.OnCancelled(this);
    }
}

/// <summary>Where a transaction is held (waiting in a queue, or on a connection); told when its caller cancels.</summary>
internal interface ICancellationSink
{
    /// <summary>The caller cancelled <paramref name="transaction"/> before its end was written; may run on any thread.</summary>
    void OnCancelled(SmtpTransaction transaction);
}

/// <summary>Where a connection takes its next transaction from, and gives back one it could not finish.</summary>
internal interface ITransactionSource
{
    /// <summary>Takes the next waiting transaction, or returns <see langword="null"/> when none is waiting.</summary>
    SmtpTransaction? TryTake();

    /// <summary>
    /// The connection was lost before the end of <paramref name="transaction"/> was written, so it cannot have been
    /// accepted: send it again (returns <see langword="null"/>) or return the exception to fail it with.
    /// </summary>
    /// <param name="transaction">The transaction.</param>
    /// <param name="error">What to report if it is not sent again.</param>
    /// <param name="connectionWasKnownGood">Whether the connection had carried a message or idled in the pool before (a stale connection, not a broken server).</param>
    Exception? ReturnUnsent(SmtpTransaction transaction, EmailSendException error, bool connectionWasKnownGood);
}

/// <summary>Where a transaction stands on the connection that took it.</summary>
internal sealed class TransactionState
{
    public TransactionStage Stage { get; set; }

    /// <summary>Gets or sets the message as written for this connection's extensions.</summary>
    public SmtpContent? Content { get; set; }

    /// <summary>Gets or sets a value indicating whether the content goes with <c>BDAT n LAST</c> (else DATA).</summary>
    public bool UsesBdat { get; set; }

    public bool MailAccepted { get; set; }

    /// <summary>Gets or sets how many RCPT commands were written.</summary>
    public int RecipientsWritten { get; set; }

    /// <summary>Gets or sets how many RCPT replies were read.</summary>
    public int RecipientsAnswered { get; set; }

    public int AcceptedCount { get; set; }

    /// <summary>Gets or sets a value indicating whether every MAIL and RCPT reply is in (recipients accepted), so a failure from now on belongs to the message transfer (DATA or BDAT).</summary>
    public bool InMessageTransfer { get; set; }

    /// <summary>Gets or sets a value indicating whether BDAT and the message were written with the envelope, before its replies (aggressive).</summary>
    public bool PipelinedBdat { get; set; }

    /// <summary>The DSN request written with this transaction (NOTIFY, ORCPT, RET, ENVID), or <see langword="null"/> when none is (none asked, or the server does not offer DSN).</summary>
    public DeliveryStatusNotification? Dsn { get; set; }

    /// <summary>Gets or sets a value indicating whether the write that ends the message has started.</summary>
    public bool FinalWritten { get; set; }

    /// <summary>Gets or sets how many replies are still to be read for this transaction.</summary>
    public int PendingReplies { get; set; }

    /// <summary>Gets or sets the refused recipients, in RCPT order.</summary>
    public List<RejectedRecipient>? Rejected { get; set; }

    /// <summary>Gets or sets the failure decided from a reply, reported when the transaction's last reply is read.</summary>
    public Exception? Failure { get; set; }

    /// <summary>Gets or sets a value indicating whether the server answered DATA with 354 although the transaction failed: only the terminator follows.</summary>
    public bool TerminateEmpty { get; set; }

    /// <summary>Gets or sets a value indicating whether this was the first transaction written on its connection.</summary>
    public bool FirstOnConnection { get; set; }

    public void Reset()
    {
        Stage = TransactionStage.Waiting;
        Content = null;
        UsesBdat = false;
        MailAccepted = false;
        RecipientsWritten = 0;
        RecipientsAnswered = 0;
        AcceptedCount = 0;
        InMessageTransfer = false;
        PipelinedBdat = false;
        FinalWritten = false;
        PendingReplies = 0;
        Rejected = null;
        Failure = null;
        TerminateEmpty = false;
        FirstOnConnection = false;
    }
}

/// <summary>The stages of a transaction on a connection.</summary>
internal enum TransactionStage
{
    /// <summary>Not yet written.</summary>
    Waiting,

    /// <summary>Envelope commands written (all, or in lock-step the next one); replies outstanding.</summary>
    Envelope,

    /// <summary>Every envelope reply read (and 354 for DATA): the message may be written.</summary>
    ReadyForContent,

    /// <summary>The message was written; its final reply is outstanding.</summary>
    AwaitingFinal,

    /// <summary>Decided; nothing more to read.</summary>
    Done,
}
