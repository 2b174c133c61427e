using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace MailSender.AspNetCore;

/// <summary>Registers the answer of an ASP.NET Core application to a failed send.</summary>
public static class MailSenderProblemDetailsServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="IExceptionHandler"/> that answers an unhandled <see cref="EmailSendException"/> with RFC 9457
    /// problem details (<c>application/problem+json</c>), and ASP.NET Core's problem details service if the application
    /// has not added it. The application calls <c>app.UseExceptionHandler()</c>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Changes the defaults, e.g. <see cref="MailSenderProblemDetailsOptions.DefaultRetryAfter"/>; may be <see langword="null"/>.</param>
    /// <returns>The services.</returns>
    /// <remarks>
    /// <para>
    /// The status says whose fault it was: <c>400</c> an invalid message (<see cref="EmailErrorKind.InvalidMessage"/>);
    /// <c>422</c> a message the application vetoed, or whose every recipient the server refused permanently as an unknown
    /// or invalid address; <c>500</c> a configuration error (no details); <c>502</c> another permanent failure of the mail
    /// server; <c>503</c> a transient one, with <c>Retry-After</c>; <c>504</c> a timeout.
    /// </para>
    /// <para>
    /// The body holds a fixed sentence for the error's kind, the <c>kind</c>, <c>isTransient</c> and the trace id; never the
    /// exception's message, hint, server reply or transport, which can name the server, the SMTP user name and the
    /// recipients. The handler writes through <see cref="Microsoft.AspNetCore.Http.IProblemDetailsService"/>, so the
    /// application's <c>AddProblemDetails(o =&gt; o.CustomizeProblemDetails = ...)</c> applies (its context's
    /// <c>Exception</c> is the <see cref="EmailSendException"/>).
    /// </para>
    /// <para>
    /// Only an <see cref="EmailSendException"/> itself is handled; any other exception goes on to the next handler, then to
    /// the exception handler middleware's default (a <c>500</c>). Handlers run in the order they were registered. Calling
    /// this method again adds nothing, but applies <paramref name="configure"/>.
    /// </para>
    /// </remarks>
    public static IServiceCollection AddMailSenderProblemDetails(this IServiceCollection services, Action<MailSenderProblemDetailsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        // Adds only what is missing: an application's own AddProblemDetails(...) call, before or after, keeps its customisation.
        services.AddProblemDetails();
        if (!services.Any(d => d.ServiceType == typeof(IExceptionHandler) && d.ImplementationType == typeof(EmailSendExceptionHandler)))
        {
            services.AddSingleton<IExceptionHandler, EmailSendExceptionHandler>();
            services.AddOptions<MailSenderProblemDetailsOptions>()
                .Validate(o => o.DefaultRetryAfter >= TimeSpan.FromSeconds(1), "MailSenderProblemDetailsOptions.DefaultRetryAfter must be at least 1 second.")
                .ValidateOnStart();
        }

        if (configure is not null)
        {
            services.Configure(configure);
        }

        return services;
    }
}
