using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailSender.Cli.Output;
using MailSender.Internal;
using MailSender.Outbox;
using MailSender.Outbox.Storage;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Cli.Outbox;

/// <summary><c>mailsender outbox list|show|retry|cancel|purge|stats|init|import</c>: look into an outbox and act on it.</summary>
internal sealed class OutboxCommand : Command, IHasHelpEpilog
{
    public OutboxCommand(CliContext context)
        : base("outbox", "Look into an outbox and act on its messages: list, show, retry, cancel, purge, stats, init, import.")
    {
        Subcommands.Add(new ListCommand(context));
        Subcommands.Add(new ShowCommand(context));
        Subcommands.Add(new ChangeCommand(context, "retry", "Queue a failed, uncertain or deferred message again, now (an uncertain one may then arrive twice)."));
        Subcommands.Add(new ChangeCommand(context, "cancel", "Cancel a queued or deferred message."));
        Subcommands.Add(new PurgeCommand(context));
        Subcommands.Add(new StatsCommand(context));
        Subcommands.Add(new InitCommand(context));
        Subcommands.Add(new ImportCommand(context));
    }

    public string HelpEpilog => $"""
        Stores: sqlite:PATH, or postgres:CONNECTION-STRING / postgres://user:pass@host:port/db.
        Default store: ${OutboxCli.StoreVariable}, else ${OutboxCli.ConfigurationVariable}.

        Exit codes:
          0  done
          1  the store failed (unreachable, full, locked)
          2  bad arguments, a store that is not an outbox, or nothing to act on (unknown id, wrong state)

        """;

    /// <summary>The frame of every outbox subcommand: options, errors, exit codes.</summary>
    private abstract class OutboxSubcommand : Command
    {
        protected OutboxSubcommand(CliContext context, string name, string description)
            : base(name, description)
        {
            Context = context;
            Options.Add(Store);
            Options.Add(Json);
            SetAction(RunAsync);
        }

        protected CliContext Context { get; }

        protected Option<string> Store { get; } = OutboxCli.StoreOption();

        protected Option<bool> Json { get; } = new("--json") { Description = "Print the result as JSON on standard output." };

        protected abstract Task<int> RunAsync(ParseResult parseResult, IEmailOutbox outbox, ConsoleReporter reporter, CancellationToken cancellationToken);

        /// <summary>Opens the outbox: the schema is created when missing (init forces it into a database of other tables).</summary>
        protected virtual void Configure(OutboxOptions options)
        {
        }

        protected static Guid ParseId(string text) =>
            Guid.TryParse(text, out var id) ? id : throw new UsageException($"'{text}' is not an outbox id (a GUID such as 0193a5c2-7f3e-7c1a-9d2e-3b4c5d6e7f80).", "Run 'mailsender outbox list' to see the ids.");

