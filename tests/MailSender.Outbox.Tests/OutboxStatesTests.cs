using System.Text;
using MailSender.Outbox.Storage;
using Xunit;

namespace MailSender.Outbox.Tests;

public sealed class OutboxStatesTests
{
    /// <summary>
    /// The suppression table's key must make two addresses equal exactly when the in-memory list's comparer
    /// (ordinal ignore-case) does, for every character of the Basic Multilingual Plane: grouped by key, each group is
    /// one ordinal ignore-case class, and no two groups are.
    /// </summary>
    [Fact]
    public void AddressKey_IsEqual_ExactlyWhenOrdinalIgnoreCaseIs_ForEveryBmpCharacter()
    {
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        var wrong = new List<string>();
        for (var c = 0; c <= 0xFFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var text = ((char)c).ToString();
            var key = OutboxStates.AddressKey("a" + text + "@example.com");
            if (!groups.TryAdd(key, text) && !string.Equals(groups[key], text, StringComparison.OrdinalIgnoreCase))
            {
                wrong.Add($"U+{c:X4} has the key of U+{groups[key][0]:X4}");
            }
        }

        // Across groups: representatives equal under ordinal ignore-case would be one class split in two.
        foreach (var bucket in groups.Values.GroupBy(v => StringComparer.OrdinalIgnoreCase.GetHashCode(v)))
        {
            var members = bucket.ToList();
            for (var i = 0; i < members.Count; i++)
            {
                for (var j = i + 1; j < members.Count; j++)
                {
                    if (string.Equals(members[i], members[j], StringComparison.OrdinalIgnoreCase))
                    {
                        wrong.Add($"U+{members[i][0]:X4} and U+{members[j][0]:X4} have different keys");
                    }
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Theory]
    [InlineData(" Ann@Example.COM\t", "ann@example.com")]
    [InlineData("J\u00D6RG@example.com", "j\u00D6rg@example.com")]
    [InlineData("\u212Aate@example.com", "\u212Aate@example.com")] // the Kelvin sign stays itself: it is not K
    [InlineData("\u017Fam@example.com", "\u017Fam@example.com")] // the long s stays itself: it is not S
    [InlineData("\U00010428@example.com", "\U00010400@example.com")] // outside the BMP
    public void AddressKey_IsTrimmed_AsciiInLowerCase_OtherLettersInUpperCase(string address, string key)
    {
        Assert.Equal(key, OutboxStates.AddressKey(address));
        Assert.True(Ascii.IsValid(OutboxStates.AddressKey("Plain.Ascii+Tag@Example.COM")));
    }
}
