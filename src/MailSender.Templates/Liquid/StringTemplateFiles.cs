using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace MailSender.Templates.Liquid;

/// <summary>
/// Templates given as strings (<c>AddTemplate("welcome", subject, html, text)</c>), served as the files
/// <c>welcome.liquid</c> and <c>welcome.text.liquid</c>. The subject becomes a <c>{% subject %}</c> block on the HTML's first line.
/// </summary>
internal sealed class StringTemplateFiles : IFileProvider
{
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _created = DateTimeOffset.UtcNow;

    public void Add(string path, string content)
    {
        if (!_files.TryAdd(path, Encoding.UTF8.GetBytes(content)))
        {
            throw new ArgumentException($"A template file '{path}' was already added as a string.", nameof(path));
        }
    }

    public IFileInfo GetFileInfo(string subpath)
    {
        var path = subpath.TrimStart('/');
        return _files.TryGetValue(path, out var content) ? new StringFile(path, content, _created) : new NotFoundFileInfo(path);
    }

    public IDirectoryContents GetDirectoryContents(string subpath)
    {
        // Flat: every file is listed at the root with its whole path as its name, which is all enumeration needs.
        var path = subpath.Trim('/');
        return path.Length == 0
            ? new Contents(_files.Select(file => (IFileInfo)new StringFile(file.Key, file.Value, _created)).ToList())
            : NotFoundDirectoryContents.Singleton;
    }

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    private sealed class StringFile(string path, byte[] content, DateTimeOffset created) : IFileInfo
    {
        public bool Exists => true;

        public long Length => content.Length;

        public string? PhysicalPath => null;

        public string Name => path;

        public DateTimeOffset LastModified => created;

        public bool IsDirectory => false;

        public Stream CreateReadStream() => new MemoryStream(content, writable: false);
    }

    private sealed class Contents(List<IFileInfo> files) : IDirectoryContents
    {
        public bool Exists => true;

        public IEnumerator<IFileInfo> GetEnumerator() => files.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
