using MailSender.Smtp.Direct;
using MimeKit;

namespace MailSender.Tests.Smtp.Direct;

public class DirectRoutingTests
{
    [Fact]
    public void GroupByDomain_MixedCaseAndOrder_GroupsCaseInsensitivelyInFirstSeenOrder()
    {
        var groups = DirectRouting.GroupByDomain(
        [
            MailboxAddress.Parse("ann@Example.COM"),
            MailboxAddress.Parse("bob@other.test"),
            MailboxAddress.Parse("cid@example.com"),
            MailboxAddress.Parse("dan@example.com."),
        ]);

        Assert.Equal(["example.com", "other.test"], groups.Select(g => g.Domain));
        Assert.Equal(["ann@Example.COM", "cid@example.com", "dan@example.com"], groups[0].Recipients.Select(r => r.Address));
        Assert.All(groups, g => Assert.Null(g.Problem));
    }

    [Fact]
    public void GroupByDomain_InternationalizedDomain_GroupsUnderItsAsciiForm()
    {
        var groups = DirectRouting.GroupByDomain(
        [
            new MailboxAddress("", "ann@bücher.example"),
            new MailboxAddress("", "bob@xn--bcher-kva.example"),
            new MailboxAddress("", "cid@BÜCHER.example"),
        ]);

        var group = Assert.Single(groups);
        Assert.Equal("xn--bcher-kva.example", group.Domain);
        Assert.Equal(3, group.Recipients.Count);
    }

    [Fact]
    public void GroupByDomain_AddressLiteral_KeepsTheLiteral()
    {
        var group = Assert.Single(DirectRouting.GroupByDomain([new MailboxAddress("", "ann@[127.0.0.1]")]));
        Assert.Equal("[127.0.0.1]", group.Domain);
        Assert.Null(group.Problem);
    }

    [Fact]
    public void Order_DifferentPreferences_LowestFirst()
    {
        var ordered = DirectRouting.Order([new MxRecord("c.test", 30), new MxRecord("a.test", 10), new MxRecord("b.test", 20)], new Random(1));

        Assert.Equal(["a.test", "b.test", "c.test"], ordered.Select(r => r.Host));
    }

    [Fact]
    public void Order_EqualPreferences_ShuffledButAlwaysBeforeHigherOnes()
    {
        var firsts = new HashSet<string>();
        for (var seed = 0; seed < 200; seed++)
        {
            var ordered = DirectRouting.Order(
                [new MxRecord("backup.test", 20), new MxRecord("a.test", 10), new MxRecord("b.test", 10), new MxRecord("c.test", 10)],
                new Random(seed));

            Assert.Equal(4, ordered.Count);
            Assert.Equal("backup.test", ordered[3].Host);
            Assert.Equal(["a.test", "b.test", "c.test"], ordered.Take(3).Select(r => r.Host).Order());
            firsts.Add(ordered[0].Host);
        }

        // Over 200 seeds each host of the lowest preference comes first at least once: load is spread.
        Assert.Equal(["a.test", "b.test", "c.test"], firsts.Order());
    }

    [Fact]
    public void Order_DuplicateHostsAndNullMxMixedIn_DropsThem()
    {
        var ordered = DirectRouting.Order([new MxRecord("a.test", 10), new MxRecord("A.test", 20), new MxRecord(".", 0)], new Random(1));

        Assert.Equal(["a.test"], ordered.Select(r => r.Host));
    }

    [Theory]
    [InlineData(true, ".")]
    [InlineData(false, "mx.test")]
    public void IsNullMx_SingleRecord_TrueOnlyForTheRoot(bool expected, string host)
    {
        Assert.Equal(expected, DirectRouting.IsNullMx([new MxRecord(host, 0)]));
    }

    [Fact]
    public void IsNullMx_NoRecords_False()
    {
        Assert.False(DirectRouting.IsNullMx([]));
    }
}
