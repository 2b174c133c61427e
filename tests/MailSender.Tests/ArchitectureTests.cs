using System.Text.RegularExpressions;
using MailSender.TestSupport;

namespace MailSender.Tests;

/// <summary>
/// The folders of src/MailSender use each other only as docs/architecture.md says, and form no cycle. Reads the source:
/// <c>using</c> lines, qualified <c>MailSender.*</c> names, and the types a file uses from a parent folder's namespace
/// without a <c>using</c> (C# makes those visible implicitly).
/// </summary>
public partial class ArchitectureTests
{
    private const string Root = "(root)";

    private static readonly Lazy<SourceTree> Source = new(SourceTree.Read);

    [Fact]
    public void Folders_UseOnlyWhatTheArchitectureDocumentAllows_AndEveryAllowedUseExists()
    {
        var documented = DocumentedUses();
        var actual = Source.Value.Uses;

        var problems = new List<string>();
        foreach (var folder in actual.Keys.Order(StringComparer.Ordinal))
        {
            if (!documented.TryGetValue(folder, out var allowed))
            {
                problems.Add($"{folder}: no row in docs/architecture.md");
                continue;
            }

            foreach (var (target, evidence) in actual[folder].OrderBy(u => u.Key, StringComparer.Ordinal))
            {
                if (!allowed.Contains(target))
                {
                    problems.Add($"{folder} uses {target}, which docs/architecture.md does not allow ({evidence})");
                }
            }
        }

        foreach (var (folder, allowed) in documented)
        {
            if (!actual.ContainsKey(folder))
            {
                problems.Add($"docs/architecture.md has a row for {folder}, which has no source files");
                continue;
            }

            problems.AddRange(allowed.Where(target => !actual[folder].ContainsKey(target)).Select(target => $"docs/architecture.md lets {folder} use {target}, but it does not: remove it from the row"));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Folders_FormNoCycle()
    {
        var uses = Source.Value.Uses;

        var cycle = FindCycle(uses.Where(f => f.Key != Root).ToDictionary(f => f.Key, f => f.Value.Keys.Where(t => t != Root).ToArray()));

        Assert.True(cycle is null, "The folders form a cycle: " + string.Join(" -> ", cycle ?? []) + Environment.NewLine + "Evidence: " +
            string.Join("; ", (cycle ?? []).Zip((cycle ?? []).Skip(1)).Select(e => $"{e.First} uses {e.Second} ({uses[e.First][e.Second]})")));
    }

    [Fact]
    public void FindCycle_ReportsACycleAndNothingForALayeredGraph()
    {
        // The checker itself can fail: a cycle through three folders is found, a layered graph passes.
        var cyclic = new Dictionary<string, string[]> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        var layered = new Dictionary<string, string[]> { ["A"] = ["B", "C"], ["B"] = ["C"], ["C"] = [] };

        Assert.Equal(["A", "B", "C", "A"], FindCycle(cyclic) ?? []);
        Assert.Null(FindCycle(layered));
    }

    [Fact]
    public void SourceReader_SeesUsingsQualifiedNamesAndParentNamespaceTypes()
    {
        var uses = Source.Value.Uses;

        // One of each kind of evidence, so a broken reader cannot pass the tests above by seeing nothing.
        Assert.Contains("using MailSender.Smtp.Protocol", uses["Smtp/Direct"]["Smtp/Protocol"], StringComparison.Ordinal);
        Assert.Contains(Root, uses.Keys);
        Assert.True(uses["DependencyInjection"].Count >= 10, "DependencyInjection composes every feature folder");
        Assert.Equal("SmtpTransportSettings in Smtp/Detection/X.cs", SourceTree.ImplicitParentUse("Smtp/Detection", "Smtp/Detection/X.cs", "var s = new SmtpTransportSettings();", new Dictionary<string, HashSet<string>> { ["Smtp"] = ["SmtpTransportSettings"] })?.Evidence);
    }

    /// <summary>Returns one cycle as a closed path (first = last), or null.</summary>
    internal static string[]? FindCycle(IReadOnlyDictionary<string, string[]> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done
        var path = new List<string>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start) is { } found)
            {
                return found;
            }
        }

        return null;

