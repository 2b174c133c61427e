using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace MailSender.Templates.Liquid;

/// <summary>
/// The places Liquid templates are read from, searched in order: the configured directory, then file providers and
/// embedded resources in registration order, then templates given as strings. The first that has a path wins.
/// </summary>
internal sealed class TemplateFiles(IReadOnlyList<TemplateFileSource> sources)
{
    public IReadOnlyList<TemplateFileSource> Sources { get; } = sources;

    public TemplateFile? Find(string path)
    {
        foreach (var source in Sources)
        {
            var file = source.Files.GetFileInfo(path);
            if (file is { Exists: true, IsDirectory: false })
            {
                return new TemplateFile(path, file, source);
            }
        }

        return null;
    }

    /// <summary>Every <c>.liquid</c> file of every source (a path present in two sources once, as the first has it).</summary>
    public IEnumerable<TemplateFile> EnumerateAll()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in Sources)
        {
            foreach (var (path, file) in Enumerate(source.Files, string.Empty, depth: 0))
            {
                if (seen.Add(path))
                {
                    yield return new TemplateFile(path, file, source);
                }
            }
        }
    }

    public IChangeToken Watch() =>
        new CompositeChangeToken(Sources.Select(source => source.Files.Watch("**/*" + LiquidTemplateNames.Extension)).ToList());

    public string Describe() => string.Join(", ", Sources.Select(source => source.Description));

    private static IEnumerable<(string Path, IFileInfo File)> Enumerate(IFileProvider files, string folder, int depth)
    {
        // Deep trees are not template folders; the bound keeps a mistaken root (a drive, a home folder) cheap.
        if (depth > 8)
        {
            yield break;
        }

        foreach (var entry in files.GetDirectoryContents(folder))
        {
            var path = folder.Length == 0 ? entry.Name : folder + "/" + entry.Name;
            if (entry.IsDirectory)
            {
                foreach (var nested in Enumerate(files, path, depth + 1))
                {
                    yield return nested;
                }
            }
            else if (entry.Name.EndsWith(LiquidTemplateNames.Extension, StringComparison.OrdinalIgnoreCase))
            {
                yield return (path, entry);
            }
        }
    }
}

/// <summary>One place templates come from, with the words an error message uses for it.</summary>
internal sealed record TemplateFileSource(IFileProvider Files, string Description);

/// <summary>A template file found in a source.</summary>
internal sealed record TemplateFile(string Path, IFileInfo Info, TemplateFileSource Source)
{
    public string ReadAllText()
    {
        using var stream = Info.CreateReadStream();
        using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    public override string ToString() => $"{Path} in {Source.Description}";
}