        private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
        {
            var option = parseResult.GetValue(Store);
            var reporter = new ConsoleReporter(Context, parseResult.GetValue(Json), OutboxCli.Redactor(option ?? OutboxCli.StoreFromEnvironment(Context)));
            if (option is not null && OutboxCli.Redactor(option).FoundPassword)
            {
                OutboxCli.WarnPasswordOnCommandLine(reporter);
            }

            try
            {
                var store = OutboxCli.ResolveStore(option, Context);
                var provider = OutboxCli.Build(Context, store, CliDefaults.Transport, defaultFrom: null, Configure);
                await using (provider.ConfigureAwait(false))
                {
                    var outbox = await OutboxCli.OpenAsync(provider, cancellationToken).ConfigureAwait(false);
                    return await RunAsync(parseResult, outbox, reporter, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (UsageException ex)
            {
                return Report(reporter, CliError.From(ex));
            }
            catch (OptionsValidationException ex)
            {
                return Report(reporter, CliError.From(ex, OutboxCli.Names) with { Hint = "Check --outbox (or $" + OutboxCli.StoreVariable + ")." });
            }
            catch (EmailSendException ex)
            {
                return Report(reporter, CliError.From(ex, OutboxCli.Names));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Report(reporter, CliError.Cancelled() with { Message = "Cancelled." });
            }
        }

        private static int Report(ConsoleReporter reporter, CliError error)
        {
            reporter.WriteError(error);
            return error.ExitCode;
        }
    }

    private sealed class ListCommand : OutboxSubcommand
    {
        private readonly Option<string> _state = new("--state") { Description = "Only messages in this state: queued, sending, deferred, sent, failed, uncertain, cancelled, bounced.", HelpName = "STATE" };
        private readonly Option<int> _limit = new("--limit") { Description = "At most this many (1-10000).", HelpName = "N", DefaultValueFactory = _ => 100 };

        public ListCommand(CliContext context)
            : base(context, "list", "List messages, oldest first.")
        {
            Options.Add(_state);
            Options.Add(_limit);
        }

        protected override async Task<int> RunAsync(ParseResult parseResult, IEmailOutbox outbox, ConsoleReporter reporter, CancellationToken cancellationToken)
        {
            var limit = parseResult.GetValue(_limit);
            if (limit is < 1 or > 10_000)
            {
                throw new UsageException($"--limit {limit} is out of range: give 1 to 10000.");
            }

            var messages = await outbox.ListAsync(ParseState(parseResult.GetValue(_state)), limit, cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(Json))
            {
                Context.Output.WriteLine(JsonSerializer.Serialize(messages.Select(OutboxMessageDocument.Of).ToArray(), CliJsonContext.Output.OutboxMessageDocumentArray));
                return ExitCodes.Success;
            }

            if (messages.Count == 0)
            {
                Context.Output.WriteLine("No messages.");
                return ExitCodes.Success;
            }

            Context.Output.WriteLine($"{"ID",-36}  {"STATE",-9}  {"TRIES",5}  {"NEXT ATTEMPT",-20}  {"TO",-30}  SUBJECT");
            foreach (var message in messages)
            {
                var next = message.State is OutboxState.Queued or OutboxState.Deferred && message.NextAttemptAt is { } at ? at.ToString("yyyy-MM-dd HH:mm:ssZ", CultureInfo.InvariantCulture) : "-";
                var to = message.Recipients.Count == 0 ? "-" : message.Recipients[0].Address + (message.Recipients.Count > 1 ? $" +{message.Recipients.Count - 1}" : string.Empty);
                Context.Output.WriteLine($"{message.Id,-36}  {OutboxStates.Name(message.State),-9}  {message.Attempts,5}  {next,-20}  {Truncate(to, 30),-30}  {message.Subject}");
            }

            return ExitCodes.Success;
        }
    }

    private sealed class ShowCommand : OutboxSubcommand
    {
        private readonly Argument<string> _id = new("ID") { Description = "The outbox id." };

        public ShowCommand(CliContext context)
            : base(context, "show", "Show one message: its state in plain words, each recipient's reply, the last error, the hint, the next attempt.")
        {
            Arguments.Add(_id);
        }

        protected override async Task<int> RunAsync(ParseResult parseResult, IEmailOutbox outbox, ConsoleReporter reporter, CancellationToken cancellationToken)
        {
            var id = ParseId(parseResult.GetValue(_id)!);
            var message = await outbox.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (message is null)
            {
                var error = new CliError(NotFoundKind, UnknownId(id), ExitCodes.UsageError) { Hint = "Run 'mailsender outbox list' to see the ids." };
                reporter.WriteError(error);
                return error.ExitCode;
            }

            if (parseResult.GetValue(Json))
            {
                Context.Output.WriteLine(JsonSerializer.Serialize(OutboxMessageDocument.Of(message), CliJsonContext.Output.OutboxMessageDocument));
                return ExitCodes.Success;
            }

            var output = Context.Output;
            output.WriteLine($"{message.Id}: {Explain(message, DateTimeOffset.UtcNow)}");
            output.WriteLine($"  Message-Id: {message.MessageId}");
            output.WriteLine($"  Subject:    {message.Subject}");
            output.WriteLine($"  From:       {message.From}" + (message.SenderName.Length > 0 ? $" (sender '{message.SenderName}')" : string.Empty));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Enqueued:   {message.CreatedAt:yyyy-MM-dd HH:mm:ssZ}, {message.Size:N0} bytes{(message.HasBody ? string.Empty : " (bytes deleted after delivery)")}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Attempts:   {message.Attempts}"));
            if (message.LastError is not null)
            {
                output.WriteLine($"  Last error: {message.LastError}");
            }

            if (message.Hint is not null)
            {
                output.WriteLine($"  Hint:       {message.Hint}");
            }

            foreach (var recipient in message.Recipients)
            {
                // Servers often repeat the enhanced code in their text; it is shown once.
                var text = recipient.EnhancedStatusCode is { } enhanced && recipient.Reply?.StartsWith(enhanced, StringComparison.Ordinal) == true ? recipient.Reply : $"{recipient.EnhancedStatusCode} {recipient.Reply}";
                var reply = recipient.StatusCode is { } code ? string.Create(CultureInfo.InvariantCulture, $"{code} {text.Trim()}") : recipient.Reply;
                output.WriteLine($"  {OutboxStates.Name(recipient.State),-9}  {recipient.Address}{(string.IsNullOrWhiteSpace(reply) ? string.Empty : ": " + reply.Trim())}");
            }

            return ExitCodes.Success;
        }

        /// <summary>One sentence: where the message stands and what happens next.</summary>
        private static string Explain(OutboxMessage message, DateTimeOffset now)
        {
            var last = message.LastStatusCode is { } code ? string.Create(CultureInfo.InvariantCulture, $" (last reply {code})") : string.Empty;
            return message.State switch
            {
                OutboxState.Queued when message.NextAttemptAt > now => $"queued, not to be sent before {At(message.NextAttemptAt)}.",
                OutboxState.Queued => "queued: a worker sends it as soon as one runs on this outbox (mailsender worker, or an application with AddOutbox).",
                OutboxState.Sending => $"being sent by a worker (its lease ends at {At(message.NextAttemptAt)}; if that worker died, another takes it over then).",
                OutboxState.Deferred => $"deferred: next attempt {In(message.NextAttemptAt, now)}{last}; it was not accepted yet, and is tried until its lifetime ends.",
                OutboxState.Sent => $"sent: every recipient accepted it{(message.FinishedAt is { } f ? " at " + At(f) : string.Empty)}.",
                OutboxState.Failed => $"failed{last}: it will not be tried again ('mailsender outbox retry {message.Id}' queues it for the recipients that do not have it).",
                OutboxState.Uncertain => $"uncertain: the end of the message was written but its reply never came, so the server may have it; it is not sent again unless you run 'mailsender outbox retry {message.Id}'.",
                OutboxState.Cancelled => "cancelled before it was sent.",
                OutboxState.Bounced => "bounced: the server accepted it, then a delivery status notification said no recipient could get it (a hard bounce); it is never sent again to a bounced address.",
                _ => OutboxStates.Name(message.State),
            };
        }

        private static string In(DateTimeOffset? at, DateTimeOffset now)
        {
            if (at is not { } time)
            {
                return "not scheduled";
            }

            var wait = time - now;
            var relative = wait <= TimeSpan.Zero ? "now (due)"
                : wait < TimeSpan.FromMinutes(1) ? string.Create(CultureInfo.InvariantCulture, $"in {(int)wait.TotalSeconds} s")
                : wait < TimeSpan.FromHours(2) ? string.Create(CultureInfo.InvariantCulture, $"in {(int)wait.TotalMinutes} min")
                : string.Create(CultureInfo.InvariantCulture, $"in {wait.TotalHours:0.#} h");
            return $"{relative} (at {At(time)})";
        }

        private static string At(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-";
    }

    private sealed class ChangeCommand : OutboxSubcommand
    {
        private readonly Argument<string> _id = new("ID") { Description = "The outbox id." };
        private readonly string _action;

        public ChangeCommand(CliContext context, string action, string description)
            : base(context, action, description)
        {
            _action = action;
            Arguments.Add(_id);
        }

        protected override async Task<int> RunAsync(ParseResult parseResult, IEmailOutbox outbox, ConsoleReporter reporter, CancellationToken cancellationToken)
        {
            var id = ParseId(parseResult.GetValue(_id)!);
            var json = parseResult.GetValue(Json);
            var changed = _action == "retry"
                ? await outbox.RetryAsync(id, cancellationToken).ConfigureAwait(false)
                : await outbox.CancelAsync(id, cancellationToken).ConfigureAwait(false);
            var message = await outbox.GetAsync(id, cancellationToken).ConfigureAwait(false);
            var state = message is null ? null : OutboxStates.Name(message.State);
            var why = changed ? null
                : message is null ? UnknownId(id)
                : _action == "retry"
                    ? $"{id} is {state}: only failed, uncertain or deferred messages can be retried" + (message.State switch
                    {
                        OutboxState.Sent => " (every recipient has it).",
                        OutboxState.Bounced => " (a hard bounce said its recipients cannot get it: a bounced address is never mailed again).",
                        _ => ".",
                    })
                    : $"{id} is {state}: only queued or deferred messages can be cancelled" + (message.State == OutboxState.Sending ? " (a worker is sending it now)." : ".");
            if (json)
            {
                // One document either way: what was asked, whether it happened, the state now and, if not, why.
                Context.Output.WriteLine(JsonSerializer.Serialize(new OutboxChangeDocument(_action, id, changed, null, state, why), CliJsonContext.Output.OutboxChangeDocument));
            }

            if (changed)
            {
                if (!json)
                {
                    Context.Output.WriteLine(_action == "retry" ? $"{id}: queued again." : $"{id}: cancelled.");
                }

                return ExitCodes.Success;
            }

            // The line only: with --json the document above already says it.
            new ConsoleReporter(Context, json: false).WriteError(new CliError(message is null ? NotFoundKind : WrongStateKind, why!, ExitCodes.UsageError)
            {
                Hint = message is null ? "Run 'mailsender outbox list' to see the ids." : $"Run 'mailsender outbox show {id}' for the details.",
            });
            return ExitCodes.UsageError;
        }
    }

    private sealed class PurgeCommand : OutboxSubcommand
    {
        private readonly Option<string> _olderThan = new("--older-than") { Description = "Only messages finished longer ago than this (e.g. 7d, 12h, 30m). Default: 7d.", HelpName = "DURATION", DefaultValueFactory = _ => "7d" };
        private readonly Option<string> _state = new("--state") { Description = "Only this final state: sent, failed, uncertain or cancelled. Default: all four.", HelpName = "STATE" };

        public PurgeCommand(CliContext context)
            : base(context, "purge", "Delete finished messages (sent, failed, uncertain, cancelled, bounced).")
        {
            Options.Add(_olderThan);
            Options.Add(_state);
        }

        protected override async Task<int> RunAsync(ParseResult parseResult, IEmailOutbox outbox, ConsoleReporter reporter, CancellationToken cancellationToken)
        {
            var text = parseResult.GetValue(_olderThan)!;
            if (!OutboxCli.TryParseDuration(text, out var age) || age < TimeSpan.Zero)
            {
                throw new UsageException($"--older-than '{text}' is not a duration.", "Write it as 7d, 12h, 30m or 90s.");
            }

            var state = ParseState(parseResult.GetValue(_state));
            if (state is { } s && !OutboxStates.Final.Contains(s))
            {
                throw new UsageException($"--state {OutboxStates.Name(s)}: only finished messages are purged (sent, failed, uncertain, cancelled, bounced).", "Cancel a queued or deferred message first.");
            }

            var count = await outbox.PurgeAsync(DateTimeOffset.UtcNow - age, state is { } only ? [only] : null, cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(Json))
            {
                Context.Output.WriteLine(JsonSerializer.Serialize(new OutboxChangeDocument("purge", null, count > 0, count, state is { } p ? OutboxStates.Name(p) : null, null), CliJsonContext.Output.OutboxChangeDocument));
            }
            else
            {
                Context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Purged {count} message(s) finished more than {text} ago."));
            }

            return ExitCodes.Success;
        }
    }

    private sealed class StatsCommand : OutboxSubcommand
    {
        public StatsCommand(CliContext context)
            : base(context, "stats", "Count the messages in each state.")
        {
        }

        protected override async Task<int> RunAsync(ParseResult parseResult, IEmailOutbox outbox, ConsoleReporter reporter, CancellationToken cancellationToken)
        {
            var statistics = await outbox.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(Json))
            {
                // The contract: these keys, in this order.
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    foreach (var state in OutboxStates.All)
                    {
                        writer.WriteNumber(OutboxStates.Name(state), statistics.Counts[state]);
                    }

                    writer.WriteEndObject();
                }

                Context.Output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
                return ExitCodes.Success;
            }

            foreach (var state in OutboxStates.All)
            {
                Context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{OutboxStates.Name(state),-10} {statistics.Counts[state],8}"));
            }

            Context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"oldest due message waiting: {(int)statistics.OldestDueAge.TotalSeconds} s"));
            return ExitCodes.Success;
        }
    }

