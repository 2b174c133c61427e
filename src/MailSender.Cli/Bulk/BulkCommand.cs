using System.Collections.Concurrent;
using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using MailSender.Cli.Output;
using MailSender.Cli.Render;
using MailSender.Templates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Cli.Bulk;

/// <summary>
/// <c>mailsender bulk --recipients FILE.csv (--template NAME --model-columns | --eml-dir DIR) [--transport URI]
/// [--outbox STORE] [--results FILE.csv]</c>: one message per row through <c>SendBulkAsync</c>, a results file that a
/// re-run reads to skip the rows already sent.
/// </summary>
internal sealed class BulkCommand : Command, IHasHelpEpilog
{
    private static readonly string[] AddressColumns = ["email", "address"];

    private readonly CliContext _context;

    private readonly Option<string> _recipients = new("--recipients")
    {
        Description = "The recipients: a CSV file with a header row and an 'email' (or 'address') column; read row by row.",
        HelpName = "FILE.csv",
        Required = true,
    };

    private readonly Option<string> _template = new("--template")
    {
        Description = "The template each row is rendered with (from --templates DIR, as for render).",
        HelpName = "NAME",
    };

    private readonly Option<bool> _modelColumns = new("--model-columns")
    {
        Description = "With --template: every column of a row is a model value, by its header name (e.g. {{ name }}).",
    };

    // The template folder and rendering options, as render and send --template take them.
    private readonly TemplateArguments _templateArguments = new();

    private readonly Option<string> _emlDir = new("--eml-dir")
    {
        Description = "Send prepared messages: a 'file' column names each row's .eml in DIR; without it DIR must hold exactly one .eml, sent to every row.",
        HelpName = "DIR",
    };

    private readonly Option<string> _transport = new("--transport")
    {
        Description = $"Where to send. Default: ${CliDefaults.TransportVariable}, else {CliDefaults.Transport}.",
        HelpName = "URI",
    };

    private readonly Option<string> _outbox = Outbox.OutboxCli.SendOption();

    private readonly Option<string> _results = new("--results")
    {
        Description = "The results CSV (address,state,reply), appended row by row; a re-run skips addresses it lists as sent or queued.",
        HelpName = "FILE.csv",
    };

    private readonly Option<string> _from = new("--from")
    {
        Description = $"The From address, when the messages have none. Default: ${CliDefaults.FromVariable}.",
        HelpName = "ADDRESS",
    };

    private readonly Option<string> _listId = new("--list-id")
    {
        Description = "The list the messages belong to (e.g. news.example.com): each gets List-Id.",
        HelpName = "ID",
    };

    private readonly Option<int> _concurrency = new("--concurrency")
    {
        Description = "How many messages are in flight at once (default 8).",
        HelpName = "N",
        DefaultValueFactory = _ => 8,
    };

    public BulkCommand(CliContext context)
        : base("bulk", "Send one message per row of a CSV file, from a template or a prepared .eml, with bounded concurrency; a results file makes re-runs skip what was sent.")
    {
        _context = context;
        foreach (var option in new Option[] { _recipients, _template, _modelColumns, _templateArguments.Templates, _templateArguments.Culture, _templateArguments.MissingValues, _templateArguments.InlineCss, _emlDir, _transport, _outbox, _results, _from, _listId, _concurrency })
        {
            Options.Add(option);
        }

        SetAction(RunAsync);
    }

    /// <inheritdoc />
    public string HelpEpilog => $"""
        Examples:
          mailsender bulk --recipients people.csv --template newsletter --model-columns --transport smtp://relay:587 --results sent.csv
          mailsender bulk --recipients people.csv --eml-dir issue-42/ --outbox sqlite:outbox.db --results queued.csv

        --culture is the default culture; a 'culture' column, when present, chooses it per row.
        Progress is shown on standard error when it is a terminal. The results file has one row per message:
        address, state (sent, queued, failed, refused, suppressed), and the server's reply or the reason.

        Exit codes:
          0  every row was sent (or queued, or skipped as already sent)
          1  at least one row failed: see the results file
          2  bad arguments, an unreadable CSV or template, or bad configuration

        """;

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var reporter = new ConsoleReporter(_context, json: false, SecretRedactor.ForTransport(parseResult.GetValue(_transport) ?? string.Empty));
        try
        {
            return await RunCoreAsync(parseResult, reporter, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            reporter.WriteError(CliError.From(ex));
            return ExitCodes.UsageError;
        }
        catch (EmailTemplateException ex)
        {
            reporter.WriteError(TemplateArguments.ToError(ex));
            return ExitCodes.UsageError;
        }
        catch (OptionsValidationException ex)
        {
            reporter.WriteError(CliError.From(ex, SettingNames.Sender));
            return ExitCodes.UsageError;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            reporter.WriteError(CliError.Cancelled() with { Message = "Cancelled; the results file lists what was sent." });
            return ExitCodes.Cancelled;
        }
    }