        string[]? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2)
            {
                return null;
            }

            if (state.GetValueOrDefault(node) == 1)
            {
                return [.. path.Skip(path.IndexOf(node)), node];
            }

            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node, []).Order(StringComparer.Ordinal))
            {
                if (Visit(next) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }

    /// <summary>Reads the table under "Folders and their directions": folder -> the folders it may use.</summary>
    private static Dictionary<string, HashSet<string>> DocumentedUses()
    {
        var lines = File.ReadAllLines(RepositoryFiles.PathOf("docs/architecture.md"));
        var section = lines.SkipWhile(l => !l.StartsWith("## Folders and their directions", StringComparison.Ordinal)).Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal));
        var table = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var row in section.Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = row.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            var folder = cells[0].Trim('`');
            table[folder] = cells[^1] == "-" ? [] : cells[^1].Split(',').Select(c => c.Trim().Trim('`')).ToHashSet(StringComparer.Ordinal);
        }

        Assert.True(table.Count >= 10, "docs/architecture.md: the folder table was not found under '## Folders and their directions'");
        return table;
    }

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"\bMailSender((?:\.[A-Z]\w*)+)")]
    private static partial Regex QualifiedName();

    // Comments and string literals: a type named in prose or in a message is not a use.
    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|\$?""(?:[^""\\\n]|\\.)*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();

    /// <summary>The folders of src/MailSender and, for each, the folders its files use with one piece of evidence per use.</summary>
    private sealed class SourceTree
    {
        public required Dictionary<string, Dictionary<string, string>> Uses { get; init; }

        public static SourceTree Read()
        {
            var source = RepositoryFiles.PathOf("src/MailSender");
            var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
                .Select(path => (Path: path, Relative: Path.GetRelativePath(source, path).Replace('\\', '/')))
                .Where(f => !f.Relative.StartsWith("bin/", StringComparison.Ordinal) && !f.Relative.StartsWith("obj/", StringComparison.Ordinal))
                .Select(f => (Folder: FolderOf(f.Relative), File: f.Relative, Code: CommentOrString().Replace(File.ReadAllText(f.Path), " ")))
                .ToArray();
            Assert.True(files.Length > 50, $"Only {files.Length} source files found under {source}");

            var declared = files.GroupBy(f => f.Folder).ToDictionary(
                g => g.Key,
                g => g.SelectMany(f => TypeDeclaration().Matches(f.Code).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal),
                StringComparer.Ordinal);
            var folders = declared.Keys.ToHashSet(StringComparer.Ordinal);

            var uses = folders.ToDictionary(f => f, _ => new Dictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (var (folder, file, code) in files)
            {
                var withoutNamespace = NamespaceLine().Replace(code, " ");
                foreach (Match match in QualifiedName().Matches(withoutNamespace))
                {
                    var target = LongestFolder(match.Groups[1].Value, folders);
                    if (target is not null && target != folder)
                    {
                        var line = withoutNamespace[..match.Index].Split('\n')[^1] + match.Value;
                        uses[folder].TryAdd(target, $"{line.Trim()} in {file}");
                    }
                }

                if (ImplicitParentUse(folder, file, code, declared) is { } parent)
                {
                    uses[folder].TryAdd(parent.Folder, parent.Evidence);
                }
            }

            return new SourceTree { Uses = uses };
        }

        /// <summary>A type of a parent folder's namespace (not the root's) used without a <c>using</c>, which C# allows silently.</summary>
        public static (string Folder, string Evidence)? ImplicitParentUse(string folder, string file, string code, IReadOnlyDictionary<string, HashSet<string>> declared)
        {
            for (var parent = ParentOf(folder); parent is not null; parent = ParentOf(parent))
            {
                if (declared.GetValueOrDefault(parent) is { } types &&
                    types.FirstOrDefault(t => Regex.IsMatch(code, $@"\b{t}\b")) is { } type)
                {
                    return (parent, $"{type} in {file}");
                }
            }

            return null;
        }

        private static string FolderOf(string relative) =>
            relative.Contains('/', StringComparison.Ordinal) ? relative[..relative.LastIndexOf('/')] : Root;

        private static string? ParentOf(string folder) =>
            folder == Root || !folder.Contains('/', StringComparison.Ordinal) ? null : folder[..folder.LastIndexOf('/')];

        private static string? LongestFolder(string qualified, HashSet<string> folders)
        {
            var parts = qualified.TrimStart('.').Split('.');
            for (var length = parts.Length; length > 0; length--)
            {
                var candidate = string.Join('/', parts.Take(length));
                if (folders.Contains(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }
    }
}
