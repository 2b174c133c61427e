namespace MailSender.TestSupport;

/// <summary>Files of this repository (docs, sources) that tests read: found from the test's output folder upwards.</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> RootOnce = new(FindRoot);

    /// <summary>Gets the repository's root: the folder holding MailSender.sln.</summary>
    public static string Root => RootOnce.Value;

    /// <summary>Returns the full path of <paramref name="relativePath"/> (e.g. <c>docs/telemetry.md</c>) under the root.</summary>
    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MailSender.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("MailSender.sln not found above " + AppContext.BaseDirectory);
    }
}
