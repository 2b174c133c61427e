namespace MailSender.Benchmarks.Templating;

/// <summary>The model of a typical welcome mail: 20 fields and one list of 10 rows.</summary>
public sealed class WelcomeModel
{
    public required string Product { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public required string Email { get; init; }
    public required string Company { get; init; }
    public required string Plan { get; init; }
    public required string AccountId { get; init; }
    public required int Seats { get; init; }
    public required decimal MonthlyPrice { get; init; }
    public required int TrialDays { get; init; }
    public required string ManagerName { get; init; }
    public required string ReferralCode { get; init; }
    public required string ConfirmUrl { get; init; }
    public required string SupportEmail { get; init; }
    public required string SupportPhone { get; init; }
    public required string Street { get; init; }
    public required string PostalCode { get; init; }
    public required string City { get; init; }
    public required string Country { get; init; }
    public required string UnsubscribeUrl { get; init; }
    public required IReadOnlyList<WelcomeItem> Items { get; init; }

    public static WelcomeModel Create() => new()
    {
        Product = "Acme Cloud",
        FirstName = "Ann",
        LastName = "Example",
        Email = "ann@example.com",
        Company = "Example & Sons",
        Plan = "Business",
        AccountId = "AC-1029384",
        Seats = 25,
        MonthlyPrice = 249.5m,
        TrialDays = 30,
        ManagerName = "Bob Manager",
        ReferralCode = "ANN-7731",
        ConfirmUrl = "https://app.example.com/confirm?id=1029384&token=5f2c9a",
        SupportEmail = "support@example.com",
        SupportPhone = "555 0100",
        Street = "1 Example Street",
        PostalCode = "12345",
        City = "Springfield",
        Country = "United States",
        UnsubscribeUrl = "https://app.example.com/unsubscribe?id=1029384&list=news",
        Items = Enumerable.Range(1, 10).Select(i => new WelcomeItem { Name = "Starter item " + i, Quantity = i, Price = 9.5m * i }).ToList(),
    };
}

/// <summary>One row of the welcome mail's table.</summary>
public sealed class WelcomeItem
{
    public required string Name { get; init; }
    public required int Quantity { get; init; }
    public required decimal Price { get; init; }
}
