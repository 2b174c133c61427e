using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailSender.AspNetCore;

/// <summary>
/// Answers an unhandled <see cref="EmailSendException"/> with problem details (<see cref="EmailProblem"/> decides the status
/// and words); leaves every other exception to the next handler.
/// </summary>
internal sealed partial class EmailSendExceptionHandler : IExceptionHandler
{
    private readonly IProblemDetailsService _problemDetails;
    private readonly IOptions<MailSenderProblemDetailsOptions> _options;
    private readonly ILogger<EmailSendExceptionHandler> _logger;

    public EmailSendExceptionHandler(IProblemDetailsService problemDetails, IOptions<MailSenderProblemDetailsOptions> options, ILogger<EmailSendExceptionHandler> logger)
    {
        _problemDetails = problemDetails;
        _options = options;
        _logger = logger;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not EmailSendException error)
        {
            return false;
        }

        var problem = EmailProblem.For(error, _options.Value.DefaultRetryAfter);
        Report(error, problem.StatusCode);

        var response = httpContext.Response;
        response.StatusCode = problem.StatusCode;
        if (problem.RetryAfter is { } wait)
        {
            response.Headers.RetryAfter = EmailProblem.FormatRetryAfter(wait);
        }

        var details = new ProblemDetails { Status = problem.StatusCode, Title = problem.Title, Detail = problem.Detail };
        if (problem.DisclosesKind)
        {
            details.Extensions["kind"] = error.Kind.ToString();
            details.Extensions["isTransient"] = problem.IsTransient;
            if (error.MayHaveBeenAccepted)
            {
                details.Extensions["mayHaveBeenAccepted"] = true;
            }
        }

        // ASP.NET Core 10's writer adds the trace id itself, 8's does not: the same value either way, as ASP.NET Core computes it.
        details.Extensions["traceId"] = Activity.Current?.Id ?? httpContext.TraceIdentifier;

        // Written through the application's problem details service (its CustomizeProblemDetails, its writers, the trace id).
        // When no writer accepts the request (an Accept header without JSON), the status and Retry-After still answer it.
        await _problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = error }).ConfigureAwait(false);
        return true;
    }

    private void Report(EmailSendException error, int statusCode)
    {
#if NET10_0_OR_GREATER
        // From ASP.NET Core 10 the middleware records nothing for an exception an IExceptionHandler handled: say it here,
        // with the exception (its message names the server and recipients, fine for the log, not for the client).
        if (statusCode >= StatusCodes.Status500InternalServerError)
        {
            LogServerError(_logger, error, error.Kind, statusCode);
        }
        else
        {
            LogClientError(_logger, error, error.Kind, statusCode);
        }
#else
        // ASP.NET Core 8 and 9 log every exception, handled or not ("An unhandled exception has occurred..."), before
        // asking the handlers: say only what this handler answered.
        LogAnswered(_logger, error.Kind, statusCode);
#endif
    }

#if NET10_0_OR_GREATER
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "The e-mail could not be sent ({Kind}); the request was answered with {StatusCode}.")]
    private static partial void LogServerError(ILogger logger, EmailSendException exception, EmailErrorKind kind, int statusCode);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "The e-mail was not sent ({Kind}); the request was answered with {StatusCode}.")]
    private static partial void LogClientError(ILogger logger, EmailSendException exception, EmailErrorKind kind, int statusCode);
#else
    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "An e-mail that could not be sent ({Kind}) was answered with {StatusCode}.")]
    private static partial void LogAnswered(ILogger logger, EmailErrorKind kind, int statusCode);
#endif
}
