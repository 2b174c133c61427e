namespace MailSender.Templates.Razor.Tests.Templates;

/// <summary>A scoped service a component injects: a new id per DI scope, and it knows when its scope ended.</summary>
public sealed class ScopedCounter : IDisposable
{
    private static int _next;

    public int Id { get; } = Interlocked.Increment(ref _next);

    public bool IsDisposed { get; private set; }

    public void Dispose() => IsDisposed = true;
}
