using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailSender.Cli.Output;

/// <summary>Source-generated JSON serialization of the documents the CLI prints (no reflection, trim-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SendResultDocument))]
[JsonSerializable(typeof(ErrorDocument))]
[JsonSerializable(typeof(Attempts.RetryingEvent))]
[JsonSerializable(typeof(Providers.ProviderDocument[]))]
[JsonSerializable(typeof(Probe.ProbeReportDocument))]
[JsonSerializable(typeof(Verify.VerifyResultDocument))]
[JsonSerializable(typeof(Outbox.OutboxMessageDocument))]
[JsonSerializable(typeof(Outbox.OutboxMessageDocument[]))]
[JsonSerializable(typeof(Outbox.EnqueuedDocument))]
[JsonSerializable(typeof(Outbox.ImportDocument))]
[JsonSerializable(typeof(Outbox.OutboxChangeDocument))]
[JsonSerializable(typeof(Outbox.WorkerSummaryDocument))]
[JsonSerializable(typeof(Render.RenderResultDocument))]
[JsonSerializable(typeof(Lint.LintReportDocument))]
[JsonSerializable(typeof(Doctor.DoctorReportDocument))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>Gets the context used for output: camelCase, and '&lt;', '&gt;', '+' and non-ASCII left readable, since the output is not HTML.</summary>
    public static CliJsonContext Output { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
