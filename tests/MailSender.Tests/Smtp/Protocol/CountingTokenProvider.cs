namespace MailSender.Tests.Smtp.Protocol;

/// <summary>Hands out numbered tokens (<c>token-1</c>, <c>token-2</c>, ...) and records what it was asked for.</summary>
internal sealed class CountingTokenProvider(string prefix = "ya29.token-") : ISmtpAccessTokenProvider
{
    private readonly List<SmtpTokenContext> _requests = [];

    public IReadOnlyList<SmtpTokenContext> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToArray();
            }
        }
    }

    public ValueTask<string> GetAccessTokenAsync(SmtpTokenContext context, CancellationToken cancellationToken = default)
    {
        lock (_requests)
        {
            _requests.Add(context);
            return ValueTask.FromResult(prefix + _requests.Count);
        }
    }
}
