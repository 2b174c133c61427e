using System.Globalization;
using System.Net;
using System.Text;

namespace MailSender.Benchmarks.Templating;

/// <summary>
/// The welcome mail written by hand, as a user without templates writes it: the same HTML and text as the templates,
/// built with a StringBuilder and interpolation, values HTML-encoded, numbers in the invariant culture.
/// </summary>
internal static class HandBuiltWelcome
{
    public static string Subject(WelcomeModel m) => $"Welcome to {m.Product}, {m.FirstName}!";

    public static string Html(WelcomeModel m)
    {
        var html = new StringBuilder(4096);
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html>
            <head>
            <meta charset="utf-8">
            <title>{{E(m.Product)}}</title>
            <style>
              body { margin: 0; background-color: #f4f5f7; font-family: Arial, sans-serif; }
              .container { width: 600px; background-color: #ffffff; }
              .content { padding: 32px; font-size: 16px; }
              .footer { padding: 16px 32px; font-size: 12px; color: #7b8794; }
              td.num { text-align: right; }
            </style>
            </head>
            <body>
            <table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
            <table role="presentation" class="container" width="600" cellpadding="0" cellspacing="0">
            <tr><td class="content">
            <h1>Welcome to {{E(m.Product)}}, {{E(m.FirstName)}}!</h1>
            <p>Hello {{E(m.FirstName)}} {{E(m.LastName)}}, your {{E(m.Plan)}} account {{E(m.AccountId)}} for {{E(m.Company)}} is ready: {{m.Seats}} seats at {{m.MonthlyPrice}} a month, free for {{m.TrialDays}} days.</p>
            <p>Sign in as {{E(m.Email)}}. Your account manager is {{E(m.ManagerName)}}; invite colleagues with the code {{E(m.ReferralCode)}}.</p>
            <p><a href="{{E(m.ConfirmUrl)}}">Confirm your address</a></p>
            <table class="items">
            <tr><th>Item</th><th>Quantity</th><th>Price</th></tr>

            """);
        foreach (var item in m.Items)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<tr><td>{E(item.Name)}</td><td class="num">{item.Quantity}</td><td class="num">{item.Price}</td></tr>""").Append('\n');
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            </table>
            <p>Questions? Write to {E(m.SupportEmail)} or call {E(m.SupportPhone)}.</p>
            </td></tr>
            <tr><td class="footer">{E(m.Product)} | {E(m.Street)}, {E(m.PostalCode)} {E(m.City)}, {E(m.Country)} | <a href="{E(m.UnsubscribeUrl)}">Unsubscribe</a></td></tr>
            </table>
            </td></tr></table>
            </body>
            </html>
            """);
        return html.ToString();
    }

    public static string Text(WelcomeModel m)
    {
        var text = new StringBuilder(2048);
        text.Append(CultureInfo.InvariantCulture, $"""
            Welcome to {m.Product}, {m.FirstName}!

            Hello {m.FirstName} {m.LastName}, your {m.Plan} account {m.AccountId} for {m.Company} is ready: {m.Seats} seats at {m.MonthlyPrice} a month, free for {m.TrialDays} days.
            Sign in as {m.Email}. Your account manager is {m.ManagerName}; invite colleagues with the code {m.ReferralCode}.

            Confirm your address: {m.ConfirmUrl}


            """);
        foreach (var item in m.Items)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {item.Name}: {item.Quantity} x {item.Price}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"""

            Questions? Write to {m.SupportEmail} or call {m.SupportPhone}.

            --
            {m.Product} | {m.Street}, {m.PostalCode} {m.City}, {m.Country}
            Unsubscribe: {m.UnsubscribeUrl}

            """);
        return text.ToString();
    }

    private static string E(string value) => WebUtility.HtmlEncode(value);
}
