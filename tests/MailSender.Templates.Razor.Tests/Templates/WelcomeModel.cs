namespace MailSender.Templates.Razor.Tests.Templates;

/// <summary>The model of <see cref="Welcome"/>.</summary>
public sealed record WelcomeModel(string Name, DateTime SignupDate, IReadOnlyList<string> Items, decimal Price)
{
    public static WelcomeModel For(string name) =>
        new(name, new DateTime(2026, 3, 2, 9, 30, 0, DateTimeKind.Utc), Enumerable.Range(1, 10).Select(i => $"Item {i}").ToList(), 1234.5m);
}
