using System.Globalization;
using System.Text.Json;
using MailSender.Cli.Output;
using Polly;
using Polly.Retry;

namespace MailSender.Cli.Attempts;

/// <summary>
/// Reports each failed attempt of a send as it happens, through the library's public retry hook
/// (<see cref="EmailRetryStrategyOptions"/>' <c>OnRetry</c>): one line on standard error, or with <c>--json</c> one JSON
/// event per line there, so standard output keeps its one document.
/// </summary>
/// <param name="context">Where to write.</param>
/// <param name="json">Whether to write JSON events rather than lines.</param>
/// <param name="redactor">Masks the transport's password in the library's messages.</param>
/// <param name="attempts">How many attempts the send may make in all (retries + 1).</param>
internal sealed class AttemptReporter(CliContext context, bool json, SecretRedactor redactor, int attempts)
{
    private readonly Lock _lock = new();

    /// <summary>Gets how many attempts have failed so far.</summary>
    public int Failed { get; private set; }

    /// <summary>Gets the last failed attempt's error as <c>KIND: MESSAGE</c>, or <see langword="null"/>.</summary>
    public string? LastFailure { get; private set; }

    /// <summary>Installs this reporter as the options' retry hook, keeping a hook already set.</summary>
    public void Attach(EmailRetryStrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var own = options.OnRetry;
        options.OnRetry = async args =>
        {
            Report(args);
            if (own is not null)
            {
                await own(args).ConfigureAwait(false);
            }
        };
    }

    /// <summary>Writes <c>mailsender: attempt 2 of 3 in 2 s: KIND: MESSAGE</c>, or the <c>retrying</c> event.</summary>
    internal void Report(OnRetryArguments<SendResult> args)
    {
        var (kind, message) = Describe(args.Outcome);
        message = redactor.Redact(message.ReplaceLineEndings(" ").Trim())!;
        var next = args.AttemptNumber + 2;
        lock (_lock)
        {
            Failed = args.AttemptNumber + 1;
            LastFailure = $"{kind}: {message}";
            context.Error.WriteLine(json
                ? JsonSerializer.Serialize(new RetryingEvent("retrying", next, attempts, args.RetryDelay, kind, message), CliJsonContext.Output.RetryingEvent)
                : string.Create(CultureInfo.InvariantCulture, $"mailsender: attempt {next} of {attempts} in {WaitLimits.Describe(args.RetryDelay)}: {kind}: {message}"));
            context.Error.Flush();
        }
    }

    private static (string Kind, string Message) Describe(Outcome<SendResult> outcome) => outcome switch
    {
        { Exception: EmailSendException error } => (error.Kind.ToString(), error.Message),
        { Exception: { } other } => (other.GetType().Name, other.Message),

        // No exception: the server deferred some recipients with a 4xx reply, and only those are tried again.
        { Result: { } result } => (nameof(EmailErrorKind.RecipientsRejected), Deferred(result)),
        _ => ("Unknown", "the attempt failed"),
    };

    private static string Deferred(SendResult result)
    {
        var deferred = result.RejectedRecipients.Where(r => r.IsTransient).ToList();
        var first = deferred.FirstOrDefault();
        var reply = first is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({first.StatusCode} {first.ServerText})");
        return string.Create(CultureInfo.InvariantCulture, $"the server deferred {deferred.Count} recipient(s){reply}");
    }
}

/// <summary>The JSON event <see cref="AttemptReporter"/> writes with <c>--json</c>, one per line on standard error.</summary>
/// <param name="Event">Always <c>retrying</c>.</param>
/// <param name="Attempt">The attempt about to start (2 for the first retry).</param>
/// <param name="Attempts">How many attempts there may be in all.</param>
/// <param name="Delay">How long until it starts.</param>
/// <param name="Kind">The failed attempt's <see cref="EmailErrorKind"/>.</param>
/// <param name="Error">The failed attempt's error, free of secrets.</param>
internal sealed record RetryingEvent(string Event, int Attempt, int Attempts, TimeSpan Delay, string Kind, string Error);
