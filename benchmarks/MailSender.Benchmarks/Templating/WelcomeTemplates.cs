namespace MailSender.Benchmarks.Templating;

/// <summary>
/// The welcome mail as Liquid: the layout, the subject, the HTML body and the text body. MailSender reads them as files
/// (<see cref="WriteFolder"/>); the Fluid-by-hand case parses the same strings.
/// </summary>
internal static class WelcomeTemplates
{
    public const string Layout = """
        <!DOCTYPE html>
        <html>
        <head>
        <meta charset="utf-8">
        <title>{{ product }}</title>
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
        {{ content_for_layout }}
        </td></tr>
        <tr><td class="footer">{{ product }} | {{ street }}, {{ postalCode }} {{ city }}, {{ country }} | <a href="{{ unsubscribeUrl }}">Unsubscribe</a></td></tr>
        </table>
        </td></tr></table>
        </body>
        </html>
        """;

    public const string Subject = "Welcome to {{ product }}, {{ firstName }}!";

    public const string Body = """
        <h1>Welcome to {{ product }}, {{ firstName }}!</h1>
        <p>Hello {{ firstName }} {{ lastName }}, your {{ plan }} account {{ accountId }} for {{ company }} is ready: {{ seats }} seats at {{ monthlyPrice }} a month, free for {{ trialDays }} days.</p>
        <p>Sign in as {{ email }}. Your account manager is {{ managerName }}; invite colleagues with the code {{ referralCode }}.</p>
        <p><a href="{{ confirmUrl }}">Confirm your address</a></p>
        <table class="items">
        <tr><th>Item</th><th>Quantity</th><th>Price</th></tr>
        {% for item in items %}<tr><td>{{ item.name }}</td><td class="num">{{ item.quantity }}</td><td class="num">{{ item.price }}</td></tr>
        {% endfor %}</table>
        <p>Questions? Write to {{ supportEmail }} or call {{ supportPhone }}.</p>
        """;

    public const string Text = """
        Welcome to {{ product }}, {{ firstName }}!

        Hello {{ firstName }} {{ lastName }}, your {{ plan }} account {{ accountId }} for {{ company }} is ready: {{ seats }} seats at {{ monthlyPrice }} a month, free for {{ trialDays }} days.
        Sign in as {{ email }}. Your account manager is {{ managerName }}; invite colleagues with the code {{ referralCode }}.

        Confirm your address: {{ confirmUrl }}

        {% for item in items %}- {{ item.name }}: {{ item.quantity }} x {{ item.price }}
        {% endfor %}
        Questions? Write to {{ supportEmail }} or call {{ supportPhone }}.

        --
        {{ product }} | {{ street }}, {{ postalCode }} {{ city }}, {{ country }}
        Unsubscribe: {{ unsubscribeUrl }}
        """;

    /// <summary>The template whose text part MailSender makes from the HTML.</summary>
    public const string HtmlOnlyName = "welcome";

    /// <summary>The same template with <c>welcome-text.text.liquid</c>: no HTML-to-text conversion.</summary>
    public const string WithTextName = "welcome-text";

    /// <summary>Writes the templates as MailSender reads them: <c>_layouts/main.liquid</c>, the two message templates and one text template.</summary>
    public static string WriteFolder()
    {
        var folder = Directory.CreateTempSubdirectory("mailsender-benchmark-templates-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "_layouts"));
        File.WriteAllText(Path.Combine(folder, "_layouts", "main.liquid"), Layout);
        var message = "{% layout 'main' %}\n{% subject %}" + Subject + "{% endsubject %}\n" + Body;
        File.WriteAllText(Path.Combine(folder, HtmlOnlyName + ".liquid"), message);
        File.WriteAllText(Path.Combine(folder, WithTextName + ".liquid"), message);
        File.WriteAllText(Path.Combine(folder, WithTextName + ".text.liquid"), Text);
        return folder;
    }
}
