using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Output;
using MailSender.Internal;
using MailSender.Outbox.Delivery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailSender.Cli.Outbox;

/// <summary><c>mailsender worker</c>: delivers an outbox's messages through a transport until stopped or, on request, until nothing is due.</summary>
internal sealed class WorkerCommand : Command, IHasHelpEpilog
{
    /// <summary>How long a stop waits for sends still before their end before cancelling them (they are given back unsent).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);

    private readonly CliContext _context;
    private readonly Option<string> _store = OutboxCli.StoreOption();
    private readonly Option<string> _transport = new("--transport")
    {
        Description = $"Where to deliver (the same URIs as send). Default: ${CliDefaults.TransportVariable}, else {CliDefaults.Transport}.",
        HelpName = "URI",
    };

    private readonly Option<int> _concurrency = new("--concurrency") { Description = "Messages sent at once (1-1000). Default: 16.", HelpName = "N", DefaultValueFactory = _ => 16 };
    private readonly Option<bool> _exitWhenEmpty = new("--exit-when-empty") { Description = "Stop when nothing is due and no message is being sent (deferred messages due later do not count)." };
    private readonly Option<string> _lease = new("--lease") { Description = "How long this worker holds a message it sends before another may take it over (renewed while it sends). Default: 2m.", HelpName = "DURATION" };
    private readonly Option<int?> _rate = new("--rate") { Description = "At most N messages per second, counted in the store for every worker on it together.", HelpName = "N" };
    private readonly Option<bool> _json = new("--json") { Description = "Print the summary at the end as JSON on standard output." };

    public WorkerCommand(CliContext context)
        : base("worker", "Deliver the messages of an outbox until stopped (Ctrl+C or SIGTERM: graceful), or with --exit-when-empty until nothing is due.")
    {
        _context = context;
        foreach (var option in new Option[] { _store, _transport, _concurrency, _exitWhenEmpty, _lease, _rate, _json })
        {
            Options.Add(option);
        }

        SetAction(RunAsync);
    }

    public string HelpEpilog => $"""
        Stopping: the first Ctrl+C or SIGTERM stops taking messages and lets the sends in flight finish. A second one,
        or {(int)StopGrace.TotalSeconds} s later, cancels the sends that have not written the end of their message and gives them
        back unsent (the sends past it finish and are recorded). A third one ends the process at once: nothing is lost
        either, its messages are taken over by the next worker when their lease ends.

        Progress ("sent 120, deferred 3, failed 0, uncertain 0") is shown on standard error when it is a terminal;
        warnings (a message deferred or failed, the store unreachable) are written there as they happen. The summary
        goes to standard output.

        Exit codes:
          0  it ran and stopped (messages that failed are recorded in the outbox: 'mailsender outbox list --state failed')
          1  the store failed (unreachable, full, locked) before the worker started
          2  bad arguments or configuration (a store that is not an outbox, a bad transport URI)
          130 stopped before the worker started

        """;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var json = parseResult.GetValue(_json);
        var storeOption = parseResult.GetValue(_store);
        var transportOption = parseResult.GetValue(_transport);
        var transportRedactor = SecretRedactor.ForTransport(transportOption ?? _context.GetEnvironmentVariable(CliDefaults.TransportVariable));
        var storeRedactor = OutboxCli.Redactor(storeOption ?? OutboxCli.StoreFromEnvironment(_context));
        var reporter = new ConsoleReporter(_context, json, transportRedactor.With(storeRedactor));
        if (transportOption is not null && transportRedactor.FoundPassword)
        {
            reporter.WarnPasswordOnCommandLine("--transport");
        }

        if (storeOption is not null && OutboxCli.Redactor(storeOption).FoundPassword)
        {
            OutboxCli.WarnPasswordOnCommandLine(reporter);
        }

