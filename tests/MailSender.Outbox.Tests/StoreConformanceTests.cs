using MailSender.Outbox.Storage;
using Xunit;

namespace MailSender.Outbox.Tests;

/// <summary>
/// What every outbox store must do, run against each (SQLite here, PostgreSQL in PostgreSql/): the transitions of
/// <see cref="IOutboxStore"/>'s contract, lease fencing, and the recovery of messages whose worker died.
/// </summary>
public abstract class StoreConformanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly List<IOutboxStore> _stores = [];

    /// <summary>Creates a store on an empty database of its own.</summary>
    internal abstract Task<IOutboxStore> CreateStoreAsync(OutboxOptions options);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Enqueue_StoresTheMessageQueuedWithItsRecipients()
    {
        var store = await NewStoreAsync();
        var (id, created) = await store.EnqueueAsync(Message(T0, "a@example.com", "b@example.com"), null, default);

        Assert.True(created);
        var stored = await store.GetAsync(id, default);
        Assert.NotNull(stored);
        Assert.Equal(OutboxState.Queued, stored.State);
        Assert.Equal(["a@example.com", "b@example.com"], stored.Recipients.Select(r => r.Address));
        Assert.All(stored.Recipients, r => Assert.Equal(OutboxState.Queued, r.State));
        Assert.Equal("sender@example.com", stored.From);
        Assert.Equal("Subject", stored.Subject);
        Assert.True(stored.HasBody);
        Assert.Equal(T0, stored.CreatedAt);
        Assert.Equal(0, stored.Attempts);
    }

    [SkippableFact]
    public async Task Enqueue_SameIdempotencyKey_ReturnsTheFirstIdAndStoresNothing()
    {
        var store = await NewStoreAsync();
        var (first, _) = await store.EnqueueAsync(Message(T0, key: "order-42"), null, default);
        var (second, created) = await store.EnqueueAsync(Message(T0, key: "order-42"), null, default);

        Assert.Equal(first, second);
        Assert.False(created);
        Assert.Single(await store.ListAsync(null, 10, default));
    }

    [SkippableFact]
    public async Task Claim_TakesOnlyDueMessages_AndNeverTheSameOneTwice()
    {
        var store = await NewStoreAsync();
        var (due, _) = await store.EnqueueAsync(Message(T0), null, default);
        await store.EnqueueAsync(Message(T0, notBefore: T0.AddHours(1)), null, default);

        var claimed = await store.ClaimAsync(10, T0, Lease, atLeastOnce: false, default);
        var again = await store.ClaimAsync(10, T0, Lease, atLeastOnce: false, default);

        var message = Assert.Single(claimed);
        Assert.Equal(due, message.Id);
        Assert.Equal(1, message.Attempts);
        Assert.NotNull(message.Body);
        Assert.Equal([(0, "rcpt@example.com")], message.Pending);
        Assert.Empty(again);
        Assert.Equal(OutboxState.Sending, (await store.GetAsync(due, default))!.State);
    }

    [SkippableFact]
    public async Task Claim_RespectsTheMaximum_OldestDueFirst()
    {
        var store = await NewStoreAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await store.EnqueueAsync(Message(T0.AddSeconds(i)), null, default)).Id);
        }

        var claimed = await store.ClaimAsync(3, T0.AddMinutes(1), Lease, atLeastOnce: false, default);

        Assert.Equal(ids.Take(3).Order(), claimed.Select(c => c.Id).Order());
    }

    [SkippableFact]
    public async Task MarkFinalWrite_IsFencedByTheLease()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0), null, default);
        var held = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));

        Assert.False(await store.MarkFinalWriteAsync(held.Id, Guid.NewGuid(), T0, default));
        Assert.False(await store.MarkFinalWriteAsync(held.Id, held.Lease, T0 + Lease, default));
        Assert.True(await store.MarkFinalWriteAsync(held.Id, held.Lease, T0.AddSeconds(1), default));
    }

    [SkippableFact]
    public async Task CompleteAttempt_Sent_RecordsRepliesAndDeletesTheBody()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0, "a@example.com", "b@example.com"), null, default);
        var held = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));

        var recorded = await store.CompleteAttemptAsync(Record(held, OutboxState.Sent, [new(0, OutboxState.Sent, 250, null, "ok"), new(1, OutboxState.Sent, 250, null, "ok")], deleteBody: true), default);

        Assert.True(recorded);
        var stored = (await store.GetAsync(held.Id, default))!;
        Assert.Equal(OutboxState.Sent, stored.State);
        Assert.False(stored.HasBody);
        Assert.Equal(T0.AddSeconds(5), stored.FinishedAt);
        Assert.All(stored.Recipients, r => Assert.Equal((OutboxState.Sent, 250, "ok"), (r.State, r.StatusCode, r.Reply)));
    }

    [SkippableFact]
    public async Task CompleteAttempt_WithALeaseTakenOver_ChangesNothing()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0), null, default);
        var first = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));

        // The first worker stalls past its lease; a second takes the message over.
        var second = Assert.Single(await store.ClaimAsync(1, T0 + Lease, Lease, false, default));
        var late = await store.CompleteAttemptAsync(Record(first, OutboxState.Failed, [new(0, OutboxState.Failed, 550, "5.1.1", "no")]), default);

        Assert.False(late);
        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.Lease, second.Lease);
        Assert.Equal(OutboxState.Sending, (await store.GetAsync(first.Id, default))!.State);
        Assert.Equal(2, second.Attempts);
    }

    [SkippableFact]
    public async Task ExpiredLease_BeforeTheFinalWrite_IsSentAgain()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0), null, default);
        var dead = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));

        Assert.Empty(await store.ClaimAsync(1, T0 + Lease - TimeSpan.FromSeconds(1), Lease, false, default));
        var taken = Assert.Single(await store.ClaimAsync(1, T0 + Lease, Lease, false, default));

        Assert.Equal(dead.Id, taken.Id);
        Assert.Equal(dead.Pending, taken.Pending);
        Assert.Equal(OutboxStates.ReclaimedBeforeFinalWrite, (await store.GetAsync(dead.Id, default))!.LastError);
    }

    [SkippableFact]
    public async Task ExpiredLease_AfterTheFinalWrite_IsUncertain_NeverSentAgain()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0, "a@example.com", "b@example.com"), null, default);
        var dead = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));
        Assert.True(await store.MarkFinalWriteAsync(dead.Id, dead.Lease, T0.AddSeconds(1), default));

        var claimed = await store.ClaimAsync(1, T0 + Lease, Lease, false, default);

        Assert.Empty(claimed);
        var stored = (await store.GetAsync(dead.Id, default))!;
        Assert.Equal(OutboxState.Uncertain, stored.State);
        Assert.Equal(OutboxStates.ReclaimedAfterFinalWrite, stored.LastError);
        Assert.Equal(OutboxStates.UncertainHint, stored.Hint);
        Assert.Equal(T0 + Lease, stored.FinishedAt);
        Assert.All(stored.Recipients, r => Assert.Equal(OutboxState.Uncertain, r.State));
    }

    [SkippableFact]
    public async Task ExpiredLease_AfterTheFinalWrite_AtLeastOnce_IsSentAgain()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0), null, default);
        var dead = Assert.Single(await store.ClaimAsync(1, T0, Lease, true, default));
        Assert.True(await store.MarkFinalWriteAsync(dead.Id, dead.Lease, T0.AddSeconds(1), default));

        var taken = Assert.Single(await store.ClaimAsync(1, T0 + Lease, Lease, atLeastOnce: true, default));

        Assert.Equal(dead.Id, taken.Id);
        Assert.Equal(OutboxStates.ReclaimedAtLeastOnce, (await store.GetAsync(dead.Id, default))!.LastError);
    }

    [SkippableFact]
    public async Task Deferred_KeepsSentRecipients_AndClaimsOnlyThePendingOnes()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0, "a@example.com", "b@example.com"), null, default);
        var held = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));
        await store.CompleteAttemptAsync(Record(held, OutboxState.Deferred, [new(0, OutboxState.Sent, 250, null, "ok"), new(1, OutboxState.Deferred, 451, "4.7.1", "greylisted")], next: T0.AddMinutes(5)), default);

        Assert.Empty(await store.ClaimAsync(1, T0.AddMinutes(4), Lease, false, default));
        var again = Assert.Single(await store.ClaimAsync(1, T0.AddMinutes(5), Lease, false, default));

        Assert.Equal([(1, "b@example.com")], again.Pending);
        Assert.Equal(2, again.Attempts);
        var stored = (await store.GetAsync(held.Id, default))!;
        Assert.Equal(OutboxState.Sent, stored.Recipients[0].State);
        Assert.Equal(OutboxState.Sending, stored.Recipients[1].State);
    }

    [SkippableFact]
    public async Task Release_GivesTheMessageBack_AsItWas()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0), null, default);
        var held = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));

        await store.ReleaseAsync([(held.Id, held.Lease)], default);

        var stored = (await store.GetAsync(held.Id, default))!;
        Assert.Equal((OutboxState.Queued, 0, T0), (stored.State, stored.Attempts, stored.NextAttemptAt!.Value));
        Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));
    }

    [SkippableFact]
    public async Task Release_AfterTheFinalWrite_KeepsTheMessageHeld()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0), null, default);
        var held = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));
        await store.MarkFinalWriteAsync(held.Id, held.Lease, T0, default);

        await store.ReleaseAsync([(held.Id, held.Lease)], default);

        Assert.Equal(OutboxState.Sending, (await store.GetAsync(held.Id, default))!.State);
    }

    [SkippableFact]
    public async Task RenewLeases_ReportsTheOnesTakenOver()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0), null, default);
        await store.EnqueueAsync(Message(T0), null, default);
        var held = await store.ClaimAsync(2, T0, Lease, false, default);

        var lost = await store.RenewLeasesAsync([(held[0].Id, held[0].Lease), (held[1].Id, Guid.NewGuid())], T0.AddMinutes(10), default);

        Assert.Equal([held[1].Id], lost);
        Assert.Empty(await store.ClaimAsync(2, T0.AddMinutes(5), Lease, false, default).ContinueWith(t => t.Result.Where(m => m.Id == held[0].Id).ToList()));
    }

    [SkippableFact]
    public async Task Retry_QueuesFailedRecipientsAgain_SentOnesStaySent()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0, "a@example.com", "b@example.com"), null, default);
        var held = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));
        await store.CompleteAttemptAsync(Record(held, OutboxState.Failed, [new(0, OutboxState.Sent, 250, null, "ok"), new(1, OutboxState.Failed, 550, "5.1.1", "unknown")]), default);

        Assert.True(await store.RetryAsync(held.Id, T0.AddHours(1), default));
        Assert.False(await store.RetryAsync(Guid.NewGuid(), T0, default));

        var again = Assert.Single(await store.ClaimAsync(1, T0.AddHours(1), Lease, false, default));
        Assert.Equal([(1, "b@example.com")], again.Pending);
    }

    [SkippableFact]
    public async Task Retry_RefusesMessagesThatAreQueuedOrSent()
    {
        var store = await NewStoreAsync();
        var (queued, _) = await store.EnqueueAsync(Message(T0), null, default);

        Assert.False(await store.RetryAsync(queued, T0, default));
    }

    [SkippableFact]
    public async Task Cancel_StopsAQueuedMessage_NotAHeldOne()
    {
        var store = await NewStoreAsync();
        var (queued, _) = await store.EnqueueAsync(Message(T0, notBefore: T0.AddMinutes(1)), null, default);
        var (other, _) = await store.EnqueueAsync(Message(T0), null, default);
        Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));

        Assert.True(await store.CancelAsync(queued, T0, default));
        Assert.False(await store.CancelAsync(other, T0, default));

        var stored = (await store.GetAsync(queued, default))!;
        Assert.Equal(OutboxState.Cancelled, stored.State);
        Assert.All(stored.Recipients, r => Assert.Equal(OutboxState.Cancelled, r.State));
        Assert.Empty(await store.ClaimAsync(1, T0.AddMinutes(1), Lease, false, default));
    }

    [SkippableFact]
    public async Task Purge_DeletesFinishedMessagesOfTheGivenStatesBeforeTheTime()
    {
        var store = await NewStoreAsync();
        var (cancelled, _) = await store.EnqueueAsync(Message(T0), null, default);
        var (queued, _) = await store.EnqueueAsync(Message(T0, notBefore: T0.AddDays(1)), null, default);
        await store.CancelAsync(cancelled, T0, default);

        Assert.Equal(0, await store.PurgeAsync(T0, OutboxStates.Final, default));
        Assert.Equal(0, await store.PurgeAsync(T0.AddSeconds(1), [OutboxState.Sent], default));
        Assert.Equal(1, await store.PurgeAsync(T0.AddSeconds(1), OutboxStates.Final, default));

        Assert.Null(await store.GetAsync(cancelled, default));
        Assert.NotNull(await store.GetAsync(queued, default));
    }

    [SkippableFact]
    public async Task Statistics_CountEveryState_AndTheOldestDueAge()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0), null, default);
        await store.EnqueueAsync(Message(T0.AddMinutes(1)), null, default);
        await store.EnqueueAsync(Message(T0, notBefore: T0.AddDays(1)), null, default);

        var statistics = await store.GetStatisticsAsync(T0.AddMinutes(10), default);

        Assert.Equal(OutboxStates.All.Length, statistics.Counts.Count);
        Assert.Equal(3, statistics.Counts[OutboxState.Queued]);
        Assert.Equal(0, statistics.Counts[OutboxState.Sent]);
        Assert.Equal(TimeSpan.FromMinutes(10), statistics.OldestDueAge);
        Assert.Equal(T0, await store.GetNextDueAsync(default));
        Assert.Equal(0, await store.CountSendingAsync(default));
    }

    [SkippableFact]
    public async Task List_FiltersByState_OldestFirst_UpToTheLimit()
    {
        var store = await NewStoreAsync();
        var first = (await store.EnqueueAsync(Message(T0), null, default)).Id;
        var second = (await store.EnqueueAsync(Message(T0.AddSeconds(1)), null, default)).Id;
        var third = (await store.EnqueueAsync(Message(T0.AddSeconds(2)), null, default)).Id;
        await store.CancelAsync(second, T0, default);

        Assert.Equal([first, third], (await store.ListAsync(OutboxState.Queued, 10, default)).Select(m => m.Id));
        Assert.Equal([second], (await store.ListAsync(OutboxState.Cancelled, 10, default)).Select(m => m.Id));
        Assert.Equal([first, second], (await store.ListAsync(null, 2, default)).Select(m => m.Id));
    }

    [SkippableFact]
    public async Task TakePermits_NeverGrantsMoreThanTheLimitInAWindow()
    {
        var store = await NewStoreAsync();
        var window = TimeSpan.FromHours(1);

        var granted = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            granted.Add(await store.TakePermitsAsync("test", 4, 10, window, default));
        }

        // One hour windows: unless the clock crosses an hour boundary during the test, 4 + 4 + 2 + 0 + 0.
        Assert.True(granted.Sum() is 10 or 14 or 18 or 20, string.Join(",", granted));
        Assert.Equal(4, granted[0]);
    }

    [SkippableFact]
    public async Task Initialize_IsIdempotent()
    {
        var store = await NewStoreAsync();
        var (id, _) = await store.EnqueueAsync(Message(T0), null, default);

        await store.InitializeAsync(default);

        Assert.NotNull(await store.GetAsync(id, default));
    }

    [SkippableFact]
    public async Task MarkBounced_OneOfTwoRecipients_KeepsTheMessageSent_TheSecondMakesItBounced()
    {
        var store = await NewStoreAsync();
        var id = await SentAsync(store, "a@example.com", "B@Example.com");

        var first = await store.MarkBouncedAsync("id@example.com", "a@example.com", "5.1.1", "no such user", T0.AddHours(1), default);
        var afterFirst = (await store.GetAsync(id, default))!;
        var second = await store.MarkBouncedAsync("id@example.com", "b@example.com", "5.2.1", "mailbox disabled", T0.AddHours(2), default);
        var afterSecond = (await store.GetAsync(id, default))!;

        Assert.Equal(1, first);
        Assert.Equal(OutboxState.Sent, afterFirst.State);
        Assert.Equal([OutboxState.Bounced, OutboxState.Sent], afterFirst.Recipients.Select(r => r.State));
        var bounced = afterFirst.Recipients[0];
        Assert.Equal("5.1.1", bounced.EnhancedStatusCode);
        Assert.Null(bounced.StatusCode);
        Assert.Equal(250, afterFirst.Recipients[1].StatusCode);
        Assert.Equal("no such user", bounced.Reply);
        Assert.Equal(T0.AddHours(1), bounced.UpdatedAt);
        Assert.Equal(1, second);
        Assert.Equal(OutboxState.Bounced, afterSecond.State);
        Assert.All(afterSecond.Recipients, r => Assert.Equal(OutboxState.Bounced, r.State));
        Assert.Equal(1, (await store.GetStatisticsAsync(T0.AddHours(3), default)).Counts[OutboxState.Bounced]);
        Assert.Single(await store.ListAsync(OutboxState.Bounced, 10, default));
    }

    [SkippableFact]
    public async Task MarkBounced_IsIdempotent_AndChangesNothingUnknownOrNotSent()
    {
        var store = await NewStoreAsync();
        var sent = await SentAsync(store, "a@example.com");
        var (queued, _) = await store.EnqueueAsync(Message(T0, "a@example.com"), null, default);

        Assert.Equal(1, await store.MarkBouncedAsync("id@example.com", "a@example.com", "5.1.1", "no", T0.AddHours(1), default));
        Assert.Equal(0, await store.MarkBouncedAsync("id@example.com", "a@example.com", "5.1.1", "no", T0.AddHours(2), default));
        Assert.Equal(0, await store.MarkBouncedAsync("other@example.com", "a@example.com", "5.1.1", "no", T0.AddHours(2), default));
        Assert.Equal(0, await store.MarkBouncedAsync("id@example.com", "nobody@example.com", "5.1.1", "no", T0.AddHours(2), default));

        Assert.Equal(T0.AddHours(1), (await store.GetAsync(sent, default))!.Recipients[0].UpdatedAt);
        var untouched = (await store.GetAsync(queued, default))!;
        Assert.Equal(OutboxState.Queued, untouched.State);
        Assert.Equal(OutboxState.Queued, untouched.Recipients[0].State);
    }

    [SkippableFact]
    public async Task Bounced_IsNotRetried_AndIsPurgedAsFinal()
    {
        var store = await NewStoreAsync();
        var id = await SentAsync(store, "a@example.com");
        await store.MarkBouncedAsync("id@example.com", "a@example.com", "5.1.1", "no", T0.AddHours(1), default);

        Assert.False(await store.RetryAsync(id, T0.AddHours(2), default));
        Assert.Equal(1, await store.PurgeAsync(T0.AddDays(1), [OutboxState.Bounced], default));
        Assert.Null(await store.GetAsync(id, default));
    }

    [SkippableFact]
    public async Task MarkBounced_BothRecipientsAtOnce_MakesTheMessageBounced()
    {
        var store = await NewStoreAsync();
        var id = await SentAsync(store, "a@example.com", "b@example.com");

        // Two reports at the same time (two processors, or two machines of a PostgreSQL outbox): whichever is second
        // must see the first's recipient when it decides the message's state.
        var changed = await Task.WhenAll(
            store.MarkBouncedAsync("id@example.com", "a@example.com", "5.1.1", "no", T0.AddHours(1), default),
            store.MarkBouncedAsync("id@example.com", "b@example.com", "5.1.1", "no", T0.AddHours(1), default));

        Assert.Equal([1, 1], changed);
        var stored = (await store.GetAsync(id, default))!;
        Assert.Equal(OutboxState.Bounced, stored.State);
        Assert.All(stored.Recipients, r => Assert.Equal(OutboxState.Bounced, r.State));
    }

    [SkippableFact]
    public async Task MarkBounced_ComparesTheAddressWithoutCase_BeyondAsciiToo()
    {
        var store = await NewStoreAsync();
        var id = await SentAsync(store, "JÖRG@Example.com", "µ@example.com");

        Assert.Equal(1, await store.MarkBouncedAsync("id@example.com", "jörg@example.COM", "5.1.1", "no", T0.AddHours(1), default));
        Assert.Equal(0, await store.MarkBouncedAsync("id@example.com", "µx@example.com", "5.1.1", "no", T0.AddHours(1), default));
        Assert.Equal(1, await store.MarkBouncedAsync("id@example.com", "Μ@example.com", "5.1.1", "no", T0.AddHours(1), default));

        Assert.Equal(OutboxState.Bounced, (await store.GetAsync(id, default))!.State);
    }

    [SkippableFact]
    public async Task MarkBounced_ARecipientThatWasNeverSent_ChangesNothing_AndRetryNeverQueuesABouncedOne()
    {
        var store = await NewStoreAsync();
        await store.EnqueueAsync(Message(T0, "a@example.com", "b@example.com"), null, default);
        var held = Assert.Single(await store.ClaimAsync(1, T0, Lease, false, default));
        await store.CompleteAttemptAsync(Record(held, OutboxState.Failed, [new(0, OutboxState.Sent, 250, null, "ok"), new(1, OutboxState.Failed, 550, "5.1.1", "unknown")]), default);

        Assert.Equal(0, await store.MarkBouncedAsync("id@example.com", "b@example.com", "5.1.1", "bounced", T0.AddHours(1), default));
        Assert.Equal(1, await store.MarkBouncedAsync("id@example.com", "a@example.com", "5.1.1", "bounced", T0.AddHours(1), default));

        var stored = (await store.GetAsync(held.Id, default))!;
        Assert.Equal(OutboxState.Failed, stored.State);
        Assert.Equal([OutboxState.Bounced, OutboxState.Failed], stored.Recipients.Select(r => r.State));
        Assert.Equal("unknown", stored.Recipients[1].Reply);

        // A retry by hand queues the failed recipient again, never the bounced one.
        Assert.True(await store.RetryAsync(held.Id, T0.AddHours(2), default));
        var again = Assert.Single(await store.ClaimAsync(1, T0.AddHours(2), Lease, false, default));
        Assert.Equal([(1, "b@example.com")], again.Pending);
    }

    [SkippableFact]
    public async Task MarkBounced_MarksEveryMessageSentWithThatMessageId()
    {
        var store = await NewStoreAsync();
        var first = await SentAsync(store, "a@example.com");
        var second = await SentAsync(store, "A@example.com");

        Assert.Equal(2, await store.MarkBouncedAsync("id@example.com", "a@example.com", "5.1.1", "no", T0.AddHours(1), default));

        Assert.Equal(OutboxState.Bounced, (await store.GetAsync(first, default))!.State);
        Assert.Equal(OutboxState.Bounced, (await store.GetAsync(second, default))!.State);
        Assert.Equal(2, (await store.GetStatisticsAsync(T0.AddHours(2), default)).Counts[OutboxState.Bounced]);
    }

    [SkippableFact]
    public async Task MarkBounced_ComparesTheMessageIdExactly()
    {
        var store = await NewStoreAsync();
        var id = await SentAsync(store, "a@example.com");

        Assert.Equal(0, await store.MarkBouncedAsync("ID@example.com", "a@example.com", "5.1.1", "no", T0.AddHours(1), default));
        Assert.Equal(0, await store.MarkBouncedAsync("<id@example.com>", "a@example.com", "5.1.1", "no", T0.AddHours(1), default));
        Assert.Equal(OutboxState.Sent, (await store.GetAsync(id, default))!.State);
    }

    [SkippableFact]
    public async Task Suppressions_FollowTheInMemoryRules()
    {
        var store = await NewStoreAsync();
        await store.AddSuppressionAsync(new EmailSuppression("Ann@Example.com", SuppressionReason.Unsubscribed, "news") { Detail = "one-click", CreatedAt = T0 }, default);
        await store.AddSuppressionAsync(new EmailSuppression("bob@example.com", SuppressionReason.HardBounce) { Detail = "5.1.1", CreatedAt = T0 }, default);

        // Address without case, list exactly; a global entry suppresses every list.
        var ann = await store.FindSuppressionAsync("ann@EXAMPLE.com", "news", default);
        Assert.NotNull(ann);
        Assert.Equal(("Ann@Example.com", SuppressionReason.Unsubscribed, "news", "one-click", T0), (ann.Address, ann.Reason, ann.List, ann.Detail, ann.CreatedAt));
        Assert.Null(await store.FindSuppressionAsync("ann@example.com", "News", default));
        Assert.Null(await store.FindSuppressionAsync("ann@example.com", null, default));
        var bob = await store.FindSuppressionAsync("BOB@example.com", "news", default);
        Assert.Equal((SuppressionReason.HardBounce, (string?)null), (bob!.Reason, bob.List));
        Assert.NotNull(await store.FindSuppressionAsync("bob@example.com", null, default));

        // Adding again keeps the first entry; removing is per list.
        await store.AddSuppressionAsync(new EmailSuppression("bob@example.com", SuppressionReason.Complaint) { CreatedAt = T0.AddDays(1) }, default);
        Assert.Equal(SuppressionReason.HardBounce, (await store.FindSuppressionAsync("bob@example.com", null, default))!.Reason);
        Assert.False(await store.RemoveSuppressionAsync("bob@example.com", "news", default));
        Assert.True(await store.RemoveSuppressionAsync("Bob@Example.com", null, default));
        Assert.Null(await store.FindSuppressionAsync("bob@example.com", "news", default));
        Assert.True(await store.RemoveSuppressionAsync("ann@example.com", "news", default));
        Assert.Null(await store.FindSuppressionAsync("ann@example.com", "news", default));
    }

    /// <summary>Enqueues a message to the recipients, claims it and records it sent to all of them.</summary>
    private static async Task<Guid> SentAsync(IOutboxStore store, params string[] recipients)
    {
        var (id, _) = await store.EnqueueAsync(Message(T0, recipients[0], recipients.Length > 1 ? recipients[1] : null), null, default);
        var held = Assert.Single(await store.ClaimAsync(10, T0, Lease, atLeastOnce: false, default));
        Assert.True(await store.CompleteAttemptAsync(Record(held, OutboxState.Sent, [.. recipients.Select((_, i) => new RecipientUpdate(i, OutboxState.Sent, 250, null, "ok"))]), default));
        return id;
    }

    private protected async Task<IOutboxStore> NewStoreAsync(OutboxOptions? options = null)
    {
        var store = await CreateStoreAsync(options ?? new OutboxOptions());
        _stores.Add(store);
        await store.InitializeAsync(default);
        return store;
    }

    internal static NewMessage Message(DateTimeOffset createdAt, string? to = null, string? cc = null, string? key = null, DateTimeOffset? notBefore = null) => new()
    {
        Id = OutboxIds.New(createdAt),
        IdempotencyKey = key,
        SenderName = string.Empty,
        From = "sender@example.com",
        Recipients = cc is null ? [to ?? "rcpt@example.com"] : [to ?? "rcpt@example.com", cc],
        MessageId = "id@example.com",
        Subject = "Subject",
        Body = "Subject: Subject\r\n\r\nHello\r\n"u8.ToArray(),
        CreatedAt = createdAt,
        NextAttemptAt = notBefore ?? createdAt,
    };

    private static AttemptRecord Record(ClaimedMessage held, OutboxState state, RecipientUpdate[] recipients, DateTimeOffset? next = null, bool deleteBody = false) => new()
    {
        Id = held.Id,
        Lease = held.Lease,
        State = state,
        NextAttemptAt = next,
        LastError = state == OutboxState.Sent ? null : "error",
        FinishedAt = state is OutboxState.Deferred ? null : T0.AddSeconds(5),
        DeleteBody = deleteBody,
        Now = T0.AddSeconds(5),
        Recipients = recipients,
    };
}
