using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailSender.Smtp.Protocol;

/// <summary>
/// The transaction engine of one connection: writes MAIL, RCPT, DATA or BDAT and the messages of the transactions it
/// takes, as far ahead as the pipelining mode and the server allow, and reads the replies in order, each one matched
/// to its command. One loop drives it (the caller of <see cref="RunAsync"/>); only cancellation arrives from other threads.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Lock-step</b> (<c>pipelining=off</c>, or no PIPELINING): one command, then its reply; nothing is written before the reply it depends on.</item>
/// <item><b>On</b>: MAIL, every RCPT (and DATA) in one write; the message once their replies are in (RFC 3030 section 2 for
/// BDAT, the 354 for DATA). The next transaction's envelope follows this one's message in the same write (RFC 2920 allows
/// the content to open a group), so while messages queue each costs one round trip.</item>
/// <item><b>Aggressive</b> (PIPELINING and CHUNKING): MAIL, RCPTs, <c>BDAT n LAST</c> and the message in one write, up to
/// <see cref="SmtpEndpoint.MaxInFlight"/> transactions outstanding. Each one after the first in a flight starts with RSET,
/// because a transaction whose recipients were all refused leaves its MAIL open on some servers (Postfix), and the next
/// RCPTs would join it. A BDAT answered 500-504 means the server does not take pipelined BDAT: the host is remembered
/// (<see cref="PipeliningHistory"/>), the connection goes on as <c>on</c>, and the refused messages are sent again.</item>
/// </list>
/// Each transaction is judged alone when the connection fails: one whose end was written is
/// <see cref="EmailErrorKind.DeliveryUncertain"/>; one whose end was not written cannot have been accepted and goes back
/// to its <see cref="ITransactionSource"/>.
/// </remarks>
internal sealed class TransactionPipeline : ICancellationSink, IDisposable
{
    private readonly SmtpSession _session;
    private readonly SmtpReplyReader _reader;
    private readonly SmtpOutput _output = new();
    private readonly Queue<Expected> _expected = new();
    private readonly List<SmtpTransaction> _inFlight = [];
    private readonly List<SmtpTransaction> _retry = [];
    private readonly List<SmtpTransaction> _decided = [];
    private readonly object _gate = new();
    private readonly PipeliningHistory _history;
    private readonly Action<SmtpTransaction> _onFinalWrite;
    private readonly List<SmtpTransaction> _checkpoints = [];
    private ITransactionSource _source = null!;
    private SmtpTransaction? _abortedFor;
    private bool _pipelined;
    private bool _aggressive;
    private bool _chunking;
    private bool _needsReset;
    private bool _knownGood;
    private int _written;

    public TransactionPipeline(SmtpSession session, PipeliningHistory history)
    {
        _session = session;
        _history = history;
        _reader = new SmtpReplyReader(session.Wire);
        _onFinalWrite = OnFinalWrite;
    }

    private enum Kind
    {
        Reset,
        Mail,
        Recipient,
        Data,
        Final,
    }

    private SmtpEndpoint Endpoint => _session.Endpoint;