        try
        {
            var store = OutboxCli.ResolveStore(storeOption, _context);
            var transport = transportOption ?? (_context.GetEnvironmentVariable(CliDefaults.TransportVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : CliDefaults.Transport);
            var concurrency = parseResult.GetValue(_concurrency);
            if (concurrency is < 1 or > 1000)
            {
                throw new UsageException($"--concurrency {concurrency} is out of range: give 1 to 1000.");
            }

            TimeSpan? lease = null;
            if (parseResult.GetValue(_lease) is { } leaseText)
            {
                lease = OutboxCli.TryParseDuration(leaseText, out var parsed) && parsed >= TimeSpan.FromSeconds(2) && parsed <= TimeSpan.FromDays(1)
                    ? parsed
                    : throw new UsageException($"--lease '{leaseText}' is not a duration from 2 s to 1 day.", "Write it as 30s, 2m or 1h.");
            }

            var rate = parseResult.GetValue(_rate);
            if (rate is < 1)
            {
                throw new UsageException($"--rate {rate} must be at least 1 message per second.");
            }

            var progress = new ProgressLine(_context);
            var log = new WarningLog(progress.WriteLine, transportRedactor.With(storeRedactor));
            var provider = OutboxCli.Build(_context, store, transport, defaultFrom: null, options =>
            {
                options.Concurrency = concurrency;
                options.LeaseDuration = lease ?? options.LeaseDuration;
                options.RateLimit.MessagesPerSecond = rate;
            }, log, sender =>
            {
                // As many pooled connections as sends at once (the pool's default is 5); a maxConnections in --transport still wins.
                sender.Smtp.Pool.MaxConnections = concurrency;
            });
            await using (provider.ConfigureAwait(false))
            {
                // Resolving the sender validates the transport before the worker takes any message.
                _ = provider.GetRequiredService<IEmailSender>();
                await OutboxCli.OpenAsync(provider, cancellationToken).ConfigureAwait(false);
                var worker = provider.GetRequiredService<OutboxWorker>();

                // A second signal, or the grace period after the first, cancels the sends still before their end.
                using var abort = CancellationTokenSource.CreateLinkedTokenSource(_context.Signals?.EnableAbort() ?? CancellationToken.None);
                using var graceful = cancellationToken.Register(() => abort.CancelAfter(StopGrace));
                using (new Timer(_ => progress.Update(Summary(worker.Counters)), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))
                {
                    await worker.RunAsync(parseResult.GetValue(_exitWhenEmpty), cancellationToken, abort.Token).ConfigureAwait(false);
                }

                var counters = worker.Counters;
                progress.Done();
                if (json)
                {
                    _context.Output.WriteLine(JsonSerializer.Serialize(new WorkerSummaryDocument(counters.Sent, counters.Deferred, counters.Failed, counters.Uncertain, counters.Released), CliJsonContext.Output.WorkerSummaryDocument));
                }
                else
                {
                    _context.Output.WriteLine(Summary(counters) + (counters.Released > 0 ? string.Create(CultureInfo.InvariantCulture, $", {counters.Released} given back unsent") : string.Empty));
                }

                return ExitCodes.Success;
            }
        }
        catch (UsageException ex)
        {
            return Report(reporter, CliError.From(ex));
        }
        catch (OptionsValidationException ex)
        {
            return Report(reporter, CliError.From(ex, OutboxCli.Names) with { Hint = "Check --transport (or $" + CliDefaults.TransportVariable + "), --outbox, --concurrency and --lease." });
        }
        catch (EmailSendException ex)
        {
            return Report(reporter, CliError.From(ex, OutboxCli.Names));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Report(reporter, CliError.Cancelled() with { Message = "Stopped before the worker started; nothing was sent." });
        }
    }

    private static string Summary(WorkerCounters counters) =>
        string.Create(CultureInfo.InvariantCulture, $"sent {counters.Sent}, deferred {counters.Deferred}, failed {counters.Failed}, uncertain {counters.Uncertain}");

    private static int Report(ConsoleReporter reporter, CliError error)
    {
        reporter.WriteError(error);
        return error.ExitCode;
    }
}
