using MimeKit;

namespace MailSender.Outbox;

/// <summary>
/// The <see cref="IEmailSender"/> when <see cref="OutboxOptions.QueueSends"/> is on: a send enqueues, and the result says
/// so (no recipient has it yet: <see cref="SendResult.AcceptedRecipients"/> is empty, <see cref="SendResult.ServerResponse"/>
/// is "queued as ID", <see cref="SendResult.Transport"/> is "outbox:sqlite" or "outbox:postgres").
/// </summary>
internal sealed class OutboxEmailSender(IEmailOutbox outbox, OutboxRuntime runtime, string senderName) : IEmailSender
{
    public async Task<SendResult> SendAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        var id = await outbox.EnqueueAsync(message, new OutboxEnqueueOptions { SenderName = senderName }, cancellationToken).ConfigureAwait(false);
        return new SendResult
        {
            MessageId = message.MessageId ?? string.Empty,
            Transport = "outbox:" + runtime.Store.Kind,
            ServerResponse = "queued as " + id.ToString("D"),
        };
    }
}
