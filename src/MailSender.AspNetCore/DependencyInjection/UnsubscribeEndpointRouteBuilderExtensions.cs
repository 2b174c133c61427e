using MailSender.AspNetCore.Unsubscribe;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the endpoint that honours one-click unsubscribe links (RFC 8058).</summary>
public static class UnsubscribeEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST {pattern}/{token}</c>, the one-click unsubscribe a mail client sends (body
    /// <c>List-Unsubscribe=One-Click</c>, form-urlencoded or multipart), and <c>GET {pattern}/{token}</c>, a page with
    /// a button that sends the same POST. A genuine token adds its address to the <see cref="MailSender.IEmailSuppressionList"/>
    /// for its list and answers 200; a forged, altered or expired one answers 400 and records nothing. No cookies,
    /// no redirects, no antiforgery token (the client's POST carries none), and repeating a POST is harmless. A GET
    /// never unsubscribes, since link scanners fetch every URL in a message.
    /// </summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="pattern">The path prefix; it must be the path of <c>MailSender:Unsubscribe:BaseUrl</c>.</param>
    /// <returns>The group of both endpoints, for further conventions (e.g. rate limiting).</returns>
    /// <remarks>Requires <c>AddOneClickUnsubscribe</c> and <c>AddSuppressionList</c> (or the outbox's store).</remarks>
    public static IEndpointConventionBuilder MapMailSenderUnsubscribe(this IEndpointRouteBuilder endpoints, string pattern = "/unsubscribe")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);

        var group = endpoints.MapGroup(pattern);
        group.MapGet("/{token}", UnsubscribeEndpoint.ShowPageAsync);
        group.MapPost("/{token}", UnsubscribeEndpoint.UnsubscribeAsync);
        return group;
    }
}
