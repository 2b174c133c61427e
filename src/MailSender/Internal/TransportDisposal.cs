namespace MailSender.Internal;

/// <summary>Disposes a transport whichever way it supports (transports need not be disposable at all).</summary>
internal static class TransportDisposal
{
    public static ValueTask DisposeAsync(IEmailTransport transport)
    {
        switch (transport)
        {
            case IAsyncDisposable asyncDisposable:
                return asyncDisposable.DisposeAsync();
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        return ValueTask.CompletedTask;
    }
}
