namespace MailSender.Samples.MinimalApi;

/// <summary>The body of <c>POST /welcome</c>: <c>{"name": "Ann", "email": "ann@example.com", "culture": "fr"}</c>.</summary>
/// <param name="Name">The new user's name, shown in the subject and the greeting.</param>
/// <param name="Email">The address the welcome mail goes to.</param>
/// <param name="Culture">The user's culture (<c>fr</c>, <c>fr-CA</c>, ...) for the localised template, or <see langword="null"/> for the default.</param>
public sealed record WelcomeRequest(string Name, string Email, string? Culture = null);
