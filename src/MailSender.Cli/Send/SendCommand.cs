using System.CommandLine;
using MailSender.Cli.Attempts;
using MailSender.Cli.Output;
using MailSender.Cli.Render;
using MailSender.Templates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailSender.Cli.Send;

/// <summary><c>mailsender send</c>: builds one message from the arguments and sends it through the library's <see cref="IEmailSender"/>.</summary>
internal sealed class SendCommand : Command, IHasHelpEpilog
{
    private readonly CliContext _context;

    private readonly Option<string[]> _to = Recipients("--to", "A recipient: ann@example.com or \"Ann <ann@example.com>\". Repeat the option for more (a value may also list several, separated by commas).", required: true);
    private readonly Option<string[]> _cc = Recipients("--cc", "A Cc recipient. Repeat for more.");
    private readonly Option<string[]> _bcc = Recipients("--bcc", "A Bcc recipient: in the envelope only, never in the headers. Repeat for more.");
    private readonly Option<string> _from = new("--from")
    {
        Description = $"The sender. Default: ${CliDefaults.FromVariable}, else USER@MACHINE.",
        HelpName = "ADDR",
    };

    private readonly Option<string> _subject = new("--subject")
    {
        Description = "The subject line. Required, unless --template gives it.",
        HelpName = "TEXT",
    };

    private readonly Option<string> _text = new("--text")
    {
        Description = "The plain-text body.",
        HelpName = "TEXT",
    };

    private readonly Option<string> _textFile = new("--text-file")
    {
        Description = "Read the plain-text body from FILE (UTF-8). Not with --text.",
        HelpName = "FILE",
    };

    private readonly Option<string> _htmlFile = new("--html-file")
    {
        Description = "Read an HTML body from FILE (UTF-8); with a text body, both are sent as alternatives.",
        HelpName = "FILE",
    };

    private readonly Option<string> _template = new("--template")
    {
        Description = "Render the subject and the body from the Liquid template NAME (e.g. welcome or account/reset; see 'mailsender render'), instead of --subject, --text and --html-file.",
        HelpName = "NAME",
    };

    private readonly TemplateArguments _templateArguments = new();

