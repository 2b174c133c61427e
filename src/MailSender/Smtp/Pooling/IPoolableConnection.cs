namespace MailSender.Smtp.Pooling;

/// <summary>A connection the pool can check, close politely and dispose.</summary>
internal interface IPoolableConnection : IAsyncDisposable
{
    /// <summary>Gets a value indicating whether the connection is still open as far as the client knows.</summary>
    bool IsConnected { get; }

    /// <summary>Checks that the server still answers (SMTP NOOP); returns false rather than throwing when it does not.</summary>
    Task<bool> IsAliveAsync(CancellationToken cancellationToken);

    /// <summary>Closes politely (SMTP QUIT), ignoring failures, then releases the connection.</summary>
    Task CloseAsync(CancellationToken cancellationToken);
}
