using MailSender.TestSupport;

namespace MailSender.Tests;

/// <summary>The PublicAPI files stay sorted, so every public change is a one-line diff in the right place.</summary>
public class PublicApiFileTests
{
    public static TheoryData<string> Files()
    {
        var root = RepositoryFiles.Root;
        var files = new TheoryData<string>();
        foreach (var path in Directory.EnumerateFiles(Path.Combine(root, "src"), "PublicAPI.*.txt", SearchOption.AllDirectories)
                     .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                              && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetRelativePath(root, path).Replace('\\', '/'));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void PublicApiFile_IsSortedOrdinally(string file)
    {
        var entries = File.ReadAllLines(RepositoryFiles.PathOf(file)).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

        var sorted = entries.Order(StringComparer.Ordinal).ToArray();

        var first = Enumerable.Range(0, entries.Length).FirstOrDefault(i => entries[i] != sorted[i], -1);
        Assert.True(first < 0, $"{file} is not sorted (ordinal) at line '{(first < 0 ? string.Empty : entries[first])}': sort it with `LC_ALL=C sort`.");
    }

    [Fact]
    public void Files_FindsEveryLibrarysPair()
    {
        Assert.True(Files().Count >= 8, "expected PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt for each of the four library packages");
    }

}
