using System.Text;
using MimeKit;

namespace MailSender.Testing;

/// <summary>
/// A transport that records messages in memory instead of sending them, for tests of code that sends mail.
/// Thread-safe.
/// </summary>
/// <remarks>
/// Register it with <see cref="Microsoft.Extensions.DependencyInjection.MailSenderTestingServiceCollectionExtensions.AddInMemoryEmailTransport(Microsoft.Extensions.DependencyInjection.IServiceCollection)"/> to make every
/// sender of an application use it, or configure a sender with the <c>memory:</c> transport URI.
/// </remarks>
public sealed class InMemoryEmailTransport : IVerifiableEmailTransport
{
    private readonly object _gate = new();
    private readonly List<SentEmail> _sent = [];
    private readonly Queue<Func<EmailSendException>> _failures = new();
    private readonly TimeProvider _timeProvider;
    private TaskCompletionSource _sentSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Initializes a new instance of the <see cref="InMemoryEmailTransport"/> class.</summary>
    /// <param name="timeProvider">The clock for <see cref="SentEmail.SentAt"/>; the system clock by default.</param>
    public InMemoryEmailTransport(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public string Name => "memory:";

    /// <summary>Always succeeds: memory is always ready (injected failures apply to sends only).</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A completed task.</returns>
    public Task VerifyAsync(CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>Gets a snapshot of the messages sent so far, oldest first.</summary>
    public IReadOnlyList<SentEmail> SentMessages
    {
        get
        {
            lock (_gate)
            {
                return _sent.ToArray();
            }
        }
    }

    /// <summary>Gets the most recent message, or <see langword="null"/> when none was sent.</summary>
    public SentEmail? LastMessage
    {
        get
        {
            lock (_gate)
            {
                return _sent.Count == 0 ? null : _sent[^1];
            }
        }
    }

    /// <inheritdoc />
    public Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        cancellationToken.ThrowIfCancellationRequested();

        TaskCompletionSource signal;
        lock (_gate)
        {
            if (_failures.TryDequeue(out var failure))
            {
                throw failure();
            }

            _sent.Add(new SentEmail(message, envelope, _timeProvider.GetUtcNow()));
            signal = _sentSignal;
            _sentSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
        return Task.FromResult(new SendResult
        {
            MessageId = message.MessageId ?? string.Empty,
            AcceptedRecipients = envelope.Recipients.Select(r => r.Address).ToArray(),
            Transport = Name,
            ServerResponse = "250 2.0.0 Recorded in memory",
        });
    }

    /// <summary>Makes the next <paramref name="count"/> sends fail with an <see cref="EmailSendException"/> of the given kind.</summary>
    /// <param name="count">How many sends fail.</param>
    /// <param name="kind">The error kind to throw.</param>
    /// <param name="isTransient">
    /// Whether the failure is transient; by default what a real transport would say: transient for a 4xx <paramref name="statusCode"/>,
    /// and without one for <see cref="EmailErrorKind.ConnectionFailed"/>, <see cref="EmailErrorKind.ServerBusy"/>,
    /// <see cref="EmailErrorKind.Timeout"/> and <see cref="EmailErrorKind.ProtocolError"/>.
    /// </param>
    /// <param name="statusCode">The SMTP status code to report, e.g. 451 or 550.</param>
    public void FailNext(int count, EmailErrorKind kind, bool? isTransient = null, int? statusCode = null)
    {
        FailNext(count, () =>
        {
            return new EmailSendException(kind, $"Simulated failure ({kind}) from the in-memory transport.")
            {
                IsTransient = isTransient ?? (statusCode is { } code
                    ? code is >= 400 and < 500
                    : kind is EmailErrorKind.ConnectionFailed or EmailErrorKind.ServerBusy or EmailErrorKind.Timeout or EmailErrorKind.ProtocolError),
                StatusCode = statusCode,
                Transport = Name,
            };
        });
    }

    /// <summary>Makes the next <paramref name="count"/> sends fail with exceptions you create.</summary>
    /// <param name="count">How many sends fail.</param>
    /// <param name="createException">Creates the exception for each failing send.</param>
    public void FailNext(int count, Func<EmailSendException> createException)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(createException);
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _failures.Enqueue(createException);
            }
        }
    }

    /// <summary>Returns the messages whose envelope includes <paramref name="address"/> (To, Cc or Bcc), ignoring case.</summary>
    /// <param name="address">The recipient's address.</param>
    /// <returns>The matching messages, oldest first.</returns>
    public IReadOnlyList<SentEmail> FindByRecipient(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return SentMessages.Where(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase)).ToArray();
    }

    /// <summary>Asserts that exactly one message matches <paramref name="predicate"/> (or that exactly one was sent) and returns it.</summary>
    /// <param name="predicate">What the message must satisfy; <see langword="null"/> for any message.</param>
    /// <returns>The matching message.</returns>
    /// <exception cref="EmailAssertionException">No message, or more than one, matches; the message lists what was sent.</exception>
    public SentEmail ShouldHaveSent(Func<SentEmail, bool>? predicate = null)
    {
        var sent = SentMessages;
        var matches = predicate is null ? sent : sent.Where(predicate).ToArray();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new EmailAssertionException("Expected one matching message, but none matched. " + Describe(sent)),
            _ => throw new EmailAssertionException($"Expected one matching message, but {matches.Count} matched. " + Describe(sent)),
        };
    }

    /// <summary>Asserts that no message was sent.</summary>
    /// <exception cref="EmailAssertionException">A message was sent; the message lists them.</exception>
    public void ShouldHaveSentNothing()
    {
        var sent = SentMessages;
        if (sent.Count > 0)
        {
            throw new EmailAssertionException("Expected no message. " + Describe(sent));
        }
    }

    /// <summary>Waits until a message matching <paramref name="predicate"/> has been sent, for code that sends in the background.</summary>
    /// <param name="predicate">What the message must satisfy; <see langword="null"/> for any message.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The first matching message.</returns>
    /// <exception cref="EmailAssertionException">No matching message was sent within <paramref name="timeout"/>.</exception>
    public async Task<SentEmail> WaitForMessageAsync(Func<SentEmail, bool>? predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                var match = _sent.FirstOrDefault(m => predicate?.Invoke(m) ?? true);
                if (match is not null)
                {
                    return match;
                }

                signal = _sentSignal.Task;
            }

            try
            {
                await signal.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new EmailAssertionException($"No matching message was sent within {timeout}. " + Describe(SentMessages));
            }
        }
    }

    /// <summary>Forgets the recorded messages and pending failures.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _sent.Clear();
            _failures.Clear();
        }
    }

    private static string Describe(IReadOnlyList<SentEmail> sent)
    {
        if (sent.Count == 0)
        {
            return "No message was sent.";
        }

        var text = new StringBuilder($"{sent.Count} message(s) were sent:");
        foreach (var message in sent)
        {
            text.AppendLine().Append("  - ").Append(message);
        }

        return text.ToString();
    }
}