    private async Task<int> RunCoreAsync(ParseResult parseResult, ConsoleReporter reporter, CancellationToken cancellationToken)
    {
        var template = parseResult.GetValue(_template);
        var emlDir = parseResult.GetValue(_emlDir);
        if ((template is null) == (emlDir is null))
        {
            throw new UsageException("Give either --template NAME --model-columns or --eml-dir DIR.");
        }

        if (template is not null && !parseResult.GetValue(_modelColumns))
        {
            throw new UsageException("--template needs --model-columns: the model of each message comes from the columns of its row.");
        }

        var concurrency = parseResult.GetValue(_concurrency);
        if (concurrency is < 1 or > 1000)
        {
            throw new UsageException("--concurrency must be between 1 and 1000.");
        }

        var recipientsPath = parseResult.GetValue(_recipients)!;
        if (!File.Exists(recipientsPath))
        {
            throw new UsageException($"--recipients: the file '{recipientsPath}' does not exist.");
        }

        var outboxStore = parseResult.GetValue(_outbox);
        var transport = parseResult.GetValue(_transport) ?? _context.GetEnvironmentVariable(CliDefaults.TransportVariable) ?? CliDefaults.Transport;
        var from = parseResult.GetValue(_from) ?? _context.GetEnvironmentVariable(CliDefaults.FromVariable);
        var resultsPath = parseResult.GetValue(_results);
        var done = resultsPath is not null && File.Exists(resultsPath) ? ReadDone(resultsPath) : new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        ServiceProvider? templateServices = null;
        if (template is not null)
        {
            var folder = TemplateArguments.ResolveFolder(parseResult.GetValue(_templateArguments.Templates), _context);
            templateServices = new ServiceCollection().AddMailSenderTemplates(options => _templateArguments.Configure(options, folder, parseResult)).Services.BuildServiceProvider();
        }

        await using var disposeTemplates = templateServices;
        ServiceProvider provider;
        if (outboxStore is not null)
        {
            provider = Outbox.OutboxCli.Build(_context, Outbox.OutboxCli.ResolveStore(outboxStore, _context), CliDefaults.Transport, from);
        }
        else
        {
            var services = new ServiceCollection();
            services.AddMailSender(options =>
            {
                options.Transport = transport;
                options.DefaultFrom = from;
                if (CliDefaults.HasUserWithoutPassword(transport))
                {
                    options.Password = _context.GetEnvironmentVariable(CliDefaults.PasswordVariable);
                }
            });
            provider = services.BuildServiceProvider();
        }

        await using (provider.ConfigureAwait(false))
        {
            var templates = templateServices?.GetRequiredService<IEmailTemplates>();

            IEmailSender sender = outboxStore is null ? provider.GetRequiredService<IEmailSender>() : new OutboxSender(provider.GetRequiredService<MailSender.Outbox.IEmailOutbox>());
            var defaultCulture = parseResult.GetValue(_templateArguments.Culture) is { } cultureName ? TemplateArguments.ParseCulture(cultureName) : CultureInfo.InvariantCulture;
            var emlFiles = emlDir is null ? null : EmlFiles(emlDir);

            var addresses = new ConcurrentDictionary<long, string>();
            var rows = ReadRowsAsync(recipientsPath, done, addresses, cancellationToken);
            var progress = new Outbox.ProgressLine(_context);
            var options = new BulkSendOptions
            {
                MaxConcurrency = concurrency,
                ListId = parseResult.GetValue(_listId),
                Progress = new SyncProgress(p => progress.Update($"{p.Completed:N0} done: {p.Sent:N0} sent, {p.Failed:N0} failed, {p.Skipped:N0} not sent ({p.MessagesPerSecond:F0}/s)")),
            };

            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            using var results = resultsPath is null ? null : OpenResults(resultsPath);
            await foreach (var result in sender.SendBulkAsync(rows, (row, ct) => ComposeAsync(row, templates, template, defaultCulture, emlDir, emlFiles, ct), options, cancellationToken).ConfigureAwait(false))
            {
                addresses.TryRemove(result.Index, out var address);
                var state = result.State switch
                {
                    BulkSendState.Sent or BulkSendState.PartiallySent => outboxStore is null ? "sent" : "queued",
                    BulkSendState.Suppressed => "suppressed",
                    BulkSendState.Refused => "refused",
                    _ => "failed",
                };
                counts[state] = counts.GetValueOrDefault(state) + 1;
                var reply = (result.Reply ?? string.Empty).ReplaceLineEndings(" ");
                if (results is not null)
                {
                    await results.WriteLineAsync($"{CsvReader.Quote(address)},{state},{CsvReader.Quote(reply)}").ConfigureAwait(false);
                    await results.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (state is "failed" or "refused")
                {
                    progress.WriteLine($"{address}: {state}: {reply}");
                }
            }

            progress.Done();
            var summary = string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Value:N0} {c.Key}"));
            _context.Output.WriteLine($"{(summary.Length == 0 ? "Nothing to send" : summary)}{(done.Count > 0 ? $"; {done.Count:N0} skipped as already done in {resultsPath}" : string.Empty)}.");
            return counts.ContainsKey("failed") || counts.ContainsKey("refused") ? ExitCodes.SendFailed : ExitCodes.Success;
        }
    }

