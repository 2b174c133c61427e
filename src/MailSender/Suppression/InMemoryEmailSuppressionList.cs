using System.Collections.Concurrent;

namespace MailSender.Suppression;

/// <summary>A suppression list held in memory: for tests and single-process tools. Lost on restart; use a store for production.</summary>
internal sealed class InMemoryEmailSuppressionList : IEmailSuppressionList
{
    private readonly ConcurrentDictionary<(string Address, string List), EmailSuppression> _entries = new(KeyComparer.Instance);

    public ValueTask<EmailSuppression?> FindAsync(string address, string? list, CancellationToken cancellationToken = default)
    {
        EmailSuppression.CheckAddress(address);
        var found = _entries.TryGetValue((address.Trim(), string.Empty), out var global) ? global
            : list is not null && _entries.TryGetValue((address.Trim(), list), out var listed) ? listed
            : null;
        return ValueTask.FromResult(found);
    }

    public ValueTask AddAsync(EmailSuppression suppression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        EmailSuppression.CheckAddress(suppression.Address);
        _entries.TryAdd((suppression.Address.Trim(), suppression.List ?? string.Empty), suppression);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> RemoveAsync(string address, string? list, CancellationToken cancellationToken = default)
    {
        EmailSuppression.CheckAddress(address);
        return ValueTask.FromResult(_entries.TryRemove((address.Trim(), list ?? string.Empty), out _));
    }

    private sealed class KeyComparer : IEqualityComparer<(string Address, string List)>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals((string Address, string List) x, (string Address, string List) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Address, y.Address) && StringComparer.Ordinal.Equals(x.List, y.List);

        public int GetHashCode((string Address, string List) key) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(key.Address), StringComparer.Ordinal.GetHashCode(key.List));
    }
}
