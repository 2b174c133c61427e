using System.Globalization;
using MailSender.Templates.Razor.Tests.Templates;
using MailSender.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MailSender.Templates.Razor.Tests.DependencyInjection;

/// <summary>Razor templates outside any HTTP request: a worker in a generic host renders and sends.</summary>
public class RazorTemplatesInBackgroundServiceTests
{
    [Fact]
    public async Task BackgroundService_RendersAndSendsRazorTemplate_WithoutAspNetCore()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Services.AddMailSender(o => o.DefaultFrom = "app@example.com");
        builder.Services.AddInMemoryEmailTransport();
        builder.Services.AddMailSenderTemplates().AddRazorTemplate<Welcome>("welcome");
        builder.Services.AddSingleton<WorkerFailure>();
        builder.Services.AddHostedService<WelcomeWorker>();
        using var host = builder.Build();
        var transport = host.Services.GetRequiredService<InMemoryEmailTransport>();

        await host.StartAsync();
        try
        {
            var waiting = transport.WaitForMessageAsync(m => m.Recipients.Contains("ana@example.com"), TimeSpan.FromSeconds(30));
            var failed = host.Services.GetRequiredService<WorkerFailure>().Failed;
            if (await Task.WhenAny(waiting, failed) == failed)
            {
                throw new InvalidOperationException("The worker failed.", await failed);
            }

            var sent = await waiting;

            Assert.Equal("Welcome, Ana", sent.Subject);
            Assert.Contains("<h1>Hello Ana</h1>", sent.HtmlBody, StringComparison.Ordinal);
            Assert.Contains("<li>Item 10</li>", sent.HtmlBody, StringComparison.Ordinal);
            Assert.Contains("lundi 2 mars 2026", sent.TextBody, StringComparison.Ordinal);
            Assert.Equal("app@example.com", sent.Sender);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>A worker that sends the welcome message once, when the host starts.</summary>
    private sealed class WelcomeWorker(IEmailTemplates templates, IEmailSender sender, WorkerFailure failure) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            try
            {
                await sender.SendTemplateAsync(templates, "welcome", WelcomeModel.For("Ana"), "ana@example.com", CultureInfo.GetCultureInfo("fr-FR"), stoppingToken);
            }
            catch (Exception exception)
            {
                failure.Report(exception);
                throw;
            }
        }
    }

    private sealed class WorkerFailure
    {
        private readonly TaskCompletionSource<Exception> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Exception> Failed => _failed.Task;

        public void Report(Exception exception) => _failed.TrySetResult(exception);
    }
}