    private static async IAsyncEnumerable<Row> ReadRowsAsync(string path, HashSet<string> done, ConcurrentDictionary<long, string> addresses, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path);
        var csv = new CsvReader(reader, path);
        var header = csv.ReadRow() ?? throw new UsageException($"{path} is empty: it needs a header row with an 'email' column.");
        var addressColumn = header.FindIndex(h => AddressColumns.Contains(h.Trim(), StringComparer.OrdinalIgnoreCase));
        if (addressColumn < 0)
        {
            throw new UsageException($"{path}: the header row has no 'email' (or 'address') column; it has: {string.Join(", ", header)}.");
        }

        long index = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var line = csv.Line;
            var fields = csv.ReadRow();
            if (fields is null)
            {
                yield break;
            }

            if (fields.Count != header.Count)
            {
                throw new UsageException($"{path}, line {line}: {fields.Count} fields, but the header has {header.Count}.");
            }

            var address = fields[addressColumn].Trim();
            if (done.Contains(address))
            {
                continue;
            }

            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Count; i++)
            {
                values[header[i].Trim()] = fields[i];
            }

            addresses[index++] = address;
            yield return new Row(line, address, values);
            await Task.Yield();
        }
    }

    private static async ValueTask<MimeMessage> ComposeAsync(Row row, IEmailTemplates? templates, string? template, CultureInfo culture, string? emlDir, string[]? emlFiles, CancellationToken cancellationToken)
    {
        var to = MailboxAddress.Parse(row.Address);
        MimeMessage message;
        if (templates is not null)
        {
            var model = new JsonObject();
            foreach (var (name, value) in row.Values)
            {
                model[name] = value;
            }

            var rowCulture = row.Values.TryGetValue("culture", out var c) && !string.IsNullOrWhiteSpace(c) ? TemplateArguments.ParseCulture(c) : culture;
            message = await templates.RenderAsync(template!, model, rowCulture, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var file = row.Values.TryGetValue("file", out var name) && !string.IsNullOrWhiteSpace(name)
                ? Path.Combine(emlDir!, name)
                : emlFiles!.Length == 1 ? emlFiles[0] : throw new UsageException($"line {row.Line}: no 'file' column, and {emlDir} holds {emlFiles.Length} .eml files (it must hold exactly one to send it to every row).");
            message = await MimeMessage.LoadAsync(file, cancellationToken).ConfigureAwait(false);
            message.To.Clear();
            message.Cc.Clear();
            message.Bcc.Clear();
            message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId();
        }

        message.To.Clear();
        message.To.Add(to);
        return message;
    }

    private static string[] EmlFiles(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new UsageException($"--eml-dir: the folder '{dir}' does not exist.");
        }

        return Directory.GetFiles(dir, "*.eml").Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The addresses a results file lists as sent or queued: what a re-run skips.</summary>
    private static HashSet<string> ReadDone(string path)
    {
        var done = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var reader = new StreamReader(path);
        var csv = new CsvReader(reader, path);
        var header = csv.ReadRow();
        if (header is null)
        {
            return done;
        }

        if (!(header.Count >= 2 && header[0] == "address" && header[1] == "state"))
        {
            throw new UsageException($"--results: '{path}' exists but is not a results file (its header is not address,state,reply); give another name.");
        }

        while (csv.ReadRow() is { } row)
        {
            if (row.Count >= 2 && row[1] is "sent" or "queued")
            {
                done.Add(row[0]);
            }
        }

        return done;
    }

    private static StreamWriter OpenResults(string path)
    {
        var exists = File.Exists(path) && new FileInfo(path).Length > 0;
        var writer = new StreamWriter(path, append: true);
        if (!exists)
        {
            writer.WriteLine("address,state,reply");
        }

        return writer;
    }

    private sealed record Row(int Line, string Address, Dictionary<string, string> Values);

    /// <summary>Reports on the calling thread: <see cref="Progress{T}"/> would post to a context a console tool does not have.</summary>
    private sealed class SyncProgress(Action<BulkSendProgress> report) : IProgress<BulkSendProgress>
    {
        public void Report(BulkSendProgress value) => report(value);
    }

    /// <summary>Enqueues instead of sending, for --outbox; the worker delivers.</summary>
    private sealed class OutboxSender(MailSender.Outbox.IEmailOutbox outbox) : IEmailSender
    {
        public async Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
        {
            var id = await outbox.EnqueueAsync(message, options: null, cancellationToken).ConfigureAwait(false);
            return new SendResult { MessageId = message.MessageId ?? string.Empty, Transport = "outbox", ServerResponse = $"queued as {id}" };
        }
    }
}
