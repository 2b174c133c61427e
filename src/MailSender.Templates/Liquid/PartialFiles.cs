using System.Collections.Concurrent;
using Fluid;

namespace MailSender.Templates.Liquid;

/// <summary>
/// What <c>{% render 'footer' %}</c> and <c>{% include 'footer' %}</c> read: <c>footer.liquid</c> at a source's root,
/// else <c>_partials/footer.liquid</c>. Only the template sources are reachable; a template cannot read other files.
/// </summary>
internal sealed class PartialFiles(TemplateFiles files, bool watch) : ITemplateFileProvider
{
    // Fluid re-parses a partial when its LastModified changes. Unless changes are watched, every partial reports the same
    // time, so an edit on disk is never picked up (and a render costs no file-system call once the partial is cached).
    private static readonly DateTimeOffset Unchanging = DateTimeOffset.UnixEpoch;

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
            watch ? file.Info.LastModified : Unchanging,
            _ => new ValueTask<Stream>(file.Info.CreateReadStream()),
            file.Source.Description + ":" + file.Path));
    }

    private TemplateFile? Find(string path) => files.Find(path) ?? files.Find(LiquidTemplateNames.PartialFolder + path);
}
