namespace MailSender.Interop.Tests.Support;

/// <summary>Theory rows: every server, every listener it has, every pipelining mode (<see cref="PipeliningModes.All"/>).</summary>
public static class InteropCases
{
    /// <summary>Rows (server, security, mode) for every server and listener.</summary>
    public static TheoryData<string, Security, string> All => Where(_ => true);

    /// <summary>Rows (server, security, mode) for the servers matching <paramref name="predicate"/>.</summary>
    public static TheoryData<string, Security, string> Where(Func<ServerProfile, bool> predicate)
    {
        var rows = new TheoryData<string, Security, string>();
        foreach (var profile in ServerProfile.All.Where(predicate))
        {
            foreach (var security in profile.Securities)
            {
                foreach (var mode in PipeliningModes.All)
                {
                    rows.Add(profile.Name, security, mode);
                }
            }
        }

        return rows;
    }

    /// <summary>Rows with one server name each.</summary>
    public static TheoryData<string> Servers
    {
        get
        {
            var rows = new TheoryData<string>();
            foreach (var profile in ServerProfile.All)
            {
                rows.Add(profile.Name);
            }

            return rows;
        }
    }
}
