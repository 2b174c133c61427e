using System.Collections.Concurrent;
using Fluid;

namespace MailSender.Templates.Liquid;

/// <summary>
/// What <c>{% render 'footer' %}</c> and <c>{% include 'footer' %}</c> read: <c>footer.liquid</c> at a source's root,
/// else <c>_partials/footer.liquid</c>. Only the template sources are reachable; a template cannot read other files.
/// </summary>
internal sealed class PartialFiles(TemplateFiles files, bool watch) : ITemplateFileProvider
{
    // Fluid asks for a partial's file on every rendering; unless changes are watched, the answer never changes.
    private readonly ConcurrentDictionary<string, TemplateFile?> _found = new(StringComparer.Ordinal);

    public ValueTask<TemplateSourceInfo> GetFileInfoAsync(string subpath, TemplateContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = subpath.TrimStart('/');
        if (path.Contains("..", StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal))
        {
            return default;
        }

        var file = watch ? Find(path) : _found.GetOrAdd(path, Find);
        if (file is null)
        {
            return default;
        }

        return new ValueTask<TemplateSourceInfo>(new TemplateSourceInfo(
            // The engine's cache keys partials by path alone: an edit is seen only through the watch, never by its time.
            file.Info.LastModified,
            _ => new ValueTask<Stream>(file.Info.CreateReadStream()),
            // The key of the engine's parsed files: the first source that has a path is the only one ever read for it.
            file.Path));
    }

    private TemplateFile? Find(string path) => files.Find(path) ?? files.Find(LiquidTemplateNames.PartialFolder + path);
}
