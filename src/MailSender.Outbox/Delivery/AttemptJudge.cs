using System.Globalization;
using MailSender.Outbox.Storage;

namespace MailSender.Outbox.Delivery;

/// <summary>
/// Turns what one attempt achieved (a <see cref="SendResult"/> or an exception) into the states to record: who has the
/// message, who is deferred alone, who failed for good, and when to try again (Postfix's back-off and lifetime).
/// </summary>
internal sealed class AttemptJudge(OutboxOptions options)
{
    /// <summary>
    /// Postfix's rule: wait as long as the message has been queued, at least <see cref="OutboxOptions.MinimalBackoff"/> and
    /// at most <see cref="OutboxOptions.MaximalBackoff"/>.
    /// </summary>
    public TimeSpan Backoff(DateTimeOffset createdAt, DateTimeOffset now)
    {
        var queued = now - createdAt;
        var maximal = options.MaximalBackoff < options.MinimalBackoff ? options.MinimalBackoff : options.MaximalBackoff;
        return queued < options.MinimalBackoff ? options.MinimalBackoff : queued > maximal ? maximal : queued;
    }

    /// <summary>The send returned: accepted recipients are sent, refused ones failed (5xx) or deferred (4xx).</summary>
    public AttemptRecord Judge(ClaimedMessage message, SendResult result, DateTimeOffset now)
    {
        var updates = new List<RecipientUpdate>(message.Pending.Count);
        var deferred = new List<(int Position, RejectedRecipient Reply)>();
        RejectedRecipient? lastRefusal = null;
        var failed = false;
        foreach (var (position, address) in message.Pending)
        {
            var rejected = result.RejectedRecipients.FirstOrDefault(r => string.Equals(r.Address, address, StringComparison.OrdinalIgnoreCase));
            if (rejected is null)
            {
                updates.Add(new RecipientUpdate(position, OutboxState.Sent, 250, null, result.ServerResponse));
            }
            else if (rejected.IsTransient)
            {
                deferred.Add((position, rejected));
                lastRefusal = rejected;
            }
            else
            {
                updates.Add(new RecipientUpdate(position, OutboxState.Failed, rejected.StatusCode, rejected.EnhancedStatusCode, rejected.ServerText));
                lastRefusal ??= rejected;
                failed = true;
            }
        }

        if (deferred.Count > 0)
        {
            var first = deferred[0].Reply;
            var error = string.Create(CultureInfo.InvariantCulture, $"{deferred.Count} recipient(s) deferred by the server: {first.StatusCode} {first.ServerText}");
            return Defer(message, now, updates, deferred.Select(d => new Deferral(d.Position, d.Reply.StatusCode, d.Reply.EnhancedStatusCode, d.Reply.ServerText)), error, first.StatusCode, hint: null);
        }

        return new AttemptRecord
        {
            Id = message.Id,
            Lease = message.Lease,
            State = failed ? OutboxState.Failed : OutboxState.Sent,
            LastError = failed && lastRefusal is not null ? string.Create(CultureInfo.InvariantCulture, $"Refused for {updates.Count(u => u.State == OutboxState.Failed)} recipient(s): {lastRefusal.StatusCode} {lastRefusal.ServerText}") : null,
            LastStatusCode = failed ? lastRefusal?.StatusCode : 250,
            FinishedAt = now,
            DeleteBody = !failed && !options.KeepBodies,
            Now = now,
            Recipients = updates,
        };
    }

