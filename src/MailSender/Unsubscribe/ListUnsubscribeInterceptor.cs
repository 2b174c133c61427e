using MailSender.Internal;
using MimeKit;

namespace MailSender.Unsubscribe;

/// <summary>
/// Gives list mail its one-click unsubscribe headers: a message with a <c>List-Id</c> and no <c>List-Unsubscribe</c>
/// gets both RFC 8058 headers with a token for its one recipient. Runs before DKIM signing, which covers both.
/// </summary>
internal sealed class ListUnsubscribeInterceptor(IUnsubscribeTokens tokens) : IEmailInterceptor
{
    public ValueTask OnSendingAsync(EmailSendingContext context, CancellationToken cancellationToken)
    {
        var headers = context.Message.Headers;
        if (ListIds.Find(context.Message) is not { } list || headers.Contains(HeaderId.ListUnsubscribe))
        {
            return ValueTask.CompletedTask;
        }

        if (context.Envelope.Recipients.Count != 1)
        {
            // A token names one address; one message to several would let any of them unsubscribe the others.
            context.Veto(
                $"a message of list '{list}' goes to {context.Envelope.Recipients.Count} recipients; one-click unsubscribe needs one message per recipient.",
                nameof(ListUnsubscribeInterceptor),
                "Send list mail one recipient at a time (SendBulkAsync does), or set List-Unsubscribe yourself.");
            return ValueTask.CompletedTask;
        }

        headers.Add(HeaderId.ListUnsubscribe, tokens.CreateHeaderValue(context.Envelope.Recipients[0].Address, list));
        headers.Add(HeaderId.ListUnsubscribePost, "List-Unsubscribe=One-Click");
        return ValueTask.CompletedTask;
    }
}