    private sealed class InitCommand : OutboxSubcommand
    {
        public InitCommand(CliContext context)
            : base(context, "init", "Create the outbox's tables (also in an SQLite database that already holds an application's tables).")
        {
        }

        protected override void Configure(OutboxOptions options) => options.ShareDatabase = true;

        protected override Task<int> RunAsync(ParseResult parseResult, IEmailOutbox outbox, ConsoleReporter reporter, CancellationToken cancellationToken)
        {
            // Opening it created the schema (or found it current).
            Context.Output.WriteLine(parseResult.GetValue(Json) ? "{\"initialized\":true}" : "The outbox is ready.");
            return Task.FromResult(ExitCodes.Success);
        }
    }

    private sealed class ImportCommand : OutboxSubcommand
    {
        private readonly Argument<string> _folder = new("DIR") { Description = "A folder of .eml files (such as a pickup folder)." };

        public ImportCommand(CliContext context)
            : base(context, "import", "Enqueue every .eml file of a folder (X-Sender/X-Receiver headers, as the pickup folder writes them, give the envelope). Files are left where they are: importing again stores nothing twice.")
        {
            Arguments.Add(_folder);
        }

        protected override async Task<int> RunAsync(ParseResult parseResult, IEmailOutbox outbox, ConsoleReporter reporter, CancellationToken cancellationToken)
        {
            var folder = parseResult.GetValue(_folder)!;
            if (!Directory.Exists(folder))
            {
                throw new UsageException($"DIR '{folder}' is not a folder.");
            }

            // Only finished files: the pickup transport writes ".NAME.eml.tmp" and renames it when complete.
            var files = Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).ToArray();
            var progress = new ProgressLine(Context);
            int imported = 0, present = 0;
            var failures = new List<ImportFailureDocument>();
            var seen = new HashSet<Guid>();
            var started = DateTimeOffset.UtcNow.AddMilliseconds(-1);
            CliError? stopped = null;
            foreach (var file in files)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    stopped = CliError.Cancelled() with { Message = "Cancelled: the files not reported were not imported (importing again is safe)." };
                    break;
                }

