namespace MailSender.Cli.Render;

/// <summary>Writes an output file whole or not at all: a temporary file in the same folder, flushed, then renamed over the target.</summary>
internal static class OutputFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>, replacing it; throws <see cref="UsageException"/> naming <paramref name="option"/>.</summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, string option, CancellationToken cancellationToken)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UsageException($"{option} '{path}' is not a file name: {ex.Message}", innerException: ex);
        }

        if (Directory.Exists(full))
        {
            throw new UsageException($"{option} '{path}' is a folder, not a file.");
        }

        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new UsageException($"{option} '{path}': the folder {folder} does not exist.");
        }

        // Same folder, so the rename is atomic (as the pickup transport writes); a reader never sees half a file.
        var temporary = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new UsageException($"{option} '{path}' cannot be written: {ex.Message}", innerException: ex);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover hidden .tmp file is harmless.
        }
    }
}
