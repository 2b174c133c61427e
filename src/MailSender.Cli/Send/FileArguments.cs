namespace MailSender.Cli.Send;

/// <summary>Reads the files named on the command line up front, so a bad path fails before anything is sent, with an error naming the file.</summary>
internal static class FileArguments
{
    public static string ReadText(string path, string option) => Read(path, option, File.ReadAllText);

    public static byte[] ReadBytes(string path, string option) => Read(path, option, File.ReadAllBytes);

    private static T Read<T>(string path, string option, Func<string, T> read)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new UsageException($"{option} needs a file name.");
        }

        if (Directory.Exists(path))
        {
            throw new UsageException($"{option} '{path}' is a folder, not a file.");
        }

        try
        {
            return read(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{option} file '{path}' does not exist.", innerException: ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new UsageException($"{option} file '{path}' cannot be read: permission denied.", innerException: ex);
        }
        catch (Exception ex) when (ex is IOException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"{option} file '{path}' cannot be read: {ex.Message}", innerException: ex);
        }
    }
}