                try
                {
                    var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);

                    // One key per content: importing the folder again (or a copy of the file) stores it once.
                    var key = "import:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
                    using var stream = new MemoryStream(bytes, writable: false);
                    var message = await MimeMessage.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
                    var envelope = TakeEnvelope(message);
                    var id = await outbox.EnqueueAsync(message, new OutboxEnqueueOptions { IdempotencyKey = key, Envelope = envelope }, cancellationToken).ConfigureAwait(false);

                    // The same key returns the first message's id: one enqueued before this run, or earlier in it, was already there.
                    var stored = await outbox.GetAsync(id, cancellationToken).ConfigureAwait(false);
                    if (!seen.Add(id) || stored is null || stored.CreatedAt < started)
                    {
                        present++;
                    }
                    else
                    {
                        imported++;
                    }
                }
                catch (EmailSendException ex) when (ex.Kind == EmailErrorKind.StorageFailed)
                {
                    // The store, not the file: the next files would fail the same way.
                    stopped = CliError.From(ex, OutboxCli.Names);
                    break;
                }
                catch (EmailSendException ex)
                {
                    failures.Add(new ImportFailureDocument(file, ex.Kind.ToString(), OutboxCli.Names.Rename(ex.Message)!));
                }
                catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException or ParseException)
                {
                    failures.Add(new ImportFailureDocument(file, nameof(EmailErrorKind.InvalidMessage), ex.Message));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    stopped = CliError.Cancelled() with { Message = "Cancelled: the files not reported were not imported (importing again is safe)." };
                    break;
                }

                progress.Update(string.Create(CultureInfo.InvariantCulture, $"imported {imported}, already there {present}, failed {failures.Count} of {files.Length}"));
            }

            progress.Done();
            if (parseResult.GetValue(Json))
            {
                if (stopped is null)
                {
                    Context.Output.WriteLine(JsonSerializer.Serialize(new ImportDocument(imported, present, failures.Count, failures), CliJsonContext.Output.ImportDocument));
                }
            }
            else
            {
                Context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Imported {imported} of {files.Length} file(s) from {folder}; {present} were already in the outbox; {failures.Count} failed (left in place)."));
            }

            foreach (var failure in failures)
            {
                Context.Error.WriteLine($"mailsender: {failure.Kind}: {Path.GetFileName(failure.File)}: {failure.Message.ReplaceLineEndings(" ")}");
            }

            if (stopped is not null)
            {
                // With --json the error document is the one document on standard output.
                reporter.WriteError(stopped);
                return stopped.ExitCode;
            }

            return failures.Count == 0 ? ExitCodes.Success : ExitCodes.SendFailed;
        }

        /// <summary>
        /// The envelope a pickup folder writes at the top of each file (one <c>X-Sender</c>, an <c>X-Receiver</c> per
        /// recipient, before the message's own headers), removed from the message so it is not sent on. Null when the file
        /// starts with neither: the message's headers give the envelope, as for a send. Such headers further down belong to
        /// the message and stay.
        /// </summary>
        /// <exception cref="FormatException">Only one of the two, or not one address each: an envelope that cannot be trusted.</exception>
        private static MailEnvelope? TakeEnvelope(MimeMessage message)
        {
            string? sender = null;
            var receivers = new List<MailboxAddress>();
            while (message.Headers.Count > 0 && message.Headers[0].Field is var field
                && (field.Equals("X-Sender", StringComparison.OrdinalIgnoreCase) || field.Equals("X-Receiver", StringComparison.OrdinalIgnoreCase)))
            {
                var value = message.Headers[0].Value.Trim();
                message.Headers.RemoveAt(0);
                if (field.Equals("X-Sender", StringComparison.OrdinalIgnoreCase))
                {
                    sender = sender is null ? value : throw new FormatException("The file has two X-Sender lines: which one is the envelope sender is unclear.");
                }
                else
                {
                    receivers.Add(Address(value, "X-Receiver"));
                }
            }

            if (sender is null && receivers.Count == 0)
            {
                return null;
            }

            // Half an envelope: guessing the rest from the headers could deliver to people it was never meant for.
            if (sender is null || receivers.Count == 0)
            {
                throw new FormatException(sender is null ? "The file has X-Receiver lines but no X-Sender: its envelope is incomplete." : "The file has an X-Sender line but no X-Receiver: its envelope is incomplete.");
            }

            return new MailEnvelope(Address(sender, "X-Sender"), receivers);
        }

        private static MailboxAddress Address(string value, string header)
        {
            var text = value.Trim().TrimStart('<').TrimEnd('>');
            return MailboxAddress.TryParse(text, out var address) && address.Address.Length > 0
                ? address
                : throw new FormatException($"The {header} line '{value}' is not one e-mail address.");
        }
    }

    /// <summary>The error kind of an id the outbox does not know (exit code 2).</summary>
    private const string NotFoundKind = "NotFound";

    /// <summary>The error kind of a retry or cancel that the message's state does not allow (exit code 2).</summary>
    private const string WrongStateKind = "WrongState";

    private static string UnknownId(Guid id) => $"No message {id} in the outbox (never enqueued there, or purged).";

    private static OutboxState? ParseState(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return OutboxStates.TryParse(text, out var state)
            ? state
            : throw new UsageException($"--state '{text}' is not a state.", "Use queued, sending, deferred, sent, failed, uncertain, cancelled or bounced.");
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
