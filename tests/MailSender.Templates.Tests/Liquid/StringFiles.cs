using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace MailSender.Templates.Tests.Liquid;

/// <summary>An in-memory file provider with folders that counts how often each file is opened.</summary>
public sealed class StringFiles : IFileProvider
{
    private readonly Dictionary<string, string> _files;
    private readonly ConcurrentDictionary<string, int> _reads = new();

    public StringFiles(params (string Path, string Content)[] files) => _files = files.ToDictionary(f => f.Path, f => f.Content);

    public int Reads(string path) => _reads.GetValueOrDefault(path);

    public IFileInfo GetFileInfo(string subpath)
    {
        var path = subpath.TrimStart('/');
        return _files.TryGetValue(path, out var content) ? new File(path, content, this) : new NotFoundFileInfo(path);
    }

    public IDirectoryContents GetDirectoryContents(string subpath)
    {
        var folder = subpath.Trim('/');
        var prefix = folder.Length == 0 ? string.Empty : folder + "/";
        var entries = _files.Keys.Where(p => p.StartsWith(prefix, StringComparison.Ordinal))
            .Select(p => p[prefix.Length..])
            .Select(rest => rest.Split('/')[0])
            .Distinct()
            .Select(name => _files.TryGetValue(prefix + name, out var content) ? (IFileInfo)new File(prefix + name, content, this) : new Folder(name))
            .ToList();
        return new Contents(entries);
    }

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    private sealed class File(string path, string content, StringFiles owner) : IFileInfo
    {
        public bool Exists => true;

        public long Length => content.Length;

        public string? PhysicalPath => null;

        public string Name => path.Split('/')[^1];

        public DateTimeOffset LastModified => DateTimeOffset.UnixEpoch;

        public bool IsDirectory => false;

        public Stream CreateReadStream()
        {
            owner._reads.AddOrUpdate(path, 1, (_, n) => n + 1);
            return new MemoryStream(Encoding.UTF8.GetBytes(content));
        }
    }

    private sealed class Folder(string name) : IFileInfo
    {
        public bool Exists => true;

        public long Length => -1;

        public string? PhysicalPath => null;

        public string Name => name;

        public DateTimeOffset LastModified => DateTimeOffset.UnixEpoch;

        public bool IsDirectory => true;

        public Stream CreateReadStream() => throw new InvalidOperationException();
    }

    private sealed class Contents(List<IFileInfo> entries) : IDirectoryContents
    {
        public bool Exists => true;

        public IEnumerator<IFileInfo> GetEnumerator() => entries.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
