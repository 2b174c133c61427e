using System.Globalization;
using System.Text;
using MailSender.Diagnostics;
using MailSender.Internal;
using MimeKit;

namespace MailSender.Pickup;

/// <summary>
/// Writes each message as one <c>.eml</c> file in a folder, atomically: a temporary file in the same folder
/// is written, flushed to disk, then renamed, so a reader never sees a partial message.
/// </summary>
internal sealed class PickupTransport : IVerifiableEmailTransport, IReportsFinalWrite
{
    /// <inheritdoc/>
    public bool ReportsFinalWrite => true;

    private readonly string _folder;
    private readonly bool _writeEnvelope;
    private readonly TimeProvider _timeProvider;
    private readonly Func<string, Stream> _createFile;

    public PickupTransport(string folder, bool writeEnvelope, TimeProvider timeProvider)
        : this(folder, writeEnvelope, timeProvider, CreateFile)
    {
    }

    /// <summary>Initializes a new instance with a custom file opener, so tests can simulate a full disk.</summary>
    internal PickupTransport(string folder, bool writeEnvelope, TimeProvider timeProvider, Func<string, Stream> createFile)
    {
        _folder = Path.GetFullPath(folder);
        _writeEnvelope = writeEnvelope;
        _timeProvider = timeProvider;
        _createFile = createFile;
    }

    public string Name => "pickup:" + _folder;

    public string Folder => _folder;

    /// <summary>Gets where the transport reports written files and their size.</summary>
    internal MailSenderTelemetry Telemetry { get; init; } = MailSenderTelemetry.Shared;

    /// <summary>Creates the folder if needed and writes and deletes a probe file, as a send would.</summary>
    public async Task VerifyAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CreateFolder();
        var probe = Path.Combine(_folder, "." + Guid.NewGuid().ToString("N") + ".verify.tmp");
        try
        {
            var file = _createFile(probe);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync("verify\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The same error a send would report (kind, transience, hint), so the health check agrees with a send.
            throw Map(ex, probe);
        }
        finally
        {
            TryDelete(probe);
        }
    }

    public async Task<SendResult> SendAsync(MimeMessage message, MailEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        cancellationToken.ThrowIfCancellationRequested();

        CreateFolder();
        var name = string.Create(CultureInfo.InvariantCulture, $"{_timeProvider.GetUtcNow():yyyyMMdd-HHmmss-fff}-{Guid.NewGuid():N}.eml");
        var final = Path.Combine(_folder, name);

        // Same folder, so the rename is atomic; the leading dot and .tmp keep pickup readers away from it.
        var temporary = Path.Combine(_folder, "." + name + ".tmp");
        long size;
        try
        {
            var file = _createFile(temporary);
            await using (file.ConfigureAwait(false))
            {
                if (_writeEnvelope)
                {
                    await file.WriteAsync(EnvelopeHeaders(envelope), cancellationToken).ConfigureAwait(false);
                }

                await message.WriteToAsync(WireFormat.Options, file, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (file is FileStream fileStream)
                {
                    fileStream.Flush(flushToDisk: true);
                }

                size = file.CanSeek ? file.Position : 0;
            }

            if (DeliveryCheckpoint.Current is { } checkpoint)
            {
                await checkpoint.ReachAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, final, overwrite: false);
        }
        catch (Exception ex)
        {
            TryDelete(temporary);
            if (ex is OperationCanceledException)
            {
                throw;
            }

            throw Map(ex, final);
        }

        Telemetry.MessageMeasured("pickup", size);
        Log.PickupFileWritten(Telemetry.Logger, message.MessageId ?? string.Empty, final, size);

        return new SendResult
        {
            MessageId = message.MessageId ?? string.Empty,
            AcceptedRecipients = envelope.Recipients.Select(r => r.Address).ToArray(),
            Transport = Name,
            FilePath = final,
        };
    }

    private static Stream CreateFile(string path) =>
        new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);

    private static byte[] EnvelopeHeaders(MailEnvelope envelope)
    {
        var text = new StringBuilder();
        text.Append("X-Sender: ").Append(envelope.Sender.Address).Append("\r\n");
        foreach (var recipient in envelope.Recipients)
        {
            text.Append("X-Receiver: ").Append(recipient.Address).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private void CreateFolder()
    {
        try
        {
            Directory.CreateDirectory(_folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new EmailSendException(EmailErrorKind.Configuration, $"The pickup folder '{_folder}' could not be created: {ex.Message}", ex)
            {
                Transport = Name,
                Hint = "Point pickup:PATH at a folder this process can create and write to.",
            };
        }
    }

    private EmailSendException Map(Exception ex, string final) => ex switch
    {
        UnauthorizedAccessException => new EmailSendException(EmailErrorKind.Configuration, $"Permission denied writing to the pickup folder '{_folder}'.", ex)
        {
            Transport = Name,
            Hint = "Give this process write access to the folder, or choose another with pickup:PATH.",
        },
        IOException io when IsDiskFull(io) => new EmailSendException(EmailErrorKind.StorageFailed, $"The disk holding the pickup folder '{_folder}' is full; the message was not written.", ex)
        {
            IsTransient = true,
            Transport = Name,
            Hint = "Free disk space, or move the pickup folder to a larger volume.",
        },
        _ => new EmailSendException(EmailErrorKind.StorageFailed, $"Writing '{final}' failed: {ex.Message}; no partial file was left.", ex)
        {
            Transport = Name,
        },
    };

    private static bool IsDiskFull(IOException exception)
    {
        // ENOSPC (28) on Unix; ERROR_DISK_FULL (112) and ERROR_HANDLE_DISK_FULL (39) on Windows.
        var code = exception.HResult & 0xFFFF;
        return code is 28 or 112 or 39;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The original error is what matters; a leftover temporary file is hidden and ignored by readers.
        }
    }
}
