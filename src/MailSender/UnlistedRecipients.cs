namespace MailSender;

/// <summary>What <see cref="RedirectOptions"/> does with a recipient its allow-list does not match.</summary>
public enum UnlistedRecipients
{
    /// <summary>Send to <see cref="RedirectOptions.To"/> instead.</summary>
    Redirect,

    /// <summary>Leave the recipient out (logged); the others still receive the message.</summary>
    Drop,

    /// <summary>Send nothing: <c>SendAsync</c> throws an <see cref="EmailSendException"/> of kind <see cref="EmailErrorKind.Vetoed"/> naming the recipients.</summary>
    Refuse,
}
