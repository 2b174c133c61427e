using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace MailSender.Templates.Tests.Composing;

/// <summary>An in-memory image source that counts how often each file is opened.</summary>
public sealed class ImageFiles(params (string Path, byte[] Bytes)[] files) : IFileProvider
{
    private readonly Dictionary<string, byte[]> _files = files.ToDictionary(f => f.Path, f => f.Bytes, StringComparer.Ordinal);
    private readonly Dictionary<string, int> _opens = new(StringComparer.Ordinal);

    public int Opens(string path)
    {
        lock (_opens)
        {
            return _opens.GetValueOrDefault(path);
        }
    }

    public IFileInfo GetFileInfo(string subpath) =>
        _files.TryGetValue(subpath, out var bytes) ? new File(subpath, bytes, this) : new NotFoundFileInfo(subpath);

    public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

    public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

    private sealed class File(string path, byte[] bytes, ImageFiles owner) : IFileInfo
    {
        public bool Exists => true;

        public long Length => bytes.Length;

        public string? PhysicalPath => null;

        public string Name => Path.GetFileName(path);

        public DateTimeOffset LastModified => DateTimeOffset.UnixEpoch;

        public bool IsDirectory => false;

        public Stream CreateReadStream()
        {
            lock (owner._opens)
            {
                owner._opens[path] = owner._opens.GetValueOrDefault(path) + 1;
            }

            return new MemoryStream(bytes, writable: false);
        }
    }
}
