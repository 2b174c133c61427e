using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailSender.AspNetCore.Unsubscribe;

/// <summary>The two handlers behind <c>MapMailSenderUnsubscribe</c>, plain request delegates so they need no reflection.</summary>
internal static partial class UnsubscribeEndpoint
{
    private const string OneClickField = "List-Unsubscribe";
    private const string OneClickValue = "One-Click";

    public static async Task ShowPageAsync(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IUnsubscribeTokens>();
        var result = tokens.Validate(context.Request.RouteValues["token"] as string);
        if (!result.IsValid)
        {
            await WritePageAsync(context, StatusCodes.Status400BadRequest, "This unsubscribe link is not valid", Explain(result.Error!.Value), form: false).ConfigureAwait(false);
            return;
        }

        var text = $"Stop sending mail of the list <strong>{HtmlEncoder.Default.Encode(result.List!)}</strong> to <strong>{HtmlEncoder.Default.Encode(result.Address!)}</strong>?";
        await WritePageAsync(context, StatusCodes.Status200OK, "Unsubscribe", text, form: true).ConfigureAwait(false);
    }

    public static async Task UnsubscribeAsync(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IUnsubscribeTokens>();
        var result = tokens.Validate(context.Request.RouteValues["token"] as string);
        if (!result.IsValid)
        {
            Log.Refused(Logger(context), result.Error!.Value);
            await WritePageAsync(context, StatusCodes.Status400BadRequest, "This unsubscribe link is not valid", Explain(result.Error.Value), form: false).ConfigureAwait(false);
            return;
        }

        if (!context.Request.HasFormContentType
            || !string.Equals((await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false))[OneClickField].ToString(), OneClickValue, StringComparison.Ordinal))
        {
            await WritePageAsync(context, StatusCodes.Status400BadRequest, "Not an unsubscribe request", $"The request must carry {OneClickField}={OneClickValue} as a form field (RFC 8058).", form: false).ConfigureAwait(false);
            return;
        }

        var list = context.RequestServices.GetRequiredService<IEmailSuppressionList>();
        await list.AddAsync(new EmailSuppression(result.Address!, SuppressionReason.Unsubscribed, result.List) { Detail = "one-click unsubscribe" }, context.RequestAborted).ConfigureAwait(false);
        Log.Unsubscribed(Logger(context), result.List!);
        await WritePageAsync(context, StatusCodes.Status200OK, "Unsubscribed", $"You will no longer receive mail of the list <strong>{HtmlEncoder.Default.Encode(result.List!)}</strong>.", form: false).ConfigureAwait(false);
    }

    private static string Explain(UnsubscribeTokenError error) => error switch
    {
        UnsubscribeTokenError.Expired => "The link has expired. Use the link in a recent message, or reply to ask to be removed.",
        _ => "The link is damaged or was not made by this site. Use the link in the message exactly as it is.",
    };

    private static async Task WritePageAsync(HttpContext context, int status, string title, string html, bool form)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        var button = form
            ? $"<form method=\"post\"><input type=\"hidden\" name=\"{OneClickField}\" value=\"{OneClickValue}\"><button type=\"submit\">Unsubscribe</button></form>"
            : string.Empty;
        var page = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\"><title>{HtmlEncoder.Default.Encode(title)}</title></head><body><h1>{HtmlEncoder.Default.Encode(title)}</h1><p>{html}</p>{button}</body></html>";
        await response.WriteAsync(page, context.RequestAborted).ConfigureAwait(false);
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("MailSender.AspNetCore.Unsubscribe") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Unsubscribed a recipient from list {List} (one-click).")]
        public static partial void Unsubscribed(ILogger logger, string list);

        [LoggerMessage(2, LogLevel.Warning, "Refused an unsubscribe request: the token is {Error}; nothing was recorded.")]
        public static partial void Refused(ILogger logger, UnsubscribeTokenError error);
    }
}