    /// <summary>
    /// Sends the transactions <paramref name="source"/> offers until it has none, then returns with nothing outstanding.
    /// Outcomes are decided here and signalled by <see cref="SignalDecided"/>.
    /// </summary>
    /// <param name="source">Where transactions come from and go back to.</param>
    /// <param name="connectionWasKnownGood">Whether the connection idled in the pool or carried a message before (so a loss is staleness, not a broken server).</param>
    /// <returns>Whether the connection can carry more messages.</returns>
    public async Task<bool> RunAsync(ITransactionSource source, bool connectionWasKnownGood)
    {
        _source = source;
        _knownGood = connectionWasKnownGood;
        ResolveMode();
        try
        {
            while (true)
            {
                Plan();
                if (!_output.IsEmpty)
                {
                    await ReachCheckpointsAsync().ConfigureAwait(false);
                    await _output.FlushAsync(_session.Wire, _onFinalWrite).ConfigureAwait(false);
                }

                if (_expected.Count == 0)
                {
                    if (_inFlight.Count == 0)
                    {
                        // An abort that came as the last reply was read leaves the stream failing every later read or write.
                        return !_reader.HasUnreadBytes && _session.IsConnected && !_session.Wire.CancelRequested;
                    }

                    throw new InvalidOperationException("The SMTP pipeline has transactions outstanding but no reply to wait for.");
                }

                // Callers whose outcome is known go on while this loop waits for the server.
                SignalDecided(inline: false);
                var next = _expected.Peek();
                var reply = await _reader.ReadAsync(next.Kind == Kind.Final).ConfigureAwait(false);
                _expected.Dequeue();
                OnReply(next, reply);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            FailAll(ex);
            return false;
        }
        finally
        {
            lock (_gate)
            {
                _abortedFor = null;
            }
        }
    }

    /// <summary>
    /// Completes the callers of the transactions decided so far: on the thread pool, or with <paramref name="inline"/> the
    /// last one on this thread (when the loop is done, so a lone caller goes on without a thread hop).
    /// </summary>
    public void SignalDecided(bool inline)
    {
        if (TakeDecided() is { } last)
        {
            if (inline)
            {
                last.Signal();
            }
            else
            {
                last.SignalLater();
            }
        }
    }

    /// <summary>
    /// Completes every decided transaction but the last on the thread pool and returns the last, unsignalled: the caller
    /// signals it once the connection is back in the pool (where another loop may already use this pipeline).
    /// </summary>
    public SmtpTransaction? TakeDecided()
    {
        if (_decided.Count == 0)
        {
            return null;
        }

        for (var i = 0; i < _decided.Count - 1; i++)
        {
            _decided[i].SignalLater();
        }

        var last = _decided[^1];
        _decided.Clear();
        return last;
    }

    /// <summary>
    /// Lets the callers that asked for it (the outbox) record that their message may be delivered from now on, before the
    /// write that may complete it. All of one write's checkpoints run together, so a durable store can commit them at once.
    /// A checkpoint that fails stops its message like a cancellation: the connection is dropped before the end is written.
    /// </summary>
    private async ValueTask ReachCheckpointsAsync()
    {
        _checkpoints.Clear();
        _output.CollectCheckpoints(_checkpoints);
        if (_checkpoints.Count == 0)
        {
            return;
        }

        // All started before any is awaited, so a store that groups its commits records them together.
        var reached = new Task[_checkpoints.Count];
        for (var i = 0; i < reached.Length; i++)
        {
            var transaction = _checkpoints[i];
            reached[i] = transaction.Checkpoint!.ReachAsync(transaction.CancellationToken);
        }

        for (var i = 0; i < reached.Length; i++)
        {
            var transaction = _checkpoints[i];
            try
            {
                await reached[i].ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Dropped at once: after a 354 the server reads anything more (a QUIT too) as the message.
                _session.Wire.Abort();
                throw new TransactionCancelledException(transaction, ex);
            }
        }
    }

    /// <summary>
    /// Called by the output just before the write that ends <paramref name="transaction"/>'s message. A caller who cancelled
    /// meanwhile wins (the connection is dropped, nothing of the message is accepted) unless that would leave another
    /// transaction's outcome unknown.
    /// </summary>
    public void OnFinalWrite(SmtpTransaction transaction)
    {
        if (transaction.TryMarkFinalWritten())
        {
            return;
        }

        lock (_gate)
        {
            if (!_inFlight.Exists(other => other != transaction && other.State.FinalWritten && !other.IsDecided))
            {
                throw new TransactionCancelledException(transaction);
            }
        }

        transaction.TryMarkFinalWritten(force: true);
    }

    /// <summary>The caller cancelled a transaction of this connection before its end was written.</summary>
    public void OnCancelled(SmtpTransaction transaction)
    {
        lock (_gate)
        {
            if (!_inFlight.Contains(transaction) || _abortedFor is not null)
            {
                return;
            }

            foreach (var other in _inFlight)
            {
                if (other != transaction && other.State.FinalWritten && !other.IsDecided)
                {
                    // Dropping the connection now would leave that message uncertain: the loop honours the
                    // cancellation when it reaches this transaction's message instead.
                    return;
                }
            }

            // Under the lock: the transaction is still outstanding, so the loop is still running (an idle connection is never aborted).
            _abortedFor = transaction;
            _session.Wire.Abort();
        }
    }

    public void Dispose() => _output.Dispose();

    private void ResolveMode()
    {
        var capabilities = _session.Client.Capabilities;
        _chunking = (capabilities & SmtpCapabilities.Chunking) != 0;
        _pipelined = Endpoint.Pipelining != SmtpPipelining.Off && (capabilities & SmtpCapabilities.Pipelining) != 0;
        _aggressive = _pipelined && _chunking && Endpoint.Pipelining == SmtpPipelining.Aggressive &&
            !_history.RefusesPipelinedBdat(Endpoint.Host, Endpoint.Port);
    }

    /// <summary>Gathers everything that may be written now: messages whose envelope is answered, the next step in lock-step, new transactions.</summary>
    private void Plan()
    {
        for (var i = 0; i < _inFlight.Count; i++)
        {
            var transaction = _inFlight[i];
            if (transaction.State.Stage == TransactionStage.ReadyForContent)
            {
                WriteContent(transaction);
                if (i < _inFlight.Count && _inFlight[i] != transaction)
                {
                    // It was abandoned (cancelled before its BDAT) and left the list: the next one is at this index now.
                    i--;
                }
            }
        }

        if (!_pipelined && _expected.Count == 0 && _inFlight.Count == 1 && _inFlight[0].State.Stage == TransactionStage.Envelope)
        {
            WriteNextStep(_inFlight[0]);
        }

        while (CanStartAnother() && TakeNext() is { } next)
        {
            Start(next);
        }

        if (_needsReset && _inFlight.Count == 0 && _expected.Count == 0)
        {
            // After a failed transaction: RSET clears it (MailKit does the same) and proves the connection still answers.
            WriteReset();
        }
    }

    private bool CanStartAnother()
    {
        if (!_pipelined)
        {
            return _inFlight.Count == 0 && _expected.Count == 0;
        }

        if (_aggressive)
        {
            return _inFlight.Count < Endpoint.MaxInFlight;
        }

        // On: the next envelope goes out once the message before it was written.
        return _inFlight.Count == 0 || (_inFlight.Count == 1 && _inFlight[0].State.Stage == TransactionStage.AwaitingFinal);
    }

    private SmtpTransaction? TakeNext()
    {
        if (_retry.Count > 0)
        {
            var retry = _retry[0];
            _retry.RemoveAt(0);
            return retry;
        }

        return _source.TryTake();
    }

    private void Start(SmtpTransaction transaction)
    {
        var state = transaction.State;
        state.Reset();
        lock (_gate)
        {
            if (!transaction.TryHandTo(this))
            {
                Decide(transaction, Cancelled(transaction));
                return;
            }

            _inFlight.Add(transaction);
        }

        try
        {
            _session.CheckInternational(transaction.Message, transaction.Envelope, transaction.Transport);
            var bdat = _chunking && _pipelined;
            state.Content = SmtpContent.Create(transaction.Message, transaction.Envelope, _session.Client.Capabilities, forData: !bdat);
            state.UsesBdat = bdat || (state.Content.NeedsBdat && _chunking);
            transaction.ContentLength = state.Content.Length;
            _session.CheckSize(state.Content.Length, transaction.Transport);
            state.Dsn = _session.CheckEnvelopeExtensions(transaction.Message, transaction.Envelope, transaction.Transport) ? transaction.Envelope.DeliveryStatus : null;
        }
        catch (Exception ex) when (ex is EmailSendException or IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            // Nothing of it was written.
            Finish(transaction, ex is EmailSendException ? ex : Unreadable(ex, transaction));
            return;
        }

        if (transaction.CancelRequested)
        {
            Finish(transaction, Cancelled(transaction));
            return;
        }

        if (transaction.TraceParent is { } parent)
        {
            transaction.DataSpan = Diagnostics.MailSenderTelemetry.StartSmtpUnder(parent, Diagnostics.TelemetryNames.DataSpan, Endpoint.Host, Endpoint.Port);
        }

        // After a failure, and behind a transaction whose envelope was not answered when it was written: if all its
        // recipients are refused, its MAIL stays open on some servers, and this transaction's RCPTs would join it.
        if (_needsReset || _inFlight.Exists(static other => other.State.PipelinedBdat))
        {
            WriteReset();
        }

        state.FirstOnConnection = _written++ == 0;
        state.Stage = TransactionStage.Envelope;
        var international = state.Content.International;
        _output.MailFrom(transaction.Envelope.Sender.GetAddress(!international), state.Content, (_session.Client.Capabilities & SmtpCapabilities.Size) != 0, state.Dsn, transaction.Envelope.RequireTls);
        Expect(transaction, Kind.Mail);
        if (!_pipelined)
        {
            return;
        }

        foreach (var recipient in transaction.Envelope.Recipients)
        {
            WriteRecipient(transaction, recipient, international);
        }

        if (!state.UsesBdat)
        {
            _output.Command("DATA");
            Expect(transaction, Kind.Data);
        }
        else if (_aggressive)
        {
            state.PipelinedBdat = true;
            _output.Bdat(state.Content, transaction);
            state.Stage = TransactionStage.AwaitingFinal;
            Expect(transaction, Kind.Final);
        }
    }

    private void WriteRecipient(SmtpTransaction transaction, MailboxAddress recipient, bool international)
    {
        _output.RcptTo(recipient.GetAddress(!international), transaction.State.Dsn);
        transaction.State.RecipientsWritten++;
        Expect(transaction, Kind.Recipient);
    }

    /// <summary>Lock-step: the next command of the envelope, or the message.</summary>
    private void WriteNextStep(SmtpTransaction transaction)
    {
        var state = transaction.State;
        var recipients = transaction.Envelope.Recipients;
        if (state.RecipientsWritten < recipients.Count)
        {
            WriteRecipient(transaction, recipients[state.RecipientsWritten], state.Content!.International);
        }
        else if (state.UsesBdat)
        {
            state.Stage = TransactionStage.ReadyForContent;
            WriteContent(transaction);
        }
        else
        {
            _output.Command("DATA");
            Expect(transaction, Kind.Data);
        }
    }

    private void WriteContent(SmtpTransaction transaction)
    {
        var state = transaction.State;
        if (state.TerminateEmpty)
        {
            _output.Terminator(transaction);
            state.Stage = TransactionStage.AwaitingFinal;
            Expect(transaction, Kind.Final);
            return;
        }

        if (transaction.CancelRequested)
        {
            if (!state.UsesBdat)
            {
                // After 354 the server reads a message: only dropping the connection ends it without one.
                throw new TransactionCancelledException(transaction);
            }

            // BDAT was not written yet: the transaction is simply abandoned and reset.
            _needsReset = true;
            Finish(transaction, Cancelled(transaction));
            return;
        }

        if (state.UsesBdat)
        {
            _output.Bdat(state.Content!, transaction);
        }
        else
        {
            _output.DataContent(state.Content!, transaction);
        }

        state.Stage = TransactionStage.AwaitingFinal;
        Expect(transaction, Kind.Final);
    }

    private void WriteReset()
    {
        _output.Command("RSET");
        _expected.Enqueue(new Expected(Kind.Reset, null));
        _needsReset = false;
    }

    private void Expect(SmtpTransaction transaction, Kind kind)
    {
        transaction.State.PendingReplies++;
        _expected.Enqueue(new Expected(kind, transaction));
    }

    private void OnReply(Expected expected, SmtpServerReply reply)
    {
        if (expected.Transaction is not { } transaction)
        {
            if (reply.Code != 250)
            {
                throw new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, (SmtpStatusCode)reply.Code, reply.Text ?? string.Empty);
            }

            return;
        }

        var state = transaction.State;
        state.PendingReplies--;
        if (reply.Code == 421)
        {
            // The server is closing the connection: this reply is the transaction's answer, the rest are lost with it.
            throw new ServerClosingException(transaction, new SmtpCommandException(ErrorCodeFor(expected.Kind), SmtpStatusCode.ServiceNotAvailable, reply.Text ?? string.Empty));
        }

        switch (expected.Kind)
        {
            case Kind.Mail:
                OnMailReply(transaction, reply);
                break;
            case Kind.Recipient:
                OnRecipientReply(transaction, reply);
                break;
            case Kind.Data:
                OnDataReply(transaction, reply);
                break;
            default:
                OnFinalReply(transaction, reply);
                break;
        }
    }