    /// <summary>The send threw: a refusal, a failure before the end was written (deferred), or an uncertain outcome.</summary>
    /// <param name="message">The held message.</param>
    /// <param name="error">What the send threw.</param>
    /// <param name="now">The time of the outcome.</param>
    /// <param name="finalWriteReached">Whether the send passed its checkpoint (the end of the message may have been written).</param>
    public AttemptRecord Judge(ClaimedMessage message, Exception error, DateTimeOffset now, bool finalWriteReached)
    {
        if (error is EmailSendException { Kind: EmailErrorKind.DeliveryUncertain } || error is EmailSendException { MayHaveBeenAccepted: true })
        {
            var uncertain = (EmailSendException)error;
            if (options.AtLeastOnce)
            {
                return Defer(message, now, [], message.Pending.Select(p => new Deferral(p.Position, uncertain.StatusCode, uncertain.EnhancedStatusCode, uncertain.Message)), uncertain.Message + " Sent again (at-least-once).", uncertain.StatusCode, uncertain.Hint);
            }

            return new AttemptRecord
            {
                Id = message.Id,
                Lease = message.Lease,
                State = OutboxState.Uncertain,
                LastError = uncertain.Message,
                LastStatusCode = uncertain.StatusCode,
                Hint = OutboxStates.UncertainHint,
                FinishedAt = now,
                Now = now,
                Recipients = [.. message.Pending.Select(p => new RecipientUpdate(p.Position, OutboxState.Uncertain, uncertain.StatusCode, uncertain.EnhancedStatusCode, uncertain.Message))],
            };
        }

        if (error is EmailSendException send)
        {
            if (send.Recipients.Count > 0)
            {
                // Every recipient refused: each one on its own reply.
                var byAddress = message.Pending.Select(p => (p.Position, Refusal: send.Recipients.FirstOrDefault(r => string.Equals(r.Address, p.Address, StringComparison.OrdinalIgnoreCase)))).ToArray();
                var updates = byAddress.Where(r => r.Refusal is { IsTransient: false }).Select(r => new RecipientUpdate(r.Position, OutboxState.Failed, r.Refusal!.StatusCode, r.Refusal.EnhancedStatusCode, r.Refusal.ServerText)).ToList();
                var later = byAddress.Where(r => r.Refusal is null or { IsTransient: true }).ToArray();
                if (later.Length > 0)
                {
                    return Defer(message, now, updates, later.Select(r => new Deferral(r.Position, r.Refusal?.StatusCode ?? send.StatusCode, r.Refusal?.EnhancedStatusCode ?? send.EnhancedStatusCode, r.Refusal?.ServerText ?? send.Message)), send.Message, send.StatusCode, send.Hint);
                }

                return Fail(message, now, updates, send.Message, send.StatusCode, send.Hint);
            }

            if (send.IsTransient || send.Kind == EmailErrorKind.StorageFailed)
            {
                // Not delivered (the end was not written, or the server said 4xx): everyone waits for the next attempt.
                return Defer(message, now, [], message.Pending.Select(p => new Deferral(p.Position, send.StatusCode, send.EnhancedStatusCode, send.ServerText ?? send.Message)), send.Message, send.StatusCode, send.Hint);
            }

            return Fail(
                message,
                now,
                [.. message.Pending.Select(p => new RecipientUpdate(p.Position, OutboxState.Failed, send.StatusCode, send.EnhancedStatusCode, send.ServerText ?? send.Message))],
                send.Message,
                send.StatusCode,
                send.Hint);
        }

        if (finalWriteReached)
        {
            // Something unexpected after the end may have been written: the server may have the message.
            return Judge(message, new EmailSendException(EmailErrorKind.DeliveryUncertain, "The send failed after the end of the message may have been written: " + error.Message, error) { MayHaveBeenAccepted = true }, now, true);
        }

        // An unexpected failure before the end was written (nothing delivered): tried again, within the lifetime.
        return Defer(message, now, [], message.Pending.Select(p => new Deferral(p.Position, null, null, error.Message)), $"{error.GetType().Name}: {error.Message}", null, null);
    }

    /// <summary>The stored bytes are gone or unreadable: nothing can be sent.</summary>
    public static AttemptRecord Unreadable(ClaimedMessage message, string why, DateTimeOffset now) =>
        Fail(message, now, [.. message.Pending.Select(p => new RecipientUpdate(p.Position, OutboxState.Failed, null, null, why))], why, null, null);

    private AttemptRecord Defer(ClaimedMessage message, DateTimeOffset now, List<RecipientUpdate> updates, IEnumerable<Deferral> deferred, string error, int? code, string? hint)
    {
        if (now - message.CreatedAt >= options.MaximalLifetime)
        {
            // Postfix's maximal_queue_lifetime: the message has been tried long enough; the last reply says why.
            var why = string.Create(CultureInfo.InvariantCulture, $"Lifetime exceeded: not delivered within {Describe(options.MaximalLifetime)} after {message.Attempts} attempt(s); last: {error}");
            updates.AddRange(deferred.Select(d => new RecipientUpdate(d.Position, OutboxState.Failed, d.Code, d.Enhanced, "Lifetime exceeded; last reply: " + d.Reply)));
            return Fail(message, now, updates, why, code, hint);
        }

        updates.AddRange(deferred.Select(d => new RecipientUpdate(d.Position, OutboxState.Deferred, d.Code, d.Enhanced, d.Reply)));
        return new AttemptRecord
        {
            Id = message.Id,
            Lease = message.Lease,
            State = OutboxState.Deferred,
            NextAttemptAt = now + Backoff(message.CreatedAt, now),
            LastError = error,
            LastStatusCode = code,
            Hint = hint,
            Now = now,
            Recipients = updates,
        };
    }

    private static AttemptRecord Fail(ClaimedMessage message, DateTimeOffset now, List<RecipientUpdate> updates, string error, int? code, string? hint) => new()
    {
        Id = message.Id,
        Lease = message.Lease,
        State = OutboxState.Failed,
        LastError = error,
        LastStatusCode = code,
        Hint = hint,
        FinishedAt = now,
        Now = now,
        Recipients = updates,
    };

    private static string Describe(TimeSpan span) => span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays)
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays} day(s)")
        : span.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>A recipient that waits for the next attempt, with the reply that deferred it.</summary>
    private readonly record struct Deferral(int Position, int? Code, string? Enhanced, string? Reply);
}