    private readonly Option<string[]> _attach = new("--attach")
    {
        Description = "Attach FILE (its type is guessed from the extension). Repeat for more.",
        HelpName = "FILE",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<string> _transport = new("--transport")
    {
        Description = $"Where to send: smtp://[user@]host[:port][?security=auto|starttls|implicit|none], smtps://[user@]host[:port], relay://PROVIDER[?region=R] (see 'mailsender providers'), or pickup:FOLDER. " +
            $"Default: ${CliDefaults.TransportVariable}, else {CliDefaults.Transport} (the folder ./outbox, no server needed). " +
            $"When the URI has a user but no password, the password is read from ${CliDefaults.PasswordVariable}.",
        HelpName = "URI",
    };

    private readonly Option<bool> _json = new("--json")
    {
        Description = "Print the result, or the error, as one JSON object on standard output.",
    };

    private readonly Option<string> _outbox = Outbox.OutboxCli.SendOption();

    private readonly Option<TimeSpan?> _timeout = WaitLimits.TimeoutOption("How long the send may take in all, every attempt and delay included");

    private readonly Option<int?> _retries = WaitLimits.RetriesOption();

    public SendCommand(CliContext context)
        : base("send", "Send one e-mail message.")
    {
        _context = context;
        Option[] own = [_to, _cc, _bcc, _from, _subject, _text, _textFile, _htmlFile, _template];
        foreach (var option in own.Concat(_templateArguments.All).Concat([_attach, _transport, _timeout, _retries, _json, _outbox]))
        {
            Options.Add(option);
        }

        Validators.Add(result =>
        {
            if (result.GetResult(_text) is not null && result.GetResult(_textFile) is not null)
            {
                result.AddError("--text and --text-file cannot be used together: give the body inline or from a file.");
            }

            var given = new Option[] { _subject, _text, _textFile, _htmlFile }.Where(option => result.GetResult(option) is not null).Select(option => option.Name).ToList();
            if (result.GetResult(_template) is not null)
            {
                if (given.Count > 0)
                {
                    result.AddError($"--template cannot be used with {string.Join(", ", given)}: the template gives the subject and the body.");
                }
            }
            else
            {
                if (result.GetResult(_subject) is null)
                {
                    result.AddError("Option '--subject' is required (or --template NAME, whose template gives it).");
                }

                var templateOnly = _templateArguments.All.Where(option => result.GetResult(option) is not null).Select(option => option.Name).ToList();
                if (templateOnly.Count > 0)
                {
                    result.AddError($"{string.Join(", ", templateOnly)} {(templateOnly.Count == 1 ? "needs" : "need")} --template NAME.");
                }
            }
        });

        SetAction(RunAsync);
    }

    /// <inheritdoc />
    public string HelpEpilog => $"""
        Environment:
          {CliDefaults.TransportVariable}  the transport URI when --transport is absent
          {CliDefaults.FromVariable}       the sender when --from is absent
          {CliDefaults.PasswordVariable}   the password, when the transport URI has a user and no password
          {CliDefaults.TemplatesVariable}  the template folder of --template when --templates is absent

        Each failed attempt is reported on standard error as it happens ("attempt 2 of 3 in 2 s: ..."; with --json, one
        JSON "retrying" event per line); the command gives up after --timeout (default 60 s). Connecting may take
        10 s and each reply 15 s, unless the transport URI says connectTimeout= or timeout=.

        Exit codes:
          0  sent; every recipient was accepted
          1  sending failed (connection, TLS, authentication, server refusal, timeout, ...)
          2  bad arguments or configuration (missing option, bad address, unreadable file, bad transport URI), or a
             template error (missing template, syntax error, a value the model lacks); nothing was sent
          3  sent, but some recipients were rejected
        With --outbox: 0 queued (the id is printed), 1 the store failed, 2 as above or a store that is not an outbox.

        """;

    private static Option<string[]> Recipients(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        HelpName = "ADDR",
        Required = required,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var transportOption = parseResult.GetValue(_transport);
        var outboxOption = parseResult.GetValue(_outbox);
        var redactor = SecretRedactor.ForTransport(transportOption ?? _context.GetEnvironmentVariable(CliDefaults.TransportVariable));
        var storeRedactor = Outbox.OutboxCli.Redactor(outboxOption);
        var reporter = new ConsoleReporter(_context, parseResult.GetValue(_json), redactor.With(storeRedactor));
        AttemptReporter? attempts = null;
        if (transportOption is not null && redactor.FoundPassword)
        {
            reporter.WarnPasswordOnCommandLine("--transport");
        }

        if (storeRedactor.FoundPassword)
        {
            Outbox.OutboxCli.WarnPasswordOnCommandLine(reporter);
        }

        if (outboxOption is not null && transportOption is not null)
        {
            // The outbox keeps no transport: the worker's --transport delivers.
            reporter.WriteWarning("--transport is not used with --outbox: 'mailsender worker --transport URI' delivers the message.");
        }

        try
        {
            var rendered = parseResult.GetValue(_template) is { } template
                ? (await _templateArguments.RenderAsync(template, parseResult, _context, cancellationToken).ConfigureAwait(false)).Message
                : null;
            var arguments = new SendArguments
            {
                To = parseResult.GetValue(_to) ?? [],
                Cc = parseResult.GetValue(_cc) ?? [],
                Bcc = parseResult.GetValue(_bcc) ?? [],
                From = parseResult.GetValue(_from),
                Subject = parseResult.GetValue(_subject),
                Text = parseResult.GetValue(_text),
                TextFile = parseResult.GetValue(_textFile),
                HtmlFile = parseResult.GetValue(_htmlFile),
                Attachments = parseResult.GetValue(_attach) ?? [],
            };
            var message = SendMessageFactory.Create(arguments, rendered);
            var defaultFrom = message.From.Count == 0 ? ResolveDefaultFrom() : null;
            if (outboxOption is not null)
            {
                return await EnqueueAsync(Outbox.OutboxCli.ResolveStore(outboxOption, _context), defaultFrom, message, parseResult.GetValue(_json), cancellationToken).ConfigureAwait(false);
            }

            var transport = ResolveTransport(transportOption);
            var timeout = parseResult.GetValue(_timeout) ?? WaitLimits.DefaultTimeout;
            var retries = parseResult.GetValue(_retries) ?? WaitLimits.DefaultRetries;
            attempts = new AttemptReporter(_context, parseResult.GetValue(_json), reporter.Redactor, retries + 1);

            // The whole command, not just the library's send: a hang anywhere ends at the limit.
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            var services = new ServiceCollection();
            services.AddMailSender(options =>
            {
                options.Transport = transport;
                options.DefaultFrom = defaultFrom;
                if (CliDefaults.HasUserWithoutPassword(transport))
                {
                    options.Password = _context.GetEnvironmentVariable(CliDefaults.PasswordVariable);
                }

                WaitLimits.Apply(options, timeout, retries);
                attempts.Attach(options.Resilience.Retry);
            });
            var provider = services.BuildServiceProvider();
            await using (provider.ConfigureAwait(false))
            {
                // Resolving the sender validates the options: a bad URI option or sender fails here, before any I/O.
                var sender = provider.GetRequiredService<IEmailSender>();
                try
                {
                    var result = await sender.SendAsync(message, limit.Token).ConfigureAwait(false);
                    reporter.WriteResult(result);
                    return result.AllRecipientsAccepted ? ExitCodes.Success : ExitCodes.RecipientsRejected;
                }
                catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    return Report(reporter, TimedOut(timeout, attempts));
                }
            }
        }
        catch (UsageException ex)
        {
            return Report(reporter, CliError.From(ex));
        }
        catch (EmailTemplateException ex)
        {
            return Report(reporter, TemplateArguments.ToError(ex));
        }
        catch (OptionsValidationException ex)
        {
            var error = CliError.From(ex, Names(transportOption, outboxOption));
            return Report(reporter, outboxOption is null ? error : error with { Hint = $"Check --outbox and --from (or {CliDefaults.FromVariable})." });
        }
        catch (EmailSendException ex) when (ex is { Kind: EmailErrorKind.Timeout, InnerException: Polly.Timeout.TimeoutRejectedException } && attempts is not null)
        {
            // The library's total timeout is the command's --timeout: say so in the CLI's terms.
            return Report(reporter, CliError.From(ex) with { Hint = TimeoutHint });
        }
        catch (EmailSendException ex)
        {
            return Report(reporter, CliError.From(ex, Names(transportOption, outboxOption)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Report(reporter, CliError.Cancelled());
        }
    }

    private const string TimeoutHint = "The server is slow or unreachable. If it is just slow, allow more time with --timeout, e.g. --timeout 5m.";

    /// <summary>The error when --timeout ended the command before the library's own timeout did.</summary>
    private static CliError TimedOut(TimeSpan timeout, AttemptReporter attempts) =>
        new(nameof(EmailErrorKind.Timeout), $"Gave up after --timeout {WaitLimits.Describe(timeout)}" +
            (attempts.LastFailure is { } last ? $" ({attempts.Failed} failed attempt(s); the last: {last})." : ", before the first attempt ended."), ExitCodes.SendFailed)
        {
            Hint = TimeoutHint,
            IsTransient = true,
        };

    /// <summary>The names of the settings this send set, for its errors: where the transport and the sender came from.</summary>
    private SettingNames Names(string? transportOption, string? outboxOption)
    {
        var names = outboxOption is null ? SettingNames.Sender : Outbox.OutboxCli.Names;
        if (transportOption is null)
        {
            names = names.With("MailSender:Transport", string.IsNullOrWhiteSpace(_context.GetEnvironmentVariable(CliDefaults.TransportVariable))
                ? $"the default transport {CliDefaults.Transport} (set --transport)"
                : "$" + CliDefaults.TransportVariable);
        }

        return names;
    }

    /// <summary>send --outbox: the message is checked as a send checks it and stored in the outbox; a worker delivers it later.</summary>
    private async Task<int> EnqueueAsync(string store, string? defaultFrom, MimeMessage message, bool json, CancellationToken cancellationToken)
    {
        // The outbox stores no transport, so the default one stands in; the sender contributes only its default From.
        var provider = Outbox.OutboxCli.Build(_context, store, CliDefaults.Transport, defaultFrom);
        await using (provider.ConfigureAwait(false))
        {
            var outbox = provider.GetRequiredService<MailSender.Outbox.IEmailOutbox>();
            var id = await outbox.EnqueueAsync(message, options: null, cancellationToken).ConfigureAwait(false);
            _context.Output.WriteLine(json
                ? System.Text.Json.JsonSerializer.Serialize(new Outbox.EnqueuedDocument(id, "queued"), CliJsonContext.Output.EnqueuedDocument)
                : $"Queued {id} in {MailSender.Outbox.Storage.StoreLocation.Redact(store)} (Message-Id {message.MessageId}); 'mailsender worker --outbox STORE' delivers it.");
            return ExitCodes.Success;
        }
    }

    private static int Report(ConsoleReporter reporter, CliError error)
    {
        reporter.WriteError(error);
        return error.ExitCode;
    }

    /// <summary>Returns the transport URI to use: --transport, else the environment, else the ./outbox pickup folder.</summary>
    /// <remarks>The URI is parsed here so that a malformed one is reported with the library's secret-free message; the raw text is never printed.</remarks>
    private string ResolveTransport(string? option)
    {
        var fromEnvironment = option is null && !string.IsNullOrWhiteSpace(_context.GetEnvironmentVariable(CliDefaults.TransportVariable));
        var transport = option ?? (fromEnvironment ? _context.GetEnvironmentVariable(CliDefaults.TransportVariable)! : CliDefaults.Transport);
        try
        {
            // failover(A B) and roundrobin(A B) are checked, part by part, when the options are validated.
            if (!transport.TrimStart().StartsWith("failover(", StringComparison.OrdinalIgnoreCase) && !transport.TrimStart().StartsWith("roundrobin(", StringComparison.OrdinalIgnoreCase))
            {
                TransportUri.Parse(transport);
            }
        }
        catch (EmailSendException ex) when (fromEnvironment)
        {
            throw new EmailSendException(ex.Kind, $"{CliDefaults.TransportVariable}: {ex.Message}", ex) { Hint = ex.Hint };
        }

        return transport;
    }

    /// <summary>Returns the sender for a message without --from: the environment's, else USER@MACHINE.</summary>
    private string ResolveDefaultFrom()
    {
        var configured = _context.GetEnvironmentVariable(CliDefaults.FromVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            AddressArguments.ParseMailbox(configured, CliDefaults.FromVariable);
            return configured;
        }

        var local = CliDefaults.LocalAddress();
        try
        {
            AddressArguments.ParseMailbox(local, "The default sender");
        }
        catch (UsageException ex)
        {
            throw new UsageException(ex.Message, $"Pass --from ADDR or set {CliDefaults.FromVariable}.", ex);
        }

        return local;
    }
}
