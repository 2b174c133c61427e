namespace MailSender.Cli.Tests.Infrastructure;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("mailsender-cli-tests-").FullName;
    }

    public string Path { get; }

    /// <summary>Gets the pickup folder the tests send to (not created until a message is written).</summary>
    public string Outbox => System.IO.Path.Combine(Path, "outbox");

    /// <summary>Gets the transport URI of <see cref="Outbox"/>.</summary>
    public string PickupTransport => "pickup:" + Outbox;

    public string[] WrittenFiles() =>
        Directory.Exists(Outbox) ? Directory.GetFiles(Outbox) : [];

    public string CreateFile(string name, byte[] content)
    {
        var path = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder does not fail a test.
        }
    }
}