    private void OnMailReply(SmtpTransaction transaction, SmtpServerReply reply)
    {
        var state = transaction.State;
        if (reply.IsPositive)
        {
            state.MailAccepted = true;
            return;
        }

        state.Failure ??= reply.Code == 530
            ? new ServiceNotAuthenticatedException(reply.Text ?? string.Empty)
            : new SmtpCommandException(SmtpErrorCode.SenderNotAccepted, (SmtpStatusCode)reply.Code, transaction.Envelope.Sender, reply.Text ?? string.Empty);
        if (!_pipelined || state.PendingReplies == 0)
        {
            _needsReset = true;
            Finish(transaction, state.Failure);
        }
    }

    private void OnRecipientReply(SmtpTransaction transaction, SmtpServerReply reply)
    {
        var state = transaction.State;
        var recipient = transaction.Envelope.Recipients[state.RecipientsAnswered++];
        if (state.MailAccepted)
        {
            if (reply.Code < 300)
            {
                state.AcceptedCount++;
            }
            else if (reply.Code == 530)
            {
                state.Failure ??= new ServiceNotAuthenticatedException(reply.Text ?? string.Empty);
            }
            else
            {
                var text = _session.Secrets.Redact(reply.Text ?? string.Empty);
                (state.Rejected ??= []).Add(new RejectedRecipient(recipient.Address, reply.Code, SmtpReply.EnhancedStatusCode(text), text));
            }
        }

        if (state.RecipientsAnswered < transaction.Envelope.Recipients.Count)
        {
            return;
        }

        if (state.MailAccepted && state.AcceptedCount == 0)
        {
            state.Failure ??= new SmtpProtocolClient.NoRecipientsAcceptedException();
        }

        if (state.Failure is not null)
        {
            if (state.PendingReplies == 0)
            {
                // Nothing else of it is on the wire: the MAIL it opened is reset before the next one.
                _needsReset = true;
                Finish(transaction, state.Failure);
            }

            return;
        }

        // From here a failure belongs to the message transfer.
        state.InMessageTransfer = true;

        // The mode may have fallen back since this transaction was written: what it was written with decides.
        if (_pipelined && state.UsesBdat && !state.PipelinedBdat)
        {
            state.Stage = TransactionStage.ReadyForContent;
        }
    }

    private void OnDataReply(SmtpTransaction transaction, SmtpServerReply reply)
    {
        var state = transaction.State;
        if (reply.Code == 354)
        {
            // A server may answer DATA with 354 although every recipient was refused: only the terminator follows.
            state.TerminateEmpty = state.Failure is not null;
            state.Stage = TransactionStage.ReadyForContent;
            return;
        }

        state.Failure ??= new SmtpCommandException(SmtpErrorCode.UnexpectedStatusCode, (SmtpStatusCode)reply.Code, reply.Text ?? string.Empty);
        _needsReset = true;
        Finish(transaction, state.Failure);
    }

    private void OnFinalReply(SmtpTransaction transaction, SmtpServerReply reply)
    {
        var state = transaction.State;
        if (state.Failure is not null)
        {
            // Its envelope failed (the BDAT was already on its way, or the empty DATA): the reply confirms the refusal.
            _needsReset = true;
            Finish(transaction, state.Failure);
            return;
        }

        if (reply.IsPositive)
        {
            Succeed(transaction, reply.Text ?? string.Empty);
            return;
        }

        if (state.PipelinedBdat && reply.Code is >= 500 and <= 504)
        {
            // A syntax or sequence error for a pipelined BDAT whose envelope was accepted: the server does not take
            // BDAT before the envelope replies. It refused the message, so sending it again cannot duplicate it.
            _history.MarkRefusesPipelinedBdat(Endpoint.Host, Endpoint.Port);
            _aggressive = false;
            _needsReset = true;
            lock (_gate)
            {
                _inFlight.Remove(transaction);
            }

            state.Content?.Dispose();
            state.Reset();
            _retry.Add(transaction);
            return;
        }

        state.Failure = reply.Code == 530
            ? new ServiceNotAuthenticatedException(reply.Text ?? string.Empty)
            : new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, (SmtpStatusCode)reply.Code, reply.Text ?? string.Empty);
        _needsReset |= state.UsesBdat;
        Finish(transaction, state.Failure);
    }

    private void Succeed(SmtpTransaction transaction, string response)
    {
        var state = transaction.State;
        var rejected = state.Rejected is null ? [] : state.Rejected.ToArray();
        transaction.Succeed(new SendResult
        {
            MessageId = transaction.Message.MessageId ?? string.Empty,
            AcceptedRecipients = Accepted(transaction.Envelope, rejected),
            RejectedRecipients = rejected,
            ServerResponse = _session.Secrets.Redact(response),
            Transport = transaction.Transport,
        });
        Done(transaction);
    }

    /// <summary>Decides a failure from an exception the mapper knows (a reply, MailKit's, or an <see cref="EmailSendException"/>).</summary>
    private void Finish(SmtpTransaction transaction, Exception failure)
    {
        var error = failure is EmailSendException or OperationCanceledException
            ? failure
            : SmtpErrorMapper.Map(failure, SmtpPhase.Envelope, Endpoint, _session, _session.Info, transaction.State);
        transaction.Fail(error);
        Done(transaction);
    }

    private void Decide(SmtpTransaction transaction, Exception error)
    {
        transaction.Fail(error);
        transaction.EndSpan();
        _decided.Add(transaction);
    }

    private void Done(SmtpTransaction transaction)
    {
        transaction.EndSpan();
        transaction.State.Stage = TransactionStage.Done;
        transaction.State.Content?.Dispose();
        transaction.State.Content = null;
        lock (_gate)
        {
            _inFlight.Remove(transaction);
        }

        _decided.Add(transaction);
    }

    /// <summary>The connection failed (or is being dropped): judges every outstanding transaction alone.</summary>
    private void FailAll(Exception exception)
    {
        _output.Clear();
        _expected.Clear();
        SmtpTransaction? cancelled;
        SmtpTransaction[] outstanding;
        lock (_gate)
        {
            cancelled = (exception as TransactionCancelledException)?.Transaction ?? _abortedFor;
            outstanding = [.. _inFlight];
            _inFlight.Clear();
        }

        var closing = exception as ServerClosingException;
        var cause = closing?.Reply ?? exception;
        foreach (var transaction in outstanding)
        {
            var state = transaction.State;
            state.Content?.Dispose();
            state.Content = null;
            state.Stage = TransactionStage.Done;
            if (transaction.IsDecided)
            {
                _decided.Add(transaction);
            }
            else if (transaction == cancelled && exception is TransactionCancelledException { InnerException: { } checkpointFailure })
            {
                Decide(transaction, new EmailSendException(EmailErrorKind.StorageFailed, "The message was not sent: the delivery could not be recorded before its end was written (" + checkpointFailure.Message + ").", checkpointFailure)
                {
                    Transport = transaction.Transport,
                });
            }
            else if (transaction == cancelled || (transaction.CancelRequested && !state.FinalWritten))
            {
                Decide(transaction, Cancelled(transaction));
            }
            else if (closing is not null && transaction == closing.Transaction)
            {
                // The 421 answered this transaction's own command: a refusal, or, before its end was written, a lost connection.
                var error = SmtpErrorMapper.Map(closing.Reply, SmtpPhase.Envelope, Endpoint, _session, _session.Info, state);
                ReturnOrFail(transaction, error, lost: !state.FinalWritten && SmtpSession.IsConnectionLost(closing.Reply));
            }
            else
            {
                // Someone else's failure (a 421, a refused RSET, a cancellation): for this transaction the connection was simply lost.
                var lost = closing is not null || cancelled is not null || cause is SmtpCommandException ? new IOException("The server closed the connection.", cause) : cause;
                var error = SmtpErrorMapper.Map(lost, SmtpPhase.Envelope, Endpoint, _session, _session.Info, state);
                ReturnOrFail(transaction, error, lost: !state.FinalWritten && SmtpSession.IsConnectionLost(lost));
            }
        }

        foreach (var transaction in _retry)
        {
            // Refused for a reason that sending again fixes; the connection is gone before it could be.
            ReturnOrFail(transaction, SmtpErrorMapper.Map(new IOException("The server closed the connection.", cause), SmtpPhase.Envelope, Endpoint, _session, _session.Info, transaction.State), lost: true);
        }

        _retry.Clear();
    }

    private void ReturnOrFail(SmtpTransaction transaction, EmailSendException error, bool lost)
    {
        if (!lost)
        {
            Decide(transaction, error);
            return;
        }

        var knownGood = _knownGood || !transaction.State.FirstOnConnection;
        if (_source.ReturnUnsent(transaction, error, knownGood) is { } failure)
        {
            Decide(transaction, failure);
        }
        else
        {
            // Sent again on another connection: this attempt's span ends with the lost connection.
            if (transaction.DataSpan is { } span)
            {
                transaction.DataSpan = null;
                Diagnostics.MailSenderTelemetry.Fail(span, error);
                span.Dispose();
            }
        }
    }

    private static OperationCanceledException Cancelled(SmtpTransaction transaction) =>
        new("The send was cancelled before the message was handed over; nothing was sent.", transaction.CancellationToken);

    private static EmailSendException Unreadable(Exception exception, SmtpTransaction transaction) =>
        new(EmailErrorKind.InvalidMessage, $"The message could not be written: {exception.Message}", exception)
        {
            Transport = transaction.Transport,
            Hint = "An attachment's stream failed while the message was written; nothing was sent.",
        };

    private static SmtpErrorCode ErrorCodeFor(Kind kind) => kind switch
    {
        Kind.Mail => SmtpErrorCode.SenderNotAccepted,
        Kind.Recipient => SmtpErrorCode.RecipientNotAccepted,
        Kind.Final => SmtpErrorCode.MessageNotAccepted,
        _ => SmtpErrorCode.UnexpectedStatusCode,
    };

    private static string[] Accepted(MailEnvelope envelope, RejectedRecipient[] rejected)
    {
        var accepted = new string[envelope.Recipients.Count - rejected.Length];
        var count = 0;
        foreach (var recipient in envelope.Recipients)
        {
            if (rejected.Length == 0 || Array.FindIndex(rejected, r => string.Equals(r.Address, recipient.Address, StringComparison.OrdinalIgnoreCase)) < 0)
            {
                if (count == accepted.Length)
                {
                    Array.Resize(ref accepted, count + 1);
                }

                accepted[count++] = recipient.Address;
            }
        }

        return count == accepted.Length ? accepted : accepted[..count];
    }

    private readonly record struct Expected(Kind Kind, SmtpTransaction? Transaction);

    /// <summary>A transaction was cancelled after 354: the connection is dropped so that no message follows.</summary>
    private sealed class TransactionCancelledException(SmtpTransaction transaction, Exception? checkpointFailure = null)
        : Exception("The send was cancelled after the server asked for the message.", checkpointFailure)
    {
        public SmtpTransaction Transaction { get; } = transaction;
    }

    /// <summary>A 421 reply: the server closes the connection.</summary>
    private sealed class ServerClosingException(SmtpTransaction transaction, SmtpCommandException reply) : Exception(reply.Message, reply)
    {
        public SmtpTransaction Transaction { get; } = transaction;

        public SmtpCommandException Reply { get; } = reply;
    }
}
